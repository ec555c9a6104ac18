"""The protection demo as the issue's demo logins meet it: each opens the cases it works on, every tab passes
axe, and those without a need to know get "not found".

Logins: the Pirna official (her own report), the Dresden police contact (the Pirna cases of its directorate),
the LKA (the Freiberg case with a protection request), the coordinator (statistics, the intake dashboard) and
the administrator as the outsider to casework.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from kommunalschutz.apps.cases.models import Case
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, load_registry_and_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _totp_source(username: str) -> Callable[[], str] | None:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is None:
        return None
    key, step, t0, digits, drift = device.bin_key, device.step, device.t0, device.digits, device.drift
    return lambda: f"{totp(key, step=step, t0=t0, digits=digits, drift=drift):0{digits}d}"


def _tabs(case: Case) -> dict[str, str]:
    return {
        "overview": reverse("cases:case_detail", args=[case.pk]),
        "evidence": reverse("evidence:case_evidence", args=[case.pk]),
        "assessments": reverse("assessments:case_assessments", args=[case.pk]),
        "measures": reverse("measures:case_measures", args=[case.pk]),
    }


def test_demo_logins_see_their_cases_and_nothing_else(live_server: Any) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    load_registry_and_demo()
    base = str(live_server.url)
    pirna = Case.objects.get(is_synthetic=True, municipality__ags="14628270", intake="self",
                             occurred_at__year__gte=2025)
    freiberg = Case.objects.get(is_synthetic=True, municipality__ags="14522180", lka_involved=True)
    # login -> (case tabs that open, case tabs that answer "not found")
    plan: dict[str, tuple[list[str], list[str]]] = {
        "pirna-buergermeisterin": ([_tabs(pirna)[t] for t in ("overview", "evidence", "measures")],
                                   [_tabs(pirna)["assessments"], _tabs(freiberg)["overview"]]),
        "pd-dresden": (list(_tabs(pirna).values()), [_tabs(freiberg)["overview"]]),
        "lka-schutz": ([_tabs(freiberg)["overview"], _tabs(freiberg)["measures"], _tabs(freiberg)["assessments"]],
                       [_tabs(pirna)["overview"]]),
        "koordination": ([reverse("casestats:dashboard"), reverse("cases:dashboard"), _tabs(freiberg)["assessments"]],
                         []),
        "admin": ([], [_tabs(pirna)["overview"], _tabs(freiberg)["measures"]]),
    }
    codes = {username: _totp_source(username) for username in plan}

    def work() -> list[str]:
        from playwright.sync_api import sync_playwright

        problems: list[str] = []
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                for username, (opens, hidden) in plan.items():
                    context = chromium.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
                    context.set_default_timeout(15_000)
                    requests: list[str] = []
                    context.on("request", lambda request, requests=requests: requests.append(request.url))
                    page = context.new_page()
                    page.goto(base + reverse("accounts:login"))
                    page.fill("input[name=username]", username)
                    page.fill("input[name=password]", DEMO_PASSWORD)
                    with page.expect_navigation():
                        page.locator("form:has(input[name=password]) [type=submit]").first.click()
                    code = codes[username]
                    if code is not None and page.locator("input[name=otp_token]").count():
                        page.fill("input[name=otp_token]", code())
                        with page.expect_navigation():
                            page.locator("form:has(input[name=otp_token]) [type=submit]").first.click()
                    for path in opens:
                        response = page.goto(base + path)
                        if response is None or response.status != 200:
                            problems.append(f"{username}: {path} answered {response and response.status}")
                            continue
                        assert_accessible(page, f"{username} on {path}")
                    for path in hidden:
                        response = page.goto(base + path)
                        if response is None or response.status != 404:
                            problems.append(f"{username}: {path} should be 'not found', got "
                                            f"{response and response.status}")
                    own = urlsplit(base).netloc
                    problems += [f"{username}: request to {u}" for u in requests
                                 if urlsplit(u).scheme not in ("data", "blob", "about") and urlsplit(u).netloc != own]
                    context.close()
            finally:
                chromium.close()
        return problems

    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(work).result(timeout=600) == []
