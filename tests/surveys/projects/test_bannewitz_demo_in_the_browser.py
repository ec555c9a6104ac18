"""The issue's "done when", in a real Chromium: a municipal coordinator and an analyst, tried as new users
would with the demo logins, run the Bannewitz demo analysis from the register to the released report.

Both start at the start page and follow links by their visible text (no typed URL): the coordinator
downloads the synthetic register from the practice project's demo tools, uploads it, accepts the guessed
columns, draws a stratified sample of 400, starts the field period, produces the cover letters (the PDF
renders as a background task; Huey runs immediately in tests), simulates the remaining answers and ends the
field period. The analyst, in a fresh browser context, rakes on age group, sex and locality, reads the
diagnostics, the results and the discrepancy page, writes the recommendations, releases the report and
downloads its PDF. axe on every page of the way that a new user fills in or reads first; no CSP violation
and no request to another server. Chromium runs in a worker thread; the database is read only here.

Every step waits for what it caused (the navigation, the download, the text on the new page), never for a
fixed time; the bounds are tests/browser/conftest.py's, the long one for the requests that render or compute.
Page text is read through locators, which wait for a navigation to finish instead of failing mid-way.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kommunalschutz.demo.loader import DEMO_PASSWORD
from kommunalschutz.demo.surveys import PRACTICE_TITLE
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.findings import selectors as findings_selectors
from kommunalschutz.surveys.findings.models import WeightingRun
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.responses import selectors as response_selectors
from kommunalschutz.surveys.sampling.models import RegisterExtract, Sample
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM, SLOW_WORK_MS
from tests.browser.worker import Tab, in_chromium, open_tab

pytestmark = [pytest.mark.once, pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

COORDINATOR, ANALYST = "bannewitz-koordination", "analyse"
SAMPLE_SIZE, SEED = 400, 20270115
RECOMMENDATIONS = "Beleuchtung an den Haltestellen im Ortskern von Bannewitz verbessern."


def test_coordinator_and_analyst_run_the_bannewitz_demo_from_register_to_report(
        live_server: Any, demo_db: Any, tmp_path: Path) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    project = SurveyProject.objects.get(title=PRACTICE_TITLE, is_synthetic=True)
    assert project.status == SurveyProject.Status.PREPARATION
    started = timezone.now()
    today = timezone.localdate()
    field_end = today + dt.timedelta(days=30)
    base = str(live_server.url)
    saved: dict[str, Any] = {}

    def click(page: Any, name: str, *, role: str = "link", within: str = "body", slow: bool = False) -> None:
        """Follow a link or press a button by its visible text, as a user would, and wait until the next page
        has loaded. ``slow``: the request renders or computes before it answers (the long bound)."""
        target = page.locator(within).get_by_role(role, name=name, exact=True).first
        bound = SLOW_WORK_MS if slow else None
        with page.expect_navigation(timeout=bound):
            target.click(timeout=bound)  # a click waits for the navigation it starts as well

    def say(page: Any) -> str:
        """The page's main text. A locator waits for a navigation under way, where page.evaluate would fail."""
        return str(page.locator("main").first.inner_text())

    def shows(page: Any, text: str) -> None:
        """The page (once loaded) says ``text``; Playwright's failure message quotes what it says instead."""
        expect(page.locator("main").first).to_contain_text(text)

    def log_in(page: Any, username: str) -> None:
        page.goto(base + "/")
        if page.locator("input[name=password]").count() == 0:
            click(page, "Anmelden")
        page.get_by_label("Benutzername").fill(username)
        page.get_by_label("Passwort").fill(DEMO_PASSWORD)
        with page.expect_navigation():
            page.locator("form:has(input[name=password]) [type=submit]").first.click()
        assert page.locator("input[name=password]").count() == 0, f"{username} could not log in: {say(page)[:300]}"
        assert page.locator("input[name=otp_token]").count() == 0, f"{username} was asked for a second factor"

    def open_practice_project(page: Any) -> None:
        # "Befragungen" holds the citizen and the officials' survey: open the disclosure, then the citizen surveys.
        page.locator("nav.main-nav summary").filter(has_text="Befragungen").first.click()
        click(page, "Bürgerbefragungen", within="nav.main-nav")
        assert_accessible(page, "project list")
        click(page, PRACTICE_TITLE)
        assert page.get_by_role("heading", level=1).inner_text().startswith(PRACTICE_TITLE)

    def coordinator(tab: Tab) -> None:
        page = tab.page
        log_in(page, COORDINATOR)
        open_practice_project(page)
        assert_accessible(page, "project hub in preparation")
        with page.expect_download() as download_info:
            page.locator("#demo").get_by_role("link", name="Synthetisches Melderegister herunterladen").click()
        download = download_info.value
        register = tmp_path / download.suggested_filename
        download.save_as(register)
        assert register.suffix == ".csv" and register.stat().st_size > 10_000

        click(page, "Stichprobe und Anschreiben")
        assert_accessible(page, "sampling overview before the upload")
        page.get_by_label("Auszug aus dem Melderegister (CSV-Datei)").set_input_files(str(register))
        click(page, "Hochladen und Spalten zuordnen", role="button", slow=True)
        assert "/spalten/" in page.url, say(page)[:500]
        shows(page, "Windows-1252")
        assert_accessible(page, "column dialog")
        click(page, "Prüfen und importieren", role="button", slow=True)  # the guessed mapping, unchanged
        assert "/bericht/" in page.url, say(page)[:800]
        report = say(page)
        assert "Windows-1252" in report and "enthält Fehler" not in report
        assert page.locator("table.problems").count() == 0
        assert_accessible(page, "import report")

        click(page, "Zurück zur Übersicht")
        click(page, "Stichprobe ziehen")
        assert_accessible(page, "draw form")
        page.get_by_label(re.compile("geschichtete Stichprobe")).check()
        page.get_by_label(re.compile("^Stichproben(umfang|größe)")).fill(str(SAMPLE_SIZE))
        page.get_by_label(re.compile("Startwert")).fill(str(SEED))
        click(page, "Stichprobe ziehen", role="button", slow=True)
        shows(page, str(SEED))
        shows(page, f"{SAMPLE_SIZE} von")
        assert_accessible(page, "sampling overview with the sample")

        click(page, PRACTICE_TITLE, within="nav[aria-label=\"Sie sind hier\"]")
        page.get_by_label("Beginn der Feldphase").fill(today.isoformat())
        page.get_by_label("Ende der Feldphase").fill(field_end.isoformat())
        click(page, "Feldphase beginnen", role="button", slow=True)
        shows(page, "Die Feldphase hat begonnen")

        click(page, "Stichprobe und Anschreiben")
        # Huey runs immediately in tests, so the PDF of 400 letters renders within this request.
        click(page, "Anschreiben erzeugen (PDF)", role="button", slow=True)
        assert "/druckdatei/" in page.url, say(page)[:800]
        result = page.get_by_role("link", name="Ergebnis herunterladen")
        expect(result).to_be_visible()
        with page.expect_download(timeout=SLOW_WORK_MS) as download_info:
            result.click()
        saved["letters"] = Path(download_info.value.path()).read_bytes()[:8]

        click(page, PRACTICE_TITLE, within="nav[aria-label=\"Sie sind hier\"]")
        click(page, "Antworten der übrigen Angeschriebenen simulieren", role="button", slow=True)
        shows(page, "Simuliert")  # the task page (Huey runs immediately in tests) leads back to the project
        click(page, "Weiter")
        page.get_by_label("Letzter Tag der Feldphase").fill(today.isoformat())
        click(page, "Feldphase beenden", role="button", slow=True)
        shows(page, "Die Feldphase ist beendet")
        assert_accessible(page, "project hub in analysis")
        tab.assert_clean(base)

    def analyst(tab: Tab) -> None:
        page = tab.page
        log_in(page, ANALYST)
        open_practice_project(page)
        click(page, "Gewichtung, Auswertung und Bericht")
        click(page, "Gewichtung berechnen und prüfen")
        assert_accessible(page, "weighting form")
        page.get_by_label(re.compile("Raking")).check()
        for variable in ("Altersgruppe", "Geschlecht", "Ortsteil"):
            page.get_by_label(variable, exact=True).check()
        click(page, "Gewichtung berechnen", role="button", slow=True)
        if page.locator(".errorlist, .form-errors").count():
            # Thin categories (few respondents in a locality, sex "diverse") need merging for raking.
            page.get_by_label(re.compile("Dünn besetzte Kategorien zusammenfassen")).check()
            click(page, "Gewichtung berechnen", role="button", slow=True)
        diagnostics = say(page)
        assert "Aktuelle Gewichtung" in diagnostics and "konvergiert" in diagnostics, diagnostics[:1500]
        assert "nicht konvergiert" not in diagnostics
        assert_accessible(page, "weighting diagnostics")

        click(page, "Zurück zur Auswertung")
        shows(page, "Die Ergebnisse beruhen auf der Gewichtung")
        assert_accessible(page, "results")
        click(page, "Sicherheitsgefühl und erfasste Kriminalität")
        shows(page, "Polizeiliche Kriminalstatistik")
        assert_accessible(page, "discrepancy page")
        page.go_back()
        click(page, "Empfehlungen schreiben")
        page.get_by_role("textbox").first.fill(RECOMMENDATIONS)
        click(page, "Empfehlungen speichern", role="button")
        shows(page, "Die Empfehlungen sind gespeichert.")
        click(page, "Abschlussbericht freigeben", role="button", slow=True)
        shows(page, "Der Abschlussbericht ist freigegeben.")
        # The PDF is a background task (Huey runs immediately in tests): its page shows the download.
        page.get_by_role("link", name=re.compile("PDF")).first.click()
        click(page, "Abschlussbericht als PDF erstellen", role="button", slow=True)
        with page.expect_download(timeout=SLOW_WORK_MS) as download_info:
            page.get_by_role("link", name="Ergebnis herunterladen").click()
        saved["report"] = Path(download_info.value.path()).read_bytes()
        tab.assert_clean(base)

    def work(chromium: Any) -> None:
        for steps in (coordinator, analyst):
            tab = open_tab(chromium)
            try:
                steps(tab)
            except Exception:
                try:  # where it stopped, for the log; never in place of the error itself
                    print(f"{steps.__name__} stopped on {tab.page.url}:\n{say(tab.page)[:3000]}")
                except Exception as unreadable:
                    print(f"{steps.__name__} stopped on {tab.page.url} (page unreadable: {unreadable})")
                raise
            finally:
                tab.close()

    in_chromium(work)

    assert saved["letters"].startswith(b"%PDF-")
    report_pdf = saved["report"]
    assert report_pdf.startswith(b"%PDF-")
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(report_pdf)).pages)
    assert "Bannewitz" in text and RECOMMENDATIONS[:40] in " ".join(text.split())

    project.refresh_from_db()
    assert project.status == SurveyProject.Status.REPORTED and project.reported_at is not None
    assert project.recommendations == RECOMMENDATIONS
    sample = Sample.objects.get(project=project)
    assert sample.size == SAMPLE_SIZE and sample.seed == SEED and sample.letters_produced_at is not None
    extracts = RegisterExtract.objects.filter(project=project)
    assert extracts.exists() and not extracts.exclude(status=RegisterExtract.Status.DELETED).exists()
    run = findings_selectors.current_run(project)
    assert run is not None and run.method == WeightingRun.Method.RAKE
    assert set(run.variables) == {"age_group", "sex", "locality"}
    counts = response_selectors.response_counts(project)
    assert counts.members == SAMPLE_SIZE and counts.submitted > 0 and counts.online > 0 and counts.paper > 0

    events = AuditEvent.objects.filter(occurred_at__gte=started)
    by_coordinator = set(events.filter(actor__username=COORDINATOR).values_list("object_type", flat=True))
    by_analyst = set(events.filter(actor__username=ANALYST).values_list("object_type", flat=True))
    assert {"sampling.registerextract", "sampling.sample", "surveys.surveyproject"} <= by_coordinator, by_coordinator
    assert {"findings.weightingrun", "surveys.surveyproject"} <= by_analyst, by_analyst
