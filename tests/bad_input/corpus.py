"""The bad-input corpus: named payloads that a hostile or clumsy client sends (issue 12, item 5).

Text payloads replace the value of a text field; date payloads the value of a date field; number payloads
the value of a number field; type payloads stand where a JSON value of another type is expected; body payloads
are whole request bodies; file payloads are uploads. ``VALID_TEXT`` are texts a field must accept as they are
(and show escaped), the rest must be refused with a German message and nothing written.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from functools import cache

ONE_MB = 1024 * 1024


@dataclass(frozen=True)
class Payload:
    name: str
    value: object


# Refused by every text field: NUL, other control characters, a value of 1 MB.
BAD_TEXT = [
    Payload("nul", "Bürgermeister\x00Anschlag"),
    Payload("control_characters", "Text mit \x07 Klingel und \x1b[31m Escape"),
    Payload("c1_control", "Text \x85 mit NEL"),
    Payload("one_megabyte", "A" * ONE_MB),
]
# Genuinely valid text: stored as typed, shown escaped.
VALID_TEXT = [
    Payload("script", '<script>alert("x")</script>'),
    Payload("sql", "'; DROP TABLE cases_case; --"),
    Payload("umlauts_and_emoji", "Größe \u2013 „Zitat“ ✓ 🙂"),
]
# Dates no person means; the formats the browser's date and date-time inputs send.
BAD_DATES = [
    Payload("year_one", "0001-01-01"),
    Payload("year_9999", "9999-12-31"),
    Payload("not_a_date", "gestern"),
]
BAD_DATETIMES = [
    Payload("year_one", "0001-01-01T00:00"),
    Payload("year_9999", "9999-12-31T23:59"),
]
BAD_NUMBERS = [
    Payload("negative", "-1"),
    Payload("huge", "9" * 40),
    Payload("not_a_number", "zwölf"),
]
# A JSON value of the wrong type (where a string is expected: a list; where a number: a string).
WRONG_TYPES = [
    Payload("list_for_string", ["a", "b"]),
    Payload("object_for_string", {"a": 1}),
    Payload("string_for_int", "zwölf"),
    Payload("huge_int", 10**40),
    Payload("negative_int", -1),
]


def zip_bomb() -> bytes:
    """50 MB of zeros packed into some 50 kB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("inhalt.txt", b"\0" * (50 * ONE_MB))
    return buffer.getvalue()


PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00"


@cache
def bad_files() -> list[tuple[str, str, bytes]]:
    """(payload name, file name, bytes) of uploads that an evidence or document field must refuse or survive."""
    return [
        ("windows_program_named_pdf", "beweis.pdf", b"MZ\x90\x00\x03" + b"\x00" * 500),
        ("linux_program_named_pdf", "beweis.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 500),
        ("script_named_pdf", "beweis.pdf", b"#!/bin/sh\nrm -rf /\n"),
        ("html_named_pdf", "beweis.pdf", b"<html><script>alert(1)</script></html>"),
        ("zip_bomb_named_pdf", "beweis.pdf", zip_bomb()),
        ("zip_bomb", "archiv.zip", zip_bomb()),
        ("truncated_pdf", "beweis.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R"),
        ("truncated_png", "bild.png", PNG_HEADER),
        ("empty", "leer.pdf", b""),
        ("nul_in_name", "be\x00weis.pdf", b"%PDF-1.7\n%%EOF\n"),
    ]


# Register extracts (the survey sample): header, a row, and every way a file can go wrong.
REGISTER_HEADER = ["Familienname", "Vornamen", "Straße", "Hausnummer", "PLZ", "Ort", "Ortsteil", "Geburtsdatum",
                   "Geschlecht", "Auskunftssperre"]
REGISTER_ROW = ["Müller", "Jürgen", "Dohnaer Straße", "1", "01796", "Pirna", "Copitz", "01.01.1970", "m", "N"]


def register_text(delimiter: str = ";", header: list[str] | None = None, rows: int = 3) -> str:
    lines = [delimiter.join(header or REGISTER_HEADER)]
    for number in range(rows):
        row = list(REGISTER_ROW)
        row[3] = str(number + 1)
        lines.append(delimiter.join(row))
    return "\r\n".join(lines) + "\r\n"


def register_files() -> list[tuple[str, bytes, bool]]:
    """(payload name, bytes, readable): readable files are accepted for the column assignment."""
    text = register_text()
    long_field = "X" * 140_000
    return [
        ("utf8", text.encode("utf-8"), True),
        ("utf8_bom", b"\xef\xbb\xbf" + text.encode("utf-8"), True),
        ("latin1", text.encode("cp1252"), True),
        ("comma", register_text(",").encode("utf-8"), True),
        ("tab", register_text("\t").encode("utf-8"), True),
        ("utf16", text.encode("utf-16"), False),
        ("header_field_over_csv_limit", (";".join([*REGISTER_HEADER, long_field]) + "\r\n").encode("utf-8"), False),
        ("header_with_stray_cr", ("Familienname;Vornamen\rStraße;PLZ;Ort\r\n" + text).encode("utf-8"), False),
        ("old_mac_line_endings", text.replace("\r\n", "\r").encode("utf-8"), False),
        ("nul_bytes", b"\x00\x01\x02" * 100, False),
        ("empty", b"", False),
        ("one_line_no_separator", b"nur ein Wort\r\n", False),
    ]


def register_file_with_bad_row() -> bytes:
    """A readable header, then a quote never closed with a field over the csv module's limit."""
    return (register_text() + 'Müller;"' + "X" * 140_000 + "\r\n").encode("utf-8")


# Words that only a German answer contains (error pages, form errors, API messages).
GERMAN_WORDS = ("bitte", "nicht", "gültig", "ungültig", "eingabe", "erforderlich", "feld", "datei", "zeichen",
                "datum", "wählen", "seite", "gespeichert", "anfrage", "zahl", "muss", "fehler", "geben sie",
                "zugriff", "gefunden", "steuerzeichen", "wert", "dieses", "keine", "kein", "die", "der", "das",
                "und", "nur", "senden", "ein", "eine", "ist")
