"""A walk through the online-hate triage with the demo (200 synthetic comments under the Pirna mayor's post):
the mayor hands in more comments as a pasted list; the police contact on her case sees the thread ranked
with the marked words, takes over a suggestion by keyboard and corrects another with the mouse; the
coordinator opens the column dialog of an export. axe finds nothing serious, nothing overflows from 320 px
or at 200 % zoom, no request leaves the server."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from kommunalschutz.protection.onlinehate.models import ThreadImport, TriagedItem
from tests.browser.axe import assert_accessible
from tests.browser.conftest import log_in
from tests.browser.layout import check_widths

# Here, beside the other walks, so that it shares the session's one Playwright (tests/browser/conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_mayor_hands_in_and_the_case_team_triages(new_session: Any, demo_db: Any) -> None:
    thread = ThreadImport.objects.select_related("case").get(source=ThreadImport.Source.JSON)
    case = thread.case
    assert TriagedItem.objects.filter(case=case).count() == 200

    # The mayor: the import page from her evidence page, a pasted list of three comments.
    mayor = new_session()
    log_in(mayor, "pirna-buergermeisterin")
    mayor.goto(f"/beweismittel/fall/{case.pk}/")
    mayor.page.get_by_role("link", name="Viele Kommentare auf einmal einreichen").click()
    mayor.page.wait_for_url(f"**/online-hass/fall/{case.pk}/import/")
    assert_accessible(mayor.page, "import page")
    assert check_widths(mayor.page) == []
    mayor.page.set_viewport_size({"width": 1280, "height": 900})
    now = timezone.localtime().strftime("%d.%m.%Y %H:%M")
    mayor.page.get_by_label("Online-Plattform").first.fill("Facebook")
    mayor.page.get_by_label("Adresse (URL) des Beitrags oder Verlaufs").first.fill(
        "https://www.facebook.com/beispiel/posts/1")
    mayor.page.get_by_label("Die Kommentare, einer pro Zeile").fill(
        f"neu_1\t{now}\tSie sind eine Schande für Pirna\nneu_2\t{now}\tDanke für Ihre Arbeit\n"
        f"neu_3\t{now}\t<b>fett</b> und frech")
    with mayor.page.expect_navigation():
        mayor.page.get_by_role("button", name="Liste prüfen und importieren").click()
    assert urlsplit(mayor.page.url).path == f"/beweismittel/fall/{case.pk}/"
    assert "3 Kommentare wurden als Beweismittel importiert." in mayor.page.locator("main").inner_text()
    assert mayor.recorder.foreign_requests(mayor.base_url) == []

    # The police contact: the triage, ranked, words marked; the first suggestion taken over by keyboard.
    police = new_session()
    log_in(police, "pd-dresden")
    police.goto(f"/online-hass/fall/{case.pk}/sichtung/")
    page = police.page
    assert page.locator("article.triage-item").count() == 50
    assert page.locator("article.triage-item mark").count() >= 10
    assert_accessible(page, "triage page")
    assert check_widths(page) == []
    page.set_viewport_size({"width": 1280, "height": 900})
    first = page.locator("article.triage-item").first
    first_id = first.get_attribute("id")
    take_over = first.get_by_role("button", name="Vorschlag übernehmen")
    take_over.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Die Entscheidung zu Kommentar" in page.locator("main").inner_text()
    assert first_id is not None
    decided = TriagedItem.objects.get(pk=int(first_id.removeprefix("kommentar-")))
    assert decided.label_task1 == decided.predicted_task1 and decided.decided_by is not None

    # Another one corrected with the mouse: not offensive.
    police.goto(f"/online-hass/fall/{case.pk}/sichtung/?zeigen=offen")
    second = page.locator("article.triage-item").first
    second_id = int(str(second.get_attribute("id")).removeprefix("kommentar-"))
    second.get_by_label("nicht anstößig").check()
    with page.expect_navigation():
        second.get_by_role("button", name="Entscheidung speichern").click()
    assert TriagedItem.objects.get(pk=second_id).label_task1 == "OTHER"
    assert police.recorder.foreign_requests(police.base_url) == []
    assert police.recorder.csp_violations() == []

    # The coordinator: an export's column dialog.
    office = new_session()
    log_in(office, "koordination")
    office.goto(f"/online-hass/fall/{case.pk}/import/")
    office.page.locator("summary", has_text="Export des Verlaufs hochladen").click()
    office.page.set_input_files("input[name=export-file]", files=[{
        "name": "verlauf.csv", "mimeType": "text/csv",
        "buffer": f"Autor;Zeitpunkt;Kommentar;Link\nx;{now};Du Idiot;https://www.facebook.com/beispiel/posts/1?c=9\n"
                  .encode()}])
    with office.page.expect_navigation():
        office.page.get_by_role("button", name="Hochladen und Spalten zuordnen").click()
    assert "/spalten/" in office.page.url
    assert_accessible(office.page, "column dialog")
    assert check_widths(office.page) == []
