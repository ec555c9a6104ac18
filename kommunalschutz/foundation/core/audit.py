"""Recording writes in the audit trail.

Service functions call :func:`record` inside their transaction, so an audit row
exists exactly when the change it describes was committed. Right after the commit the
row is sealed into the hash chain (core.chain, docs/foundation/audit.md).
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

from django.db import models

from kommunalschutz.foundation.core import chain
from kommunalschutz.foundation.core.models import AuditEvent

# Who performs a write, as core and the registry (below accounts) know it: the configured user model
# (settings.AUTH_USER_MODEL, which they cannot import without a loop), or None for the platform itself.
# Every app above accounts names it accounts.models.Actor (User | None), which type-checks precisely.
AuditActor: TypeAlias = Any

SECRET_MARKER = "[secret]"  # noqa: S105 - the mask, not a secret
# Field names whose values never enter the trail, whatever the model.
ALWAYS_SECRET = {"password", "token_hash", "key", "secret", "passphrase_hash", "bin_key"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return SECRET_MARKER
    if isinstance(value, list | tuple | set):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


# Apps whose audit entries describe protection casework: only auditors read them
# (core.view_confidential_audit); the rest of the trail stays visible to coordinators and administrators.
CONFIDENTIAL_APPS = frozenset({"cases", "intake", "evidence", "assessments", "measures"})
# Public records kept in those apps: the directory of counselling partners is no casework.
PUBLIC_TYPES = frozenset({"measures.partner"})


def confidential_q() -> models.Q:
    """Audit events of confidential apps (object_type is "<app label>.<model>")."""
    query = models.Q(pk__in=[])
    for label in sorted(CONFIDENTIAL_APPS):
        query |= models.Q(object_type__startswith=f"{label}.")
    return query & ~models.Q(object_type__in=sorted(PUBLIC_TYPES))


def is_confidential_type(object_type: str) -> bool:
    return object_type.split(".", 1)[0] in CONFIDENTIAL_APPS and object_type not in PUBLIC_TYPES


def visible_events(user: Any, queryset: Any) -> Any:
    """The audit events a user may read: confidential ones only with core.view_confidential_audit."""
    if user is not None and user.has_perm("core.view_confidential_audit"):
        return queryset
    return queryset.exclude(confidential_q())


class Secret(str):
    """A value that is compared like text but never written into the trail (encrypted fields)."""

    is_secret = True


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The current values of an instance's concrete fields (foreign keys as ids).

    Values of encrypted fields are wrapped in :class:`Secret`: a change is recorded, the value never is.
    """
    from kommunalschutz.foundation.core.encryption import EncryptedTextField

    encrypted = {f.attname for f in instance._meta.concrete_fields if isinstance(f, EncryptedTextField)}
    names = list(fields) if fields is not None else [
        f.attname for f in instance._meta.concrete_fields if not f.primary_key
    ]
    values: dict[str, Any] = {}
    for name in names:
        value = getattr(instance, name)
        values[name] = Secret(value) if name in encrypted and value is not None else value
    return values


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any], *, secret: Iterable[str] = ()
) -> dict[str, dict[str, Any]]:
    hidden = ALWAYS_SECRET | set(secret)
    changes: dict[str, dict[str, Any]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name in hidden or getattr(old, "is_secret", False) or getattr(new, "is_secret", False):
            changes[name] = {"old": SECRET_MARKER, "new": SECRET_MARKER}
        else:
            changes[name] = {"old": _jsonable(old), "new": _jsonable(new)}
    return changes


def _label(actor: AuditActor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "system"
    return str(actor.get_username())


def build(
    *,
    actor: AuditActor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    changes: Mapping[str, Mapping[str, Any]] | None = None,
    summary: str = "",
) -> AuditEvent:
    """An unsaved audit event; :func:`record` saves one, :func:`record_many` many at once."""
    changes = dict(changes or {})
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
        actor=user,
        actor_label=_label(actor),
        action=action,
        object_type=object_type or "",
        object_id="" if object_id is None else str(object_id),
        object_repr=str(obj)[:300] if obj is not None else "",
        changed_fields=sorted(changes),
        changes=changes,
        summary=summary[:300],
    )


def record_many(events: Iterable[AuditEvent]) -> None:
    """Save events built with :func:`build` in a few INSERTs (bulk imports write hundreds)."""
    events = list(events)
    if events:
        AuditEvent.objects.bulk_create(events, batch_size=500)
        chain.seal_after_commit()


def record(
    *,
    actor: AuditActor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    changes: Mapping[str, Mapping[str, Any]] | None = None,
    summary: str = "",
) -> AuditEvent:
    """Append one audit event. ``actor`` is a user, or None for the system."""
    event = build(actor=actor, action=action, obj=obj, object_type=object_type, object_id=object_id,
                  changes=changes, summary=summary)
    event.save(force_insert=True)
    chain.seal_after_commit()
    return event


def record_create(*, actor: AuditActor, obj: models.Model, secret: Iterable[str] = (), summary: str = "") -> AuditEvent:
    return record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=obj, changes=diff({}, snapshot(obj), secret=secret),
        summary=summary,
    )


def record_update(
    *, actor: AuditActor, obj: models.Model, before: Mapping[str, Any], secret: Iterable[str] = (), summary: str = ""
) -> AuditEvent | None:
    """Record the difference between ``before`` and the instance now; nothing if nothing changed."""
    changes = diff(before, snapshot(obj, before.keys()), secret=secret)
    if not changes:
        return None
    return record(actor=actor, action=AuditEvent.Action.UPDATE, obj=obj, changes=changes, summary=summary)


def record_delete(*, actor: AuditActor, obj: models.Model, secret: Iterable[str] = (), summary: str = "") -> AuditEvent:
    return record(
        actor=actor, action=AuditEvent.Action.DELETE, obj=obj, changes=diff(snapshot(obj), {}, secret=secret),
        summary=summary,
    )
