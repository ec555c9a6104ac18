"""The German audit trail in Chromium: the auditor reads the demo's trail, filters it by a German object
type with the keyboard alone, and axe finds nothing serious."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from django.urls import reverse

from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM, DEMO_PASSWORD
from tests.browser.worker import foreign_requests, in_browser, log_in, tab_to, totp_source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
USERNAME = "pruefung"  # the demo's auditor


def test_the_auditor_reads_and_filters_the_trail_in_german(live_server: Any, demo_db: Any) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    code = totp_source(USERNAME)
    base = str(live_server.url)

    def steps(page: Any, requests: list[str], console_errors: list[str]) -> None:
        log_in(page, base, USERNAME, DEMO_PASSWORD, code)
        page.goto(base + reverse("core:audit_log"))
        assert_accessible(page, "audit trail")
        text = page.locator("main").inner_text()
        assert re.search(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d:\d\d ME(S)?Z", text)
        assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text)
        assert "registry.municipality" not in text and "cases.case" not in text
        # Filter by keyboard: tab to the object types, type the German name, tab to the button, press Enter.
        tab_to(page, "#f-object-type")
        page.keyboard.type("Schutzfall")
        assert page.locator("#f-object-type option:checked").inner_text() == "Schutzfall"
        tab_to(page, "form[role=search] button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "object_type=cases.case" in page.url
        cells = page.locator("main table tbody tr td:nth-child(4)").all_inner_texts()
        assert cells and all("Schutzfall" in cell for cell in cells)
        assert_accessible(page, "filtered audit trail")
        assert [e for e in console_errors if "Content Security Policy" in e] == []
        assert foreign_requests(base, requests) == []

    in_browser(steps)
