"""The report's page, its PDF and the CSV/XLSX of every table carry the frozen figures of the edition."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader

from kommunalschutz.situation import sections, services
from tests.conftest import World
from tests.situation.helpers import computed_report, table

PERIOD = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def test_the_page_shows_the_press_block_sections_and_every_table(small_counts: World, client: Any) -> None:
    report = computed_report(small_counts.coordinator, *PERIOD)
    report = services.release_report(actor=small_counts.coordinator, report=report)
    page = client.get(f"/lagebericht/{report.pk}/").content.decode()
    assert "öffentliche Ausgabe" in page
    assert "Pressetext" in page and report.press_text.split(".")[0] in page
    assert "Noch keine abgeschlossene Welle der Befragung von Amts- und Mandatsträgern." in page
    assert page.count("<svg") >= 3  # the series, the map and the case statistics' charts
    assert report.public is not None
    for _section, found in sections.all_tables(report.public):
        assert f'id="table-{found["key"]}"' in page
        assert f"/oeffentlich/tabelle/{found['key']}.csv" in page
    assert "<textarea" not in page  # released: nothing to edit


def test_the_csv_and_xlsx_of_a_table_keep_the_suppression(small_counts: World, client: Any) -> None:
    report = computed_report(small_counts.coordinator, *PERIOD)
    report = services.release_report(actor=small_counts.coordinator, report=report)
    response = client.get(f"/lagebericht/{report.pk}/oeffentlich/tabelle/channel.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Jahr", "Spalte", "Wert", "Unterdrückt (weniger als 5 Fälle)"]
    email = next(row for row in rows if row[1] == "E-Mail")
    assert email[2] == "" and email[3] == "ja"
    total = next(row for row in rows if row[0] == "2024" and row[1] == "Gesamt")
    assert total[2] == "10"
    xlsx = client.get(f"/lagebericht/{report.pk}/oeffentlich/tabelle/alliance_figures.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Kennzahl"
    assert report.public is not None
    assert len(values) - 1 == len(sections.flat_rows(table(report.public, "alliance_figures")))


def test_the_pdf_has_the_press_release_and_the_suppressed_tables(small_counts: World, client: Any) -> None:
    report = computed_report(small_counts.coordinator, *PERIOD)
    report = services.update_press_text(actor=small_counts.coordinator, report=report,
                                        press_text="Heute sind es 0 Kommunen. Ein eigener Satz.")
    report = services.release_report(actor=small_counts.coordinator, report=report)
    response = client.get(f"/lagebericht/{report.pk}/oeffentlich/lagebericht.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Ein eigener Satz." in text
    assert "Schutz von Amts- und Mandatsträgern" in text
    assert "<5" in text
    assert "Noch keine abgeschlossene Welle" in text
