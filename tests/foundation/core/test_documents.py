"""PDF and tabular exports: real files, read back with pypdf and openpyxl."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kommunalschutz.foundation.core import documents


def test_csv_quotes_formulas_and_keeps_umlauts() -> None:
    data = documents.csv_bytes(["Name", "Ort"], [["=HYPERLINK(\"x\")", "Görlitz"], ["Anna", None]])
    text = data.decode("utf-8-sig")
    assert text.splitlines() == ["Name;Ort", '"\'=HYPERLINK(""x"")";Görlitz', "Anna;"]


def test_undefined_numbers_are_empty_cells_not_nan() -> None:
    rows = [["Anteil", 0.25, float("nan"), float("inf")]]
    assert documents.csv_bytes(["a", "b", "c", "d"], rows).decode("utf-8-sig").splitlines()[1] == "Anteil;0.25;;"
    sheet = load_workbook(io.BytesIO(documents.xlsx_bytes(["a", "b", "c", "d"], rows, sheet_title="T"))).active
    assert sheet is not None
    assert [cell.value for cell in sheet[2]] == ["Anteil", 0.25, None, None]


def test_xlsx_has_a_bold_header_and_the_rows() -> None:
    data = documents.xlsx_bytes(["Name", "Zahl"], [["-1+1", 3], ["Zwickau", 5]], sheet_title="Teilnehmende")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert sheet.title == "Teilnehmende"
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["Name", "Zahl"], ["'-1+1", 3], ["Zwickau", 5]]
    assert sheet["A1"].font.bold


def test_unknown_export_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        documents.table_download("ods", ["a"], [], basename="x")


def test_pdf_renders_german_text_with_the_print_stylesheet() -> None:
    data = documents.render_pdf("core/pdf_base.html", {})
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert "1 / 1" in reader.pages[0].extract_text()  # the page counter comes from static:css/print.css


def test_pdf_refuses_outside_urls() -> None:
    with pytest.raises(ValueError, match="static files"):
        documents._url_fetcher("https://example.org/logo.png")
    with pytest.raises(ValueError, match="static files"):
        documents._url_fetcher("file:///etc/passwd")
    assert documents._url_fetcher("static:css/main.css").headers["Content-Type"] == "text/css"
