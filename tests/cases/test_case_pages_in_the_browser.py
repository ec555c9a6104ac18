"""The case pages in a real Chromium: no serious axe findings for the case team (caseload, intake
dashboard, case page with a refused form, incident form, notifications) and the reporter (my reports,
their case page), the forms usable by keyboard, no request to another server.

Chromium runs in a worker thread (as in tests/alliance): the worker only drives the browser; every
database access stays in the test's own thread.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.apps.cases import services
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.cases.conftest import make_case
from tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 120


def _totp_source(user: Any) -> Callable[[], str]:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, name="browser", defaults={"confirmed": True})
    key, step, t0, digits, drift = device.bin_key, device.step, device.t0, device.digits, device.drift
    return lambda: f"{totp(key, step=step, t0=t0, digits=digits, drift=drift):0{digits}d}"


def _in_browser(steps: Callable[[Any, list[str], list[str]], None]) -> None:
    def work() -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                requests: list[str] = []
                console_errors: list[str] = []
                for _round in range(2):  # the case team, then the reporter: separate contexts, no shared cookies
                    context = chromium.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
                    context.set_default_timeout(15_000)
                    context.on("request", lambda request: requests.append(request.url))
                    page = context.new_page()
                    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
                    steps(page, requests, console_errors)
                    context.close()
            finally:
                chromium.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(work).result(timeout=300)


def _tab_to(page: Any, selector: str) -> None:
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(sel) => document.activeElement?.matches(sel) ?? false", selector):
            return
    pytest.fail(f"{selector} on {page.url} never received focus within {MAX_TABS} Tab presses")


def _log_in(page: Any, base: str, username: str, code: Callable[[], str] | None) -> None:
    page.goto(base + reverse("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("form:has(input[name=password]) [type=submit]").first.click()
    if code is not None and urlsplit(page.url).path == reverse("accounts:otp_verify"):
        page.fill("input[name=otp_token]", code())
        with page.expect_navigation():
            page.locator("form:has(input[name=otp_token]) [type=submit]").first.click()
    assert urlsplit(page.url).path not in (reverse("accounts:login"), reverse("accounts:otp_verify"))


def test_case_pages_are_accessible_and_keyboard_usable(live_server: Any, world: World) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    case = make_case(municipality=world.pirna, reported_by=world.pirna_official, affected_user=world.pirna_official,
                     owner=world.coordinator, status="acknowledged", acknowledged_at=timezone.now(),
                     description='<script>alert("x")</script> Drohbrief am Rathaus', is_synthetic=True)
    make_case(municipality=world.pirna, is_acute=True, acknowledgement_due_at=timezone.now() - dt.timedelta(hours=1))
    services.post_message(actor=world.coordinator, case=case, body="Können Sie uns den Brief zeigen?",
                          is_question=True)
    services.post_message(actor=world.coordinator, case=case, body="Interne Notiz", internal=True)
    services.add_task(actor=world.coordinator, case=case, title="Rückruf", due_on=timezone.localdate())
    code = _totp_source(world.coordinator)
    base = str(live_server.url)
    rounds = iter(["team", "reporter"])

    def steps(page: Any, requests: list[str], console_errors: list[str]) -> None:
        if next(rounds) == "team":
            _log_in(page, base, "coordinator", code)
            page.goto(base + reverse("cases:case_list"))
            assert_accessible(page, "caseload")
            _tab_to(page, "#id_status")
            _tab_to(page, "#id_overdue")
            page.goto(base + reverse("cases:dashboard"))
            assert page.locator(".badge-overdue").count() >= 1
            assert_accessible(page, "intake dashboard")
            page.goto(base + reverse("cases:case_detail", args=[case.pk]))
            assert page.locator(".badge-synthetic").count() == 1
            assert_accessible(page, "case page (team)")
            # Close without a reason, by keyboard: refused at the field.
            _tab_to(page, "#id_close-note")
            page.keyboard.type("fertig")
            _tab_to(page, "form[action$='/abschliessen/'] button[type=submit]")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert page.locator("#id_close-reason_error").count() == 1
            assert_accessible(page, "case page with a refused form")
            page.goto(base + reverse("cases:incident_edit", args=[case.pk]))
            assert_accessible(page, "incident form")
            page.goto(base + reverse("cases:notifications"))
            assert_accessible(page, "notifications")
        else:
            _log_in(page, base, "pirna_official", None)
            page.goto(base + reverse("cases:my_reports"))
            assert_accessible(page, "my reports")
            page.goto(base + reverse("cases:case_detail", args=[case.pk]))
            assert "Interne Notiz" not in page.content()
            assert_accessible(page, "case page (reporter)")
            _tab_to(page, "#id_reply-body")
            page.keyboard.type("Ja, ich bringe ihn morgen vorbei.")
            _tab_to(page, "form[action$='/antwort/'] button[type=submit]")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert "Ja, ich bringe ihn morgen vorbei." in page.content()
        assert [e for e in console_errors if "Content Security Policy" in e] == []
        own = urlsplit(base).netloc
        assert [u for u in requests if urlsplit(u).scheme not in ("data", "blob", "about")
                and urlsplit(u).netloc != own] == []

    _in_browser(steps)
    assert case.messages.filter(from_reporter=True).count() == 1
