"""Weighting and results pages in a real Chromium: weighting by keyboard, no serious axe findings,
no request to another server, no CSP violation (the charts are inline SVG without style attributes)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.surveys.findings.models import WeightingRun
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM
from tests.browser.worker import foreign_requests, in_browser, log_in, tab_to, totp_source
from tests.conftest import PASSWORD, World
from tests.surveys.findings.builders import surveyed_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_weighting_and_results_pages(live_server: Any, world: World) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=90)
    code = totp_source(world.analyst, create=True)
    base = str(live_server.url)

    def steps(page: Any, requests: list[str], console_errors: list[str]) -> None:
        log_in(page, base, "analyst", PASSWORD, code)
        page.goto(base + reverse("findings:weighting", args=[project.pk]))
        assert_accessible(page, "weighting page before a run")
        tab_to(page, "#id_collapse", max_tabs=150)
        page.keyboard.press("Space")
        tab_to(page, "#id_trim_upper", max_tabs=150)
        page.keyboard.type("3")
        tab_to(page, "form.findings-form button[type=submit]", max_tabs=150)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("svg[role=img]").count() == 1
        assert "Designeffekt" in page.content()
        assert_accessible(page, "weighting page with diagnostics")
        page.goto(base + reverse("findings:overview", args=[project.pk]))
        assert page.locator("svg[role=img]").count() >= 5
        assert_accessible(page, "results overview")
        page.select_option("#id_domain", "locality")
        with page.expect_navigation():
            page.locator("form.findings-form button[type=submit]").click()
        assert "Ortsteil" in page.content() and "Copitz" in page.content()
        assert_accessible(page, "results by locality")
        assert [e for e in console_errors if "Content Security Policy" in e] == []
        assert foreign_requests(base, requests) == []

    in_browser(steps)
    run = WeightingRun.objects.get(project=project, is_current=True)
    assert run.method == "rake" and run.trim_upper == 3.0 and run.diagnostics["collapse"] is True
