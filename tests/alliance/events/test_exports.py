"""Attendee list as CSV and XLSX, name badges as PDF: read back, names on them, only for the office."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from kommunalschutz.alliance.events import badges
from kommunalschutz.alliance.events.models import Event
from tests.alliance.events.conftest import make_event, register_public
from tests.conftest import World


def _filled(world: World) -> Event:
    event = make_event(world, capacity=9)
    for number in range(10):  # nine confirmed, the tenth waits
        register_public(event, number, function="Bürgermeisterin" if number == 0 else "Ordnungsamt")
    register_public(event, 99, first_name="=HYPERLINK(\"http://x\")")  # waits too; a formula-looking name
    return event


def test_the_csv_export_lists_the_live_registrations(world: World, login: Any) -> None:
    event = _filled(world)
    response = login(world.coordinator).get(reverse("events:attendee_export", args=[event.slug, "csv"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Nachname", "Vorname", "E-Mail-Adresse"]
    assert len(rows) == 1 + 11
    assert rows[1][:3] == ["Nachname0", "Vorname0", "person0@example.org"]
    assert {row[6] for row in rows[1:]} == {"bestätigt", "auf der Warteliste"}
    assert any(row[1].startswith("'=HYPERLINK") for row in rows)  # quoted, so no spreadsheet runs it


def test_the_xlsx_export_honours_the_filters(world: World, login: Any) -> None:
    event = _filled(world)
    response = login(world.coordinator).get(
        reverse("events:attendee_export", args=[event.slug, "xlsx"]), {"status": "waitlisted"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Nachname"
    assert [row[0] for row in values[1:]] == ["Nachname9", "Nachname99"]


def test_an_unknown_export_format_is_404(world: World, login: Any) -> None:
    event = _filled(world)
    assert login(world.coordinator).get(reverse("events:attendee_export", args=[event.slug, "pdf"])).status_code == 404


def test_badges_carry_name_function_organisation_and_event_for_confirmed_people_only(
        world: World, login: Any, django_capture_on_commit_callbacks: Any) -> None:
    event = _filled(world)
    client = login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):  # the queue runs the task (Huey is eager in tests)
        assert client.post(reverse("events:badges", args=[event.slug])).status_code == 302
    run = badges.latest(world.coordinator, event)
    assert run is not None and run.status == "done"
    download = reverse("events:badges_download", args=[event.slug, run.pk])
    assert f'href="{download}"' in client.get(reverse("events:badges", args=[event.slug])).content.decode()
    response = client.get(download)
    assert response["Content-Type"] == "application/pdf"
    assert f"namensschilder-{event.slug}.pdf" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    assert len(reader.pages) == 2  # nine badges, eight per A4 sheet
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [595, 842]  # A4 in points
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())  # long names may wrap
    for number in range(9):
        assert f"Vorname{number} Nachname{number}" in text
    assert "Bürgermeisterin" in text and "Gemeinde 0" in text and "Netzwerktreffen Ost" in text
    assert "Nachname99" not in text  # waitlisted: no badge
