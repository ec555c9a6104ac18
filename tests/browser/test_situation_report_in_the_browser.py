"""A walk through the situation report in the browser: the public reads the released demo report by keyboard,
the coordination office its internal edition and a new draft; axe finds nothing serious, nothing overflows
from 320 px, no request leaves the server."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from kommunalschutz.situation.models import SituationReport
from tests.browser.axe import assert_accessible
from tests.browser.conftest import log_in
from tests.browser.layout import check_widths

# Here, beside the other walks, so that it shares the session's one Playwright (tests/browser/conftest.py): a
# second session-wide Playwright in the same worker would start inside the first one's asyncio loop.
pytestmark = [pytest.mark.once, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_public_and_the_coordination_office_walk_the_situation_report(new_session: Any, demo_db: Any) -> None:
    report = SituationReport.objects.get(status=SituationReport.Status.RELEASED)
    anonymous = new_session()
    page = anonymous.page
    anonymous.goto("/lagebericht/")
    assert_accessible(page, "situation report list")
    # By keyboard: Tab from the top until the link to the report has the focus, then Enter.
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.textContent.trim()") == report.title:
            break
    else:
        pytest.fail("the report's link cannot be reached by keyboard")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == f"/lagebericht/{report.pk}/"
    body = page.locator("main").inner_text()
    assert "Heute sind es 56 Kommunen." in body
    assert "öffentliche Ausgabe" in body and "interne Ausgabe" not in body
    assert page.locator("figure.chart svg").count() >= 3
    assert_accessible(page, "situation report, public edition")
    assert check_widths(page) == []
    assert anonymous.recorder.foreign_requests(anonymous.base_url) == []
    assert anonymous.recorder.csp_violations() == []

    office = new_session()
    log_in(office, "koordination")
    office.goto(f"/lagebericht/{report.pk}/intern/")
    assert "interne Ausgabe" in office.page.locator("main").inner_text()
    assert_accessible(office.page, "situation report, internal edition")
    office.goto("/lagebericht/")
    office.page.fill("input[name=period_start]", "2024-01-01")
    office.page.fill("input[name=period_end]", "2024-03-31")
    with office.page.expect_navigation():
        office.page.locator("form:has(input[name=period_start]) [type=submit]").click()
    draft = SituationReport.objects.exclude(pk=report.pk).get()
    assert urlsplit(office.page.url).path == f"/lagebericht/{draft.pk}/"
    assert_accessible(office.page, "situation report, a new draft")
    assert check_widths(office.page) == []
