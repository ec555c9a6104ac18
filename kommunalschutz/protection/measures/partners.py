"""Writes of the counselling partner directory: adding, editing, deactivating a partner (each audited in one
transaction). Callers check permissions (measures.manage_partners); these functions check the data and raise
``ValidationError`` naming the fields before anything is saved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit, states
from kommunalschutz.foundation.core.errors import Errors, add_error
from kommunalschutz.protection.measures.checks import model_checks, refuse_unknown_fields
from kommunalschutz.protection.measures.models import Partner

PARTNER_FIELDS: tuple[str, ...] = (
    "name", "category", "description", "scope", "phone", "email", "website", "anonymous_possible", "source_url",
)


def _check_partner(partner: Partner, errors: Errors) -> None:
    partner.name = (partner.name or "").strip()
    if not partner.name:
        add_error(errors, "name", _("Enter the partner's name."))
    elif Partner.objects.filter(name__iexact=partner.name).exclude(pk=partner.pk).exists():
        add_error(errors, "name", _("A partner with this name is already in the directory."))
    if partner.category not in Partner.Category.values:
        add_error(errors, "category", _("Choose the partner's category."))
    model_checks(partner, errors, exclude=["updated_at"])


@transaction.atomic
def create_partner(*, actor: Actor, **fields: Any) -> Partner:
    refuse_unknown_fields(fields, PARTNER_FIELDS, "create_partner")
    partner = Partner(**fields)
    _check_partner(partner, {})
    try:
        with transaction.atomic():  # a savepoint: a concurrent request may add the same name first
            partner.save()
    except IntegrityError as exc:
        raise ValidationError({"name": [_("A partner with this name is already in the directory.")]}) from exc
    audit.record_create(actor=actor, obj=partner)
    return partner


@transaction.atomic
def update_partner(*, actor: Actor, partner: Partner, **fields: Any) -> Partner:
    refuse_unknown_fields(fields, PARTNER_FIELDS, "update_partner")
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    before = audit.snapshot(locked, PARTNER_FIELDS)
    for name, value in fields.items():
        setattr(locked, name, value)
    _check_partner(locked, {})
    locked.save()
    audit.record_update(actor=actor, obj=locked, before=before)
    return locked


@transaction.atomic
def set_partner_active(*, actor: Actor, partner: Partner, active: bool) -> Partner:
    """Deactivate (or reactivate) a partner. Inactive partners stay on the measures that name them but
    are no longer offered for new referrals nor listed publicly."""
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    before = audit.snapshot(locked, ["is_active"])
    locked.is_active = active
    locked.save(update_fields=["is_active", "updated_at"])
    audit.record_update(actor=actor, obj=locked, before=before,
                        summary="partner reactivated" if active else "partner deactivated")
    return locked


@dataclass
class PartnersLoaded:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    deactivated: int = 0


def _read_partner_file(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError({"path": [_("The partner file %(path)s cannot be read: %(error)s")
                                        % {"path": path, "error": exc}]}) from exc
    entries = data.get("partners") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(entry, dict) and entry.get("name") for entry in entries):
        raise ValidationError({"path": [_("The partner file %(path)s must hold {\"partners\": [...]}, each partner "
                                          "with a name.") % {"path": path}]})
    for entry in entries:
        unknown = sorted(set(entry) - set(PARTNER_FIELDS))
        if unknown:
            raise ValidationError({"path": [_("The partner %(name)s has unknown fields: %(fields)s.")
                                            % {"name": entry["name"], "fields": ", ".join(unknown)}]})
    return entries


@transaction.atomic
def load_partners(*, actor: Actor, path: str | Path | None = None) -> PartnersLoaded:
    """Make the directory hold the state package's partners (``kommunalschutz load-partners``), all or nothing.

    Partners of the file are created or updated (matched by name, reactivated if inactive); a partner not in
    the file is removed when no referral names it and deactivated otherwise, so a new state's installation
    starts without the partners the migrations seeded for Saxony and no referral loses its partner. Idempotent.
    """
    source = Path(path) if path is not None else states.current().partners_file
    result = PartnersLoaded()
    if source is None:
        return result
    entries = _read_partner_file(source)
    wanted = {str(entry["name"]).strip().casefold() for entry in entries}
    for entry in entries:
        fields = {name: value for name, value in entry.items() if name != "name"}
        existing = Partner.objects.filter(name__iexact=str(entry["name"]).strip()).first()
        if existing is None:
            create_partner(actor=actor, **entry)
            result.created += 1
            continue
        changed = {name: value for name, value in fields.items() if getattr(existing, name) != value}
        if changed:
            existing = update_partner(actor=actor, partner=existing, **changed)
            result.updated += 1
        if not existing.is_active:
            set_partner_active(actor=actor, partner=existing, active=True)
            result.updated += 0 if changed else 1
        elif not changed:
            result.unchanged += 1
    for partner in Partner.objects.select_for_update().order_by("pk"):
        if partner.name.strip().casefold() in wanted:
            continue
        if partner.referrals.exists():
            if partner.is_active:
                set_partner_active(actor=actor, partner=partner, active=False)
                result.deactivated += 1
            continue
        audit.record_delete(actor=actor, obj=partner, summary="partner not in the state package")
        partner.delete()
        result.removed += 1
    return result
