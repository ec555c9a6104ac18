"""The final report PDF as a background task in a real Chromium (decision 0024): the button queues it and
the page answers at once with "wird vorbereitet …" (a progress bar and a status line), the bar follows the
task by polling (HTMX) until the download link appears, and the file is the report. The queue is held
until the page has shown the waiting state; then the task runs as the worker would run it."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from kommunalschutz.foundation.core import services as core_services
from kommunalschutz.foundation.core.tasks import execute_operation
from kommunalschutz.surveys.findings import report
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM, SLOW_WORK_MS
from tests.browser.worker import foreign_requests, in_browser, log_in, tab_to, totp_source
from tests.conftest import PASSWORD, World
from tests.surveys.findings.report_data import surveyed_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.slow
def test_report_pdf_shows_its_progress_and_then_the_download(live_server: Any, world: World,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    project = surveyed_project(municipality=world.pirna, contractor=world.analysis_contractor, respondents=60)
    # The weighting had the report rendered by the system (served from storage at once, issue 14); new
    # recommendations make it stale, so the page offers the per-person rendering shown here.
    report.save_recommendations(actor=world.analyst, project=project, text="Beleuchtung am Bahnhof verbessern.")
    queued: list[int] = []
    monkeypatch.setattr(core_services, "run_operation", queued.append)  # the queue holds what it gets
    code = totp_source(world.analyst, create=True)
    base = str(live_server.url)
    url = reverse("findings:report_pdf", args=[project.pk])
    saved: dict[str, bytes] = {}

    def work(run_id: int) -> None:
        try:
            execute_operation(run_id)  # what the Huey worker does with the queued task
        finally:
            connection.close()  # this thread's own connection

    def steps(page: Any, requests: list[str], console_errors: list[str]) -> None:
        from playwright.sync_api import expect

        log_in(page, base, "analyst", PASSWORD, code)
        page.goto(base + reverse("findings:report", args=[project.pk]))
        tab_to(page, f'main a[href="{url}"]', max_tabs=150)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        tab_to(page, f'form[action="{url}"] button')
        with page.expect_navigation():
            page.keyboard.press("Enter")
        status = page.locator(".task-progress [role=status]")
        expect(status).to_contain_text("wird vorbereitet …")
        assert "0 / 0" not in page.content()
        assert page.locator(".task-progress progress").count() == 1
        assert page.get_by_role("progressbar").count() == 1
        assert_accessible(page, "report PDF being prepared")
        assert len(queued) == 1
        worker = threading.Thread(target=work, args=(queued[0],))  # the worker: a thread of its own
        worker.start()
        link = page.get_by_role("link", name="Ergebnis herunterladen")
        expect(link).to_be_visible(timeout=SLOW_WORK_MS)  # HTMX polls every second while the task runs
        expect(status).to_contain_text("Fertig.")
        assert_accessible(page, "report PDF done")
        with page.expect_download(timeout=SLOW_WORK_MS) as download_info:
            link.click()
        worker.join()
        saved["pdf"] = Path(download_info.value.path()).read_bytes()
        assert [e for e in console_errors if "Content Security Policy" in e] == []
        assert foreign_requests(base, requests) == []

    in_browser(steps)
    assert saved["pdf"].startswith(b"%PDF-")
