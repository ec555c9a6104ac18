"""Evidence: writes, the encrypted evidence store and the evidence package.

The evidence store (settings.EVIDENCE_ROOT, mode 0700) holds one file per uploaded original, named by
a random id; its content is the original bytes encrypted with FIELD_ENCRYPTION_KEYS (Fernet). The
database keeps the SHA-256 of the original bytes taken at upload, the size, the type detected from
the bytes and the original file name (encrypted). Nothing from the evidence store is ever executed
or rendered: the type check below refuses programs, HTML and SVG whatever they are called.

Every write is audited and runs in a transaction; a refused upload leaves neither a row nor a file.
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import hashlib
import io
import json
import os
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import kommunalschutz
from kommunalschutz.foundation.accounts.models import Actor, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.documents import render_pdf
from kommunalschutz.foundation.core.encryption import DecryptionError, decrypt_bytes, encrypt_bytes, rotate_token
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case, CaseEvent
from kommunalschutz.protection.cases.services import add_event
from kommunalschutz.protection.evidence.models import EvidenceItem


class EvidenceIntegrityError(Exception):
    """A stored original is missing, cannot be decrypted, or no longer matches its SHA-256."""


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


# --- the evidence store ----------------------------------------------------------------------------------


def store_root() -> Path:
    """The evidence store, created with mode 0700 (only the platform's user may enter it)."""
    root = Path(settings.EVIDENCE_ROOT)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    if (root.stat().st_mode & 0o777) != 0o700:
        root.chmod(0o700)
    return root


def _path(stored_name: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):
        raise EvidenceIntegrityError("invalid stored name")
    return store_root() / stored_name


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _store(content: bytes) -> str:
    stored_name = secrets.token_hex(16)
    _write_atomically(_path(stored_name), encrypt_bytes(content))
    return stored_name


def read_original(item: EvidenceItem) -> bytes:
    """The original bytes of an item's file, decrypted and checked against the SHA-256 taken at upload."""
    if not item.stored_name:
        raise EvidenceIntegrityError(f"evidence {item.pk} has no file")
    try:
        token = _path(item.stored_name).read_bytes()
    except FileNotFoundError as exc:
        raise EvidenceIntegrityError(f"the stored file of evidence {item.pk} is missing") from exc
    try:
        content = decrypt_bytes(token)
    except DecryptionError as exc:
        raise EvidenceIntegrityError(f"the stored file of evidence {item.pk} was altered") from exc
    if hashlib.sha256(content).hexdigest() != item.sha256 or len(content) != item.size:
        raise EvidenceIntegrityError(f"the stored file of evidence {item.pk} does not match its SHA-256")
    return content


def rotate_store() -> int:
    """Re-encrypt every file of the evidence store under the newest key (registered in ROTATION_HOOKS)."""
    count = 0
    for path in sorted(store_root().iterdir()):
        if not path.is_file() or not re.fullmatch(r"[0-9a-f]{32}", path.name):
            continue
        _write_atomically(path, rotate_token(path.read_bytes()))
        count += 1
    return count


def delete_case_files(case: Case) -> int:
    """Remove the encrypted files of a case from the store (retention; the rows go with the case).

    The files are removed once the surrounding transaction commits: if the deletion of the case rolls
    back, its evidence is still there. Returns how many files are removed.
    """
    names = list(EvidenceItem.objects.filter(case=case).exclude(stored_name="").values_list(
        "stored_name", flat=True))
    if names:
        audit.record(actor=None, action=AuditEvent.Action.DELETE, object_type="evidence.evidencefile",
                     object_id=case.pk, summary=f"{len(names)} evidence file(s) of case {case.reference} removed",
                     changes={})

    def unlink() -> None:
        for stored_name in names:
            try:
                _path(stored_name).unlink()
            except (FileNotFoundError, EvidenceIntegrityError):
                continue

    transaction.on_commit(unlink)
    return len(names)


def remove_orphan_files(*, older_than: dt.timedelta = dt.timedelta(hours=6)) -> int:
    """Remove store files no row refers to (left by a transaction that was rolled back after the write)."""
    known = set(EvidenceItem.objects.exclude(stored_name="").values_list("stored_name", flat=True))
    cutoff = timezone.now().timestamp() - older_than.total_seconds()
    removed = 0
    for path in store_root().iterdir():
        if path.is_file() and path.name not in known and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


# --- writes ---------------------------------------------------------------------------------------------


def _check_open(case: Case) -> None:
    if case.status == Case.Status.CLOSED:
        raise ValidationError({"__all__": [_("This case is closed; no evidence can be added.")]})


def _user(actor: Actor) -> User | None:
    return actor if getattr(actor, "is_authenticated", False) else None


def _save(item: EvidenceItem, content: bytes | None, *, actor: Actor, by_reporter: bool, summary: str) -> EvidenceItem:
    """Save the row, write the encrypted file last, audit and add the timeline event, all or nothing."""
    stored_name = ""
    try:
        if content is not None:
            stored_name = _store(content)
            item.stored_name = stored_name
        with transaction.atomic():
            item.save(force_insert=True)
            audit.record_create(actor=actor, obj=item, summary=summary)
            add_event(item.case, CaseEvent.Kind.EVIDENCE, summary, actor=actor, by_reporter=by_reporter)
    except BaseException:
        if stored_name:
            _path(stored_name).unlink(missing_ok=True)
        item.pk = None
        item.stored_name = ""
        raise
    return item


def _file_fields(content: bytes, detected: str, name: str) -> dict[str, Any]:
    return {"original_name": name, "content_type": detected, "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest()}


def add_file(*, case: Case, actor: Actor, upload: Any, description: str = "",
             by_reporter: bool = False) -> EvidenceItem:
    """Keep an uploaded file as evidence: original bytes encrypted in the store, SHA-256 taken now."""
    _check_open(case)
    if upload is None:
        raise ValidationError({"file": [_("Please choose a file.")]})
    content, detected, name = validate_upload(upload)
    description = (description or "").strip()
    if len(description) > 2000:
        raise ValidationError({"description": [_("Please keep the description under 2,000 characters.")]})
    item = EvidenceItem(case=case, kind=EvidenceItem.Kind.FILE, description=description, created_by=_user(actor),
                        by_reporter=by_reporter, **_file_fields(content, detected, name))
    return _save(item, content, actor=actor, by_reporter=by_reporter, summary=_("File added as evidence"))


def _aware(value: Any) -> dt.datetime | None:
    if isinstance(value, str) and value.strip():
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    moment: dt.datetime = value
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _http_url(value: str) -> bool:
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return False
    return True


def clean_online_data(data: Mapping[str, Any], *, has_file: bool) -> dict[str, Any]:
    """The validated fields of an online-content record; ValidationError with messages per field."""
    errors: dict[str, list[str]] = {}
    text = {name: str(data.get(name) or "").strip() for name in (
        "url", "platform", "account_name", "profile_url", "content_text", "context", "description")}
    if not text["url"]:
        errors["url"] = [_("Enter the address (URL) of the content.")]
    elif len(text["url"]) > 2000 or not _http_url(text["url"]):
        errors["url"] = [_("Enter a complete web address starting with http:// or https://.")]
    if not text["platform"]:
        errors["platform"] = [_("Name the platform (for example Facebook, X, Telegram, a website).")]
    elif len(text["platform"]) > 100:
        errors["platform"] = [_("Please keep the platform name under 100 characters.")]
    if text["profile_url"] and (len(text["profile_url"]) > 2000 or not _http_url(text["profile_url"])):
        errors["profile_url"] = [_("Enter the profile as a web address starting with http:// or https://.")]
    for name, limit in (("account_name", 300), ("content_text", 20_000), ("context", 20_000),
                        ("description", 2000)):
        if len(text[name]) > limit:
            errors[name] = [_("Please keep this under %(limit)s characters.") % {"limit": f"{limit:,}"}]
    if not text["content_text"] and not has_file:
        errors["content_text"] = [_("Record the content itself (its text) or attach a screenshot or saved "
                                    "page.")]
    now = timezone.now() + dt.timedelta(minutes=1)  # a minute of clock difference between devices
    posted_at, captured_at = _aware(data.get("posted_at")), _aware(data.get("captured_at"))
    if posted_at is None:
        errors["posted_at"] = [_("Enter the date and time the content was posted.")]
    elif posted_at > now:
        errors["posted_at"] = [_("The posting time lies in the future.")]
    if captured_at is None:
        errors["captured_at"] = [_("Enter the date and time you captured the content.")]
    elif captured_at > now:
        errors["captured_at"] = [_("The capture time lies in the future.")]
    elif posted_at is not None and captured_at < posted_at:
        errors["captured_at"] = [_("The content cannot have been captured before it was posted.")]
    if errors:
        raise ValidationError(errors)
    return {**text, "posted_at": posted_at, "captured_at": captured_at}


def add_online_content(*, case: Case, actor: Actor, data: Mapping[str, Any], upload: Any = None,
                       by_reporter: bool = False) -> EvidenceItem:
    """Record online content (DOMAIN.md §2.2), optionally with a screenshot or saved page."""
    _check_open(case)
    errors: dict[str, list[str]] = {}
    try:
        fields = clean_online_data(data, has_file=upload is not None)
    except ValidationError as exc:
        errors.update({field: [str(m) for e in errs for m in e.messages] for field, errs in exc.error_dict.items()})
        fields = {}
    file_values: dict[str, Any] = {}
    content: bytes | None = None
    if upload is not None:
        try:
            content, detected, name = validate_upload(upload)
            file_values = _file_fields(content, detected, name)
        except ValidationError as exc:
            errors.update({field: [str(m) for e in errs for m in e.messages] for field, errs in exc.error_dict.items()})
    if errors:
        raise ValidationError(errors)
    item = EvidenceItem(case=case, kind=EvidenceItem.Kind.ONLINE, created_by=_user(actor), by_reporter=by_reporter,
                        **fields, **file_values)
    return _save(item, content, actor=actor, by_reporter=by_reporter, summary=_("Online content recorded"))


# --- the evidence package --------------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def safe_name(name: str, fallback: str = "datei") -> str:
    """A file name for the ZIP: ASCII letters, digits, dot, dash and underscore; no path, no leading dot."""
    name = name.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("Ä", "Ae").replace(
        "Ö", "Oe").replace("Ü", "Ue").replace("ß", "ss")
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", os.path.basename(name)).strip("._") or fallback
    stem, extension = os.path.splitext(name)
    return stem[:80] + extension[:10]


def _uploader(item: EvidenceItem) -> str:
    if item.by_reporter:
        return "reporter"
    if item.created_by is None:
        return "system"
    return str(item.created_by.get_full_name() or item.created_by.get_username())


def _incident(case: Case) -> dict[str, Any]:
    from kommunalschutz.protection.cases.models import IncidentType

    labels = dict(IncidentType.choices)
    if case.occurred_at is not None:
        when = timezone.localtime(case.occurred_at).strftime("%d.%m.%Y %H:%M")
    elif case.period_start is not None:
        end = case.period_end.strftime("%d.%m.%Y") if case.period_end else "…"
        when = f"{case.period_start.strftime('%d.%m.%Y')} - {end}"
    else:
        when = ""
    channel = str(case.get_channel_display())
    if case.platform:
        channel = f"{channel} ({case.platform})"
    return {
        "types": [str(labels.get(code, code)) for code in case.incident_types or []],
        "when": when,
        "place": str(case.get_place_display()),
        "municipality": case.municipality.name if case.municipality_id and case.municipality else "",
        "channel": channel,
    }


@transaction.atomic
def build_package(*, case: Case, actor: Actor) -> tuple[str, bytes]:
    """The evidence package of a case for a criminal complaint: (file name, ZIP bytes).

    originale/<nn>_<name> are the byte-identical originals (each checked against its SHA-256 first),
    manifest.json the metadata and hashes, zusammenfassung.pdf a summary for the police and SHA256SUMS
    the hashes in ``sha256sum`` format. Raises EvidenceIntegrityError if a stored file was altered.
    """
    created = timezone.localtime()
    items = list(EvidenceItem.objects.filter(case=case).select_related("created_by").order_by("created_at", "pk"))
    entries: list[dict[str, Any]] = []
    files: list[tuple[str, bytes]] = []
    for number, item in enumerate(items, start=1):
        zip_name = None
        if item.stored_name:
            content = read_original(item)
            zip_name = f"originale/{number:02d}_{safe_name(item.original_name)}"
            files.append((zip_name, content))
        entry: dict[str, Any] = {
            "number": number,
            "kind": item.kind,
            "description": item.description,
            "file_in_package": zip_name,
            "original_name": item.original_name or None,
            "size": item.size,
            "detected_type": item.content_type or None,
            "sha256": item.sha256 or None,
            "uploaded_at": _iso(item.created_at),
            "uploaded_by": _uploader(item),
        }
        if item.kind == EvidenceItem.Kind.ONLINE:
            entry["online"] = {
                "url": item.url, "platform": item.platform, "account_name": item.account_name,
                "profile_url": item.profile_url, "posted_at": _iso(item.posted_at),
                "captured_at": _iso(item.captured_at), "content": item.content_text, "context": item.context,
            }
        entries.append(entry)
    creator = _user(actor)
    manifest = {
        "case_number": case.reference,
        "created_at": created.isoformat(),
        "created_by": (creator.get_full_name() or creator.get_username()) if creator else "system",
        "platform": settings.PLATFORM_NAME,
        "platform_version": kommunalschutz.__version__,
        "hash_algorithm": "SHA-256",
        "items": entries,
    }
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    pdf = render_pdf("evidence/package_summary_pdf.html", {
        "case": case, "incident": _incident(case), "entries": entries, "created": created,
        "created_by": manifest["created_by"], "platform": settings.PLATFORM_NAME,
        "version": kommunalschutz.__version__,
    })
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                   for name, data in [*files, ("manifest.json", manifest_bytes)])
    buffer = io.BytesIO()
    stamp = (created.year, created.month, created.day, created.hour, created.minute, created.second)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in [*files, ("manifest.json", manifest_bytes), ("zusammenfassung.pdf", pdf),
                           ("SHA256SUMS", sums.encode("ascii"))]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    summary = _("Evidence package exported (%(count)s items)") % {"count": len(items)}
    audit.record(actor=actor, action=AuditEvent.Action.OTHER, obj=case, summary=f"evidence package: {len(items)} items",
                 changes={})
    add_event(case, CaseEvent.Kind.EVIDENCE, summary, actor=actor)
    filename = f"beweismittel-{case.reference}-{created.strftime('%Y%m%d-%H%M')}.zip"
    return filename, buffer.getvalue()
