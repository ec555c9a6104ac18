"""Upload -> column dialog -> report -> draw -> tracking in a real Chromium: no serious axe findings,
the forms usable by keyboard, no request to another server.

Chromium runs in a worker thread: the worker only drives the browser; every database access stays in
the test's own thread.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from kommunalschutz.surveys.sampling.models import RegisterExtract, Sample
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM
from tests.browser.worker import in_browser, log_in, tab_to, totp_source
from tests.conftest import PASSWORD, World
from tests.survey_factories import SurveyProjectFactory
from tests.surveys.sampling.conftest import person_rows, register_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_to_sample_in_the_browser(live_server: Any, world: World, tmp_path: Any) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    project = SurveyProjectFactory.create(municipality=world.pirna, contractor=world.analysis_contractor,
                                   reference_date=dt.date(2026, 1, 1), field_end=dt.date(2026, 4, 30))
    bad_rows = person_rows(30)
    bad_rows[4][8] = "q"
    bad = tmp_path / "fehlerhaft.csv"
    bad.write_bytes(register_file(bad_rows, encoding="cp1252"))
    good = tmp_path / "melderegister.csv"
    good.write_bytes(register_file(person_rows(150), encoding="utf-8", bom=True, delimiter=","))
    code = totp_source(world.analyst, create=True)
    base = str(live_server.url)
    overview = base + reverse("sampling:overview", args=[project.pk])

    def upload(page: Any, path: Any) -> None:
        page.goto(overview)
        page.set_input_files("#id_file", str(path))
        with page.expect_navigation():
            page.locator("form[enctype] button[type=submit]").click()

    def steps(page: Any, requests: list[str], console_errors: list[str]) -> None:
        log_in(page, base, "analyst", PASSWORD, code)
        page.goto(overview)
        assert_accessible(page, "sampling overview before the upload")
        upload(page, bad)
        assert "/spalten/" in page.url
        assert "Windows-1252" in page.content()
        assert_accessible(page, "column dialog")
        tab_to(page, "#id_birth_date", max_tabs=120)
        tab_to(page, ".mapping-form button[type=submit]", max_tabs=120)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "/bericht/" in page.url
        assert page.locator("table.problems tbody tr").count() == 1
        assert_accessible(page, "report with errors")
        upload(page, good)
        with page.expect_navigation():
            page.locator(".mapping-form button[type=submit]").click()
        assert "/bericht/" in page.url and page.locator("table.problems").count() == 0
        assert_accessible(page, "report of the import")
        page.goto(base + reverse("sampling:draw", args=[project.pk]))
        assert_accessible(page, "draw form")
        page.fill("#id_size", "12")
        page.fill("#id_seed", "20260101")
        tab_to(page, "form[novalidate] button[type=submit]", max_tabs=120)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "20260101" in page.content()
        assert_accessible(page, "overview with the sample")
        page.goto(base + reverse("sampling:tracking", args=[project.pk]))
        assert_accessible(page, "tracking")
        assert [e for e in console_errors if "Content Security Policy" in e] == []
        own = urlsplit(base).netloc
        assert [u for u in requests if urlsplit(u).scheme not in ("data", "blob", "about")
                and urlsplit(u).netloc != own] == []

    in_browser(steps)
    assert RegisterExtract.objects.filter(project=project, status="imported").count() == 1
    assert Sample.objects.get(project=project).seed == 20260101
