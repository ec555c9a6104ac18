"""Documents the platform produces: PDF (WeasyPrint) and tabular exports (CSV, XLSX).

PDFs are rendered from Django templates. WeasyPrint may only read the platform's own static files:
any other URL in a template is refused, so a document never makes a request to an outside server
(and an address in user-entered text cannot be used to probe the network). Fonts come from the
system (DejaVu on Debian); no web fonts are loaded.
"""

from __future__ import annotations

import base64
import csv
import io
import math
import mimetypes
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string

STATIC_PREFIX = "static:"
# Inline images a template may embed (see image_data_uri); no other data: URI is read.
DATA_IMAGE_PREFIXES = {"data:image/png;base64,": "image/png", "data:image/jpeg;base64,": "image/jpeg"}

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"


def _url_fetcher(url: str, *args: Any, **kwargs: Any) -> Any:
    """Serve ``static:css/print.css`` style URLs from the static files, and inline PNG/JPEG images as
    ``data:`` URIs (an uploaded crest: the bytes are already in the document); refuse everything else."""
    from weasyprint.urls import URLFetcherResponse

    for prefix, content_type in DATA_IMAGE_PREFIXES.items():
        if url.startswith(prefix):
            return URLFetcherResponse(url, body=base64.b64decode(url.removeprefix(prefix), validate=True),
                                      headers={"Content-Type": content_type})
    if url.startswith(STATIC_PREFIX):
        path = finders.find(url.removeprefix(STATIC_PREFIX).lstrip("/"))
        if isinstance(path, str):
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            with open(path, "rb") as handle:
                return URLFetcherResponse(url, body=handle.read(), headers={"Content-Type": content_type})
    raise ValueError(f"documents may only use the platform's static files, not {url!r}")


def image_data_uri(content: bytes, content_type: str) -> str:
    """A PNG or JPEG as a ``data:`` URI for a PDF template (``<img src="{{ uri }}">``)."""
    prefix = f"data:{content_type};base64,"
    if prefix not in DATA_IMAGE_PREFIXES:
        raise ValueError(f"only PNG and JPEG images may be embedded, not {content_type!r}")
    return prefix + base64.b64encode(content).decode("ascii")


def render_document(template_name: str, context: dict[str, Any]) -> Any:
    """Lay out a template with WeasyPrint without writing it: the ``weasyprint.Document`` (pages and boxes)."""
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=_url_fetcher).render()


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a template to PDF bytes. Reference static files as ``static:path/in/static``."""
    return html_to_pdf(render_to_string(template_name, context))


def html_to_pdf(html: str) -> bytes:
    """Lay out rendered HTML as PDF (the slow part of render_pdf; a caller may fingerprint the HTML first and
    reuse a PDF made from the same HTML)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=_url_fetcher).write_pdf()
    return pdf


def render_pdf_parts(template_name: str, contexts: Sequence[dict[str, Any]],
                     on_part: Callable[[int, int], None] | None = None) -> bytes:
    """Render one template per context and join the pages into one PDF (fonts embedded once).

    For long documents of independent pages (letters): each part is laid out on its own, so a caller
    can report progress after each (``on_part(done, total)``)."""
    from weasyprint import HTML

    documents = []
    for done, context in enumerate(contexts, start=1):
        html = render_to_string(template_name, context)
        documents.append(HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=_url_fetcher).render())
        if on_part is not None:
            on_part(done, len(contexts))
    if not documents:
        raise ValueError("render_pdf_parts needs at least one part")
    pages = [page for document in documents for page in document.pages]
    pdf: bytes = documents[0].copy(pages).write_pdf()
    return pdf


def _cell(value: Any) -> Any:
    # An undefined number (a degenerate interval limit) is an empty cell, never "nan" or "inf".
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return value


def _safe_text(value: Any) -> Any:
    # A cell starting with =, +, - or @ is a formula to Excel and LibreOffice; quote it so that
    # names typed by the public cannot run anything in the office's spreadsheet (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")  # German Excel opens semicolon-separated files directly
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_safe_text(_cell(value)) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel then reads UTF-8


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet_title: str = "Daten") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe_text(_cell(value)) for value in row])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def table_download(fmt: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, basename: str) -> HttpResponse:
    """A CSV or XLSX download of one table; ``fmt`` is "csv" or "xlsx" (anything else: ValueError)."""
    if fmt == "csv":
        return download(csv_bytes(headers, rows), filename=f"{basename}.csv", content_type=CSV_CONTENT_TYPE)
    if fmt == "xlsx":
        return download(xlsx_bytes(headers, rows), filename=f"{basename}.xlsx", content_type=XLSX_CONTENT_TYPE)
    raise ValueError(f"unknown export format {fmt!r}")
