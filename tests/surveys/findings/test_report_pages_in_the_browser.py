"""From the project hub to the released report in a real Chromium, by keyboard only: an analyst opens the
results, the discrepancy view and the report, writes the recommendations, releases the report and
downloads the PDF. axe on the discrepancy, report and recommendations pages; no CSP violation and no
request to another server.

The PDF is rendered (WeasyPrint) while the browser waits for the download: that wait has the long bound for
heavy requests, since a busy machine took longer than the ordinary bound for every other step."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.findings import crime
from kommunalschutz.surveys.projects.models import SurveyProject
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM, SLOW_WORK_MS
from tests.browser.worker import foreign_requests, in_browser, log_in, tab_to, totp_source
from tests.conftest import PASSWORD, World
from tests.factories import DistrictFactory
from tests.surveys.findings.report_data import surveyed_project
from tests.surveys.findings.test_crime_import import SAXON_DISTRICTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECOMMENDATIONS = "Beleuchtung am Bahnhof verbessern."


@pytest.mark.slow
def test_analyst_goes_from_the_hub_to_the_released_report_by_keyboard(live_server: Any, world: World) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    for ags, name in SAXON_DISTRICTS.items():
        DistrictFactory.create(ags=ags, name=name)
    crime.load_bundled()
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=80)
    code = totp_source(world.analyst, create=True)
    base = str(live_server.url)
    url = {name: reverse(name, args=[project.pk]) for name in (
        "surveys:detail", "findings:overview", "findings:discrepancy", "findings:report", "findings:report_pdf",
        "findings:recommendations", "findings:release")}
    pdf: dict[str, bytes] = {}

    def follow(page: Any, selector: str, expected: str, *, max_tabs: int = 150) -> None:
        """Tab to the link or button, press Enter, and arrive at ``expected``."""
        tab_to(page, selector, max_tabs=max_tabs)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert urlsplit(page.url).path == expected, page.url

    def steps(page: Any, requests: list[str], console_errors: list[str]) -> None:
        log_in(page, base, "analyst", PASSWORD, code)
        page.goto(base + url["surveys:detail"])
        follow(page, f'a[href="{url["findings:overview"]}"]', url["findings:overview"])
        follow(page, f'a[href="{url["findings:discrepancy"]}"]', url["findings:discrepancy"])
        assert "Polizeiliche Kriminalstatistik" in page.content()
        assert page.locator("svg[role=img]").count() >= 1
        assert_accessible(page, "discrepancy page")
        follow(page, f'main a[href="{url["findings:report"]}"]', url["findings:report"], max_tabs=250)
        assert "Noch keine Empfehlungen geschrieben" in page.content()
        assert_accessible(page, "report page before release")
        follow(page, f'a[href="{url["findings:recommendations"]}"]', url["findings:recommendations"])
        assert_accessible(page, "recommendations form")
        tab_to(page, "#id_recommendations")
        page.keyboard.type(RECOMMENDATIONS)
        follow(page, "form[method=post] button[type=submit]", url["findings:report"])
        assert "Die Empfehlungen sind gespeichert." in page.content() and RECOMMENDATIONS in page.content()
        follow(page, f'form[action="{url["findings:release"]}"] button', url["findings:report"])
        assert "Der Abschlussbericht ist freigegeben." in page.content()
        assert page.locator(f'a[href="{url["findings:recommendations"]}"]').count() == 0
        assert_accessible(page, "report page after release")
        follow(page, f'a[href="{url["findings:report_pdf"]}"]', url["findings:report_pdf"])
        # The PDF is a background task (Huey runs immediately in tests): back on its page, the download.
        tab_to(page, f'form[action="{url["findings:report_pdf"]}"] button')
        with page.expect_navigation(timeout=SLOW_WORK_MS):
            page.keyboard.press("Enter")
        assert_accessible(page, "report PDF task done")
        tab_to(page, "a[download]")
        with page.expect_download(timeout=SLOW_WORK_MS) as download_info:
            page.keyboard.press("Enter")
        download = download_info.value
        assert re.fullmatch(rf"abschlussbericht-{project.pk}-\d{{8}}-\d{{6}}(_\w+)?\.pdf", download.suggested_filename)
        pdf["bytes"] = Path(download.path()).read_bytes()
        assert [e for e in console_errors if "Content Security Policy" in e] == []
        assert foreign_requests(base, requests) == []

    in_browser(steps)
    assert pdf["bytes"].startswith(b"%PDF-") and b"%%EOF" in pdf["bytes"][-1024:]
    project.refresh_from_db()
    assert project.status == SurveyProject.Status.REPORTED and project.reported_at is not None
    assert project.recommendations == RECOMMENDATIONS
    events = AuditEvent.objects.filter(object_type="surveys.surveyproject", object_id=str(project.pk),
                                       actor=world.analyst)
    assert events.filter(summary="Empfehlungen des Berichts").exists()
    assert events.count() >= 2  # the recommendations and the release
