"""Writes of the counselling partner directory: adding, editing, deactivating a partner (each audited in one
transaction). Callers check permissions (measures.manage_partners); these functions check the data and raise
``ValidationError`` naming the fields before anything is saved.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
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
