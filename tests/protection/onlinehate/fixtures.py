"""Fixtures of the online-hate tests (imported by name where used, so that the test files of this folder share
no conftest): a case of Pirna's mayor owned by the coordinator, and comment threads as files."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import CaseFactory

MARKER = "KS-COMMENT-MARKER-5b1e"
THREAD = "https://www.facebook.com/beispiel/posts/1"

# (author, text): the first three are clearly offensive, the last three clearly not.
COMMENTS = [
    ("nutzer_001", f"Sie sind eine dumme Kuh und eine Schande, verpissen Sie sich! {MARKER}"),
    ("nutzer_002", "Volksverräterin! Dieses Pack im Rathaus gehört weggesperrt, ihr Idioten."),
    ("nutzer_003", "Scheiß Bürgermeisterin, Sie verlogene Drecksau."),
    ("nutzer_004", "Vielen Dank für die ausführliche Information zur Sitzung am Montag."),
    ("nutzer_005", "Wann ist die nächste Bürgersprechstunde im Rathaus?"),
    ("nutzer_006", "Ich halte die Erhöhung der Grundsteuer für falsch, bitte überdenken Sie das."),
]


def posted(index: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=2, minutes=10 * index)


def paste_text(comments: list[tuple[str, str]] = COMMENTS) -> str:
    """Author TAB time TAB text, as copied from a spreadsheet."""
    return "\n".join(f"{author}\t{timezone.localtime(posted(i)).strftime('%d.%m.%Y %H:%M')}\t{text}"
                     for i, (author, text) in enumerate(comments))


def csv_export(comments: list[tuple[str, str]] = COMMENTS, *, encoding: str = "utf-8") -> bytes:
    lines = ["Autor;Zeitpunkt;Kommentar;Link"]
    for i, (author, text) in enumerate(comments):
        lines.append(f'{author};{posted(i).isoformat()};"{text}";{THREAD}?comment_id={i}')
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def json_export(comments: list[tuple[str, str]] = COMMENTS) -> bytes:
    return json.dumps({"data": [{"message": text, "created_time": posted(i).isoformat(), "from": {"name": author},
                                 "permalink_url": f"{THREAD}?comment_id={i}"}
                                for i, (author, text) in enumerate(comments)]}).encode()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def case(world: Any) -> Any:
    """Pirna's mayor reported a case herself; PD Dresden is responsible; the coordinator owns it."""
    return CaseFactory.create(municipality=world.pirna, reported_by=world.pirna_official,
                              affected_user=world.pirna_official, owner=world.coordinator, status="acknowledged")
