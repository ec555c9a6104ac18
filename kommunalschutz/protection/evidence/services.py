"""Evidence: the writes (an evidence file, an online-content record), each audited in one transaction.

The evidence store (evidence.store, in the platform's file storage) holds one file per uploaded original,
named by a random id; its content is the original bytes encrypted with FIELD_ENCRYPTION_KEYS (Fernet). The
database keeps the SHA-256 of the original bytes taken at upload, the size, the type detected from
the bytes and the original file name (encrypted). Nothing from the evidence store is ever executed
or rendered: the type check (evidence.uploads) refuses programs, HTML and SVG whatever they are called.

Every write is audited and runs in a transaction; a refused upload leaves neither a row nor a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.protection.cases.models import Case, CaseEvent
from kommunalschutz.protection.cases.services import add_event
from kommunalschutz.protection.evidence.models import EvidenceItem
from kommunalschutz.protection.evidence.store import discard, store
from kommunalschutz.protection.evidence.uploads import validate_upload

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
            stored_name = store(content)
            item.stored_name = stored_name
        with transaction.atomic():
            item.save(force_insert=True)
            audit.record_create(actor=actor, obj=item, summary=summary)
            add_event(item.case, CaseEvent.Kind.EVIDENCE, summary, actor=actor, by_reporter=by_reporter)
    except BaseException:
        if stored_name:
            discard(stored_name)
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
