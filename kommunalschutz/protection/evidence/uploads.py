"""The accepted evidence types: the type is detected from the bytes, and the file name's extension must
fit it. Programs, HTML and SVG are refused whatever they are called; nothing from the store is ever run.
"""

from __future__ import annotations

import email.parser
import email.policy
import io
import os
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# --- accepted types --------------------------------------------------------------------------------------

JPEG, PNG, GIF, WEBP, PDF = "image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"
EML, TEXT = "message/rfc822", "text/plain"

# Detected type -> the file name extensions that fit it.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    JPEG: (".jpg", ".jpeg", ".jpe", ".jfif"),
    PNG: (".png",),
    GIF: (".gif",),
    WEBP: (".webp",),
    PDF: (".pdf",),
    EML: (".eml", ".txt"),
    TEXT: (".txt", ".text"),
}
# Types a download may name as its content type (still as an attachment); the rest go as octet-stream.
SAFE_DOWNLOAD_TYPES = frozenset({JPEG, PNG, GIF, WEBP, PDF})
TYPE_LABELS: dict[str, str] = {
    JPEG: "JPEG", PNG: "PNG", GIF: "GIF", WEBP: "WebP", PDF: "PDF", EML: "E-Mail (.eml)", TEXT: "Text (.txt)",
}

_HEADER_LINE = re.compile(rb"^[!-9;-~]+:[ \t]?")
_EMAIL_HEADERS = {"from", "to", "cc", "subject", "date", "message-id", "received", "return-path", "reply-to",
                  "sender", "mime-version", "delivered-to"}
# Control characters that plain text does not contain (tab, line feed, form feed, carriage return are fine).
_BINARY_BYTES = frozenset(range(0x00, 0x09)) | {0x0B, 0x0E, 0x0F} | frozenset(range(0x10, 0x20)) | {0x7F}
_MARKUP = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<script|<iframe|<svg|<\?xml|<!--|<meta|<div|"
                     rb"<a\s|<img|<object|<embed|<style|<title)", re.IGNORECASE)


def _program_kind(content: bytes) -> str | None:
    """What kind of program the bytes are, if they are one."""
    if content.startswith(b"MZ"):
        return _('a Windows program (it starts with "MZ")')
    if content.startswith(b"\x7fELF"):
        return _("a Linux program (ELF)")
    if content.startswith(b"#!"):
        return _('a script (it starts with "#!")')
    if content[:4] in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
                       b"\xca\xfe\xba\xbe"):
        return _("a macOS or Java program")
    return None


def _markup_kind(content: bytes) -> str | None:
    """HTML or SVG (a browser would run scripts in them), looked for at the start of the text."""
    head = content[:4096].lstrip(b"\xef\xbb\xbf")
    if re.search(rb"<svg[\s>]", head, re.IGNORECASE):
        return _("an SVG image (SVG can contain scripts)")
    if _MARKUP.match(head) or re.search(rb"<(html|script)[\s>]", head, re.IGNORECASE):
        return _("an HTML page (HTML can contain scripts)")
    return None


def _as_text(content: bytes) -> str | None:
    """The text of plain-text bytes (UTF-8, else Latin-1), or None when they are not plain text."""
    if any(byte in _BINARY_BYTES for byte in content):
        return None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def _is_email(content: bytes) -> bool:
    """RFC 5322: header lines first (at least two well-known ones), then a blank line and the body."""
    first = content.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    if not _HEADER_LINE.match(first) and not first.startswith(b"From "):
        return False
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(content, headersonly=True)
    names = {name.lower() for name in message}
    return len(names & _EMAIL_HEADERS) >= 2 and bool(names & {"from", "received", "message-id"})


def detect_type(content: bytes) -> str:
    """The type of the bytes, from the bytes alone; ValidationError (on "file") for anything not accepted."""
    program = _program_kind(content)
    if program:
        raise ValidationError({"file": [_("The file is %(kind)s. Programs are never accepted as evidence.")
                                        % {"kind": program}]})
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return WEBP
    if content.startswith(b"%PDF-"):
        return PDF
    markup = _markup_kind(content)
    if markup:
        raise ValidationError({"file": [
            _("The file is %(kind)s. Web pages and SVG are not accepted; please save a screenshot (PNG or "
              "JPEG) or print the page to PDF.") % {"kind": markup}]})
    if _as_text(content) is None:
        raise ValidationError({"file": [_("The type of this file is not accepted. Accepted are images (JPEG, "
                                          "PNG, GIF, WebP), PDF, e-mails (.eml) and plain text (.txt).")]})
    return EML if _is_email(content) else TEXT


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _clean_name(upload: Any) -> str:
    raw = str(getattr(upload, "name", "") or "").replace("\\", "/")
    name = os.path.basename(raw).strip().replace("\x00", "")
    return name[-200:]


def _read_upload(upload: Any) -> bytes:
    """All bytes of an upload, refusing empty and oversized files before reading more than the limit."""
    limit = int(settings.EVIDENCE_UPLOAD_MAX_BYTES)
    too_big = ValidationError({"file": [_("The file is larger than %(limit)s MB. Please upload a smaller "
                                          "file.") % {"limit": f"{limit / 1_000_000:g}"}]})
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise too_big
    buffer = io.BytesIO()
    if hasattr(upload, "chunks"):
        upload.seek(0)
        for chunk in upload.chunks():
            buffer.write(chunk)
            if buffer.tell() > limit:
                raise too_big
    else:
        buffer.write(upload.read(limit + 1))
    content = buffer.getvalue()
    if len(content) > limit:
        raise too_big
    if not content:
        raise ValidationError({"file": [_("The file is empty.")]})
    return content


def validate_upload(upload: Any) -> tuple[bytes, str, str]:
    """(bytes, detected type, original name) of an acceptable upload; ValidationError on "file" otherwise.

    Nothing is written here. The type comes from the bytes; the name's extension must fit it.
    """
    content = _read_upload(upload)
    name = _clean_name(upload)
    detected = detect_type(content)
    extension = _extension(name)
    allowed = EXTENSIONS[detected]
    if extension not in allowed:
        label = TYPE_LABELS[detected]
        if not extension:
            message = _("The file name has no extension. This file is %(type)s; please name it with %(ext)s.")
        elif extension == ".eml":
            message = _('The file is called ".eml" but is not an e-mail with header lines '
                        "(RFC 5322). It is %(type)s; please name it with %(ext)s.")
        else:
            message = _('The file name ends with "%(given)s", but the file is %(type)s. Please name '
                        "it with %(ext)s.")
        raise ValidationError({"file": [message % {"given": extension, "type": label,
                                                   "ext": " / ".join(allowed)}]})
    return content, detected, name
