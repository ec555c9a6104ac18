"""The assessment page in a real Chromium, as the Dresden police contact (second factor included): no
serious axe findings on the page with a pending high level, after a refused review (errors shown) and after
confirming; no CSP errors; nothing loaded from elsewhere; the review date follows the chosen level.

Chromium runs in a worker thread (as in tests/councils); the worker touches no database.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from kommunalschutz.protection.assessments import services
from kommunalschutz.protection.assessments.models import ThreatAssessment
from kommunalschutz.protection.cases.models import Case
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM
from tests.browser.worker import foreign_requests, in_browser, log_in, totp_source
from tests.conftest import PASSWORD, World
from tests.factories import CaseFactory
from tests.protection.assessments.conftest import RATIONALE, in_days, ratings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]




def test_assessment_page_is_accessible_and_the_second_review_works(world: World, live_server: Any) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    case = CaseFactory.create(municipality=world.pirna, status=Case.Status.ACKNOWLEDGED, owner=world.coordinator,
                       reported_by=world.pirna_official, is_synthetic=True)
    services.record_assessment(case=case, actor=world.coordinator, level="low", rationale=RATIONALE, route="police",
                               next_review_on=in_days(60), ratings=ratings(fixation="partly"))
    high = services.record_assessment(case=case, actor=world.coordinator, level="high", rationale=RATIONALE,
                                      route="both", next_review_on=in_days(14),
                                      ratings=ratings(fixation="present", direct_threat="present"))
    police = world.dresden_police
    code = totp_source(police, create=True)
    base = str(live_server.url)
    url = reverse("assessments:case_assessments", args=[case.pk])

    def steps(page: Any, requests: list[str], errors: list[str]) -> None:
        log_in(page, base, police.username, PASSWORD, code)
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
        assert foreign_requests(base, requests) == []

    in_browser(steps)
    high.refresh_from_db()
    assert high.state == ThreatAssessment.State.IN_FORCE
    assert high.reviewed_by == police
