"""The assessment page in a real Chromium, as the Dresden police contact (second factor included): no
serious axe findings on the page with a pending high level, after a refused review (errors shown) and after
confirming; no CSP errors; nothing loaded from elsewhere; the review date follows the chosen level.

Chromium runs in a worker thread (as in tests/councils); the worker touches no database.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from kommunalschutz.apps.assessments import services
from kommunalschutz.apps.assessments.models import ThreatAssessment
from kommunalschutz.apps.cases.models import Case
from tests.assessments.conftest import RATIONALE, in_days, ratings
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import PASSWORD, World
from tests.factories import CaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
                context = chromium.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
                context.set_default_timeout(15_000)
                requests: list[str] = []
                errors: list[str] = []
                context.on("request", lambda request: requests.append(request.url))
                page = context.new_page()
                page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
                steps(page, requests, errors)
            finally:
                chromium.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(work).result(timeout=180)


def test_assessment_page_is_accessible_and_the_second_review_works(world: World, live_server: Any) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    case = CaseFactory(municipality=world.pirna, status=Case.Status.ACKNOWLEDGED, owner=world.coordinator,
                       reported_by=world.pirna_official, is_synthetic=True)
    services.record_assessment(case=case, actor=world.coordinator, level="low", rationale=RATIONALE, route="police",
                               next_review_on=in_days(60), ratings=ratings(fixation="partly"))
    high = services.record_assessment(case=case, actor=world.coordinator, level="high", rationale=RATIONALE,
                                      route="both", next_review_on=in_days(14),
                                      ratings=ratings(fixation="present", direct_threat="present"))
    police = world.dresden_police
    code = _totp_source(police)
    base = str(live_server.url)
    login, verify = reverse("accounts:login"), reverse("accounts:otp_verify")
    url = reverse("assessments:case_assessments", args=[case.pk])

    def steps(page: Any, requests: list[str], errors: list[str]) -> None:
        page.goto(base + login)
        page.fill("input[name=username]", police.username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.locator("form:has(input[name=password]) [type=submit]").first.click()
        if urlsplit(page.url).path == verify:
            page.fill("input[name=otp_token]", code())
            with page.expect_navigation():
                page.locator("form:has(input[name=otp_token]) [type=submit]").first.click()
        page.goto(base + url, wait_until="load")
        assert urlsplit(page.url).path == url, page.url
        assert_accessible(page, "assessment page with a pending high level")
        # Not confirming without a note: the error is shown at the field.
        page.check("input[name=decision][value=reject]")
        with page.expect_navigation():
            page.locator("form.assessment-review-form [type=submit]").click()
        page.locator("#id_note[aria-invalid=true]").wait_for()
        assert_accessible(page, "refused review")
        page.check("input[name=decision][value=confirm]")
        with page.expect_navigation():
            page.locator("form.assessment-review-form [type=submit]").click()
        assert page.locator("#in-force-title").count() == 1
        assert_accessible(page, "assessment page with the new assessment form")
        # The proposed review date follows the level (high 14 days) until the assessor types a date.
        page.check("input[name=level][value=low]")
        low = page.input_value("#id_next_review_on")
        page.check("input[name=level][value=high]")
        assert page.input_value("#id_next_review_on") == in_days(14).isoformat()
        assert low != in_days(14).isoformat()
        assert [e for e in errors if "Content Security Policy" in e] == []
        own = urlsplit(base).netloc
        assert [u for u in requests if urlsplit(u).scheme not in ("data", "blob", "about")
                and urlsplit(u).netloc != own] == []

    _in_browser(steps)
    high.refresh_from_db()
    assert high.state == ThreatAssessment.State.IN_FORCE
    assert high.reviewed_by == police
