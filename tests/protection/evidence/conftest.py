"""Fixtures of the evidence tests: a per-test evidence store, sample files of every type, cases, tokens."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import CaseFactory
from tests.files import StoredPath, stored_files

# A marker that appears in every sample file; the encrypted store must never contain it.
MARKER = b"KS-EVIDENCE-MARKER-7f3a9c"


def _image(fmt: str) -> bytes:
    from PIL import Image, PngImagePlugin

    buffer = io.BytesIO()
    image = Image.new("RGB", (8, 8), (200, 30, 30))
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", MARKER.decode())
        image.save(buffer, fmt, pnginfo=info)
    elif fmt in ("JPEG", "GIF"):
        image.save(buffer, fmt, comment=MARKER)
    else:
        image.save(buffer, fmt)
        return buffer.getvalue() + MARKER  # trailing bytes after the WebP chunk; still starts as WebP
    return buffer.getvalue()


def _pdf() -> bytes:
    return (b"%PDF-1.4\n% " + MARKER + b"\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]"
            b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


EML = (b"From: Unbekannt <hass@example.org>\r\nTo: buergermeisterin@pirna.example\r\n"
       b"Subject: Sie werden es bereuen\r\nDate: Mon, 4 Nov 2024 22:13:00 +0100\r\n"
       b"Message-ID: <abc@example.org>\r\n\r\nWir wissen, wo Sie wohnen. " + MARKER + b"\r\n")
TEXT_UTF8 = "Drohanruf am Montag, 22:13 Uhr \u2013 Mitschrift: „Wir kriegen dich.“ ".encode() + MARKER + b"\n"
TEXT_LATIN1 = "Brief vom Bürger, übertragen: Sie Verräterin. ".encode("latin-1") + MARKER + b"\n"

# name -> (bytes, detected type)
SAMPLES: dict[str, tuple[bytes, str]] = {
    "foto.jpg": (_image("JPEG"), "image/jpeg"),
    "bildschirmfoto.png": (_image("PNG"), "image/png"),
    "animation.gif": (_image("GIF"), "image/gif"),
    "post.webp": (_image("WEBP"), "image/webp"),
    "brief.pdf": (_pdf(), "application/pdf"),
    "drohmail.eml": (EML, "message/rfc822"),
    "mitschrift.txt": (TEXT_UTF8, "text/plain"),
    "brief-latin1.txt": (TEXT_LATIN1, "text/plain"),
}


def upload(name: str, content: bytes | None = None, content_type: str = "application/octet-stream") -> Any:
    if content is None:
        content = SAMPLES[name][0]
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def evidence_root() -> StoredPath:
    """The evidence store: ``evidence/`` in the platform's file storage (each test has its own database)."""
    return StoredPath("evidence")


def store_files(root: StoredPath) -> list[StoredPath]:
    return stored_files(root)


@pytest.fixture
def case(world: Any) -> Any:
    """Pirna's mayor reported a case herself; PD Dresden is responsible; the coordinator owns it."""
    return CaseFactory.create(municipality=world.pirna, reported_by=world.pirna_official,
                              affected_user=world.pirna_official,
                              owner=world.coordinator, status="acknowledged")


@pytest.fixture
def english() -> Any:
    from django.utils import translation

    with translation.override("en"):
        yield
