"""The offer catalogue: adding and changing the offers the alliance makes (one transaction, audited)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kommunalschutz.alliance.engagements.models import OfferType
from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, raise_if_errors


def _check_offer_fields(
    *, code: str, name: str, kind: str, errors: Errors, exclude_pk: int | None = None,
) -> None:
    from django.utils.text import slugify

    if not code or slugify(code) != code:
        add_error(errors, "code", _("Use lower-case letters, digits and hyphens only, e.g. “regionaltreffen”."))
    if not name.strip():
        add_error(errors, "name", _("This field is required."))
    if kind not in OfferType.Kind.values:
        add_error(errors, "kind", _("Unknown kind of offer."))
    others = OfferType.objects.exclude(pk=exclude_pk) if exclude_pk else OfferType.objects.all()
    if code and others.filter(code=code).exists():
        add_error(errors, "code", _("An offer with this code already exists."))
    if name.strip() and others.filter(name__iexact=name.strip()).exists():
        add_error(errors, "name", _("An offer with this name already exists."))


def create_offer_type(
    *, actor: Actor, code: str, name: str, kind: str = OfferType.Kind.GENERAL, description: str = "",
    active: bool = True, position: int = 100,
) -> OfferType:
    """Add an offer to the catalogue. Kind "general" needs no code: its engagements use the core fields."""
    errors: Errors = {}
    code = code.strip()
    _check_offer_fields(code=code, name=name, kind=kind, errors=errors)
    raise_if_errors(errors)
    try:
        with transaction.atomic():
            offer = OfferType.objects.create(code=code, name=name.strip(), kind=kind, description=description,
                                             active=active, position=position)
            audit.record_create(actor=actor, obj=offer, summary="offer type added to the catalogue")
    except IntegrityError:
        # A concurrent request added the same code or name first: answer as the check now does.
        _check_offer_fields(code=code, name=name, kind=kind, errors=errors)
        raise_if_errors(errors)
        raise
    return offer


def update_offer_type(
    *, actor: Actor, offer_type: OfferType, code: str | None = None, name: str | None = None,
    kind: str | None = None, description: str | None = None, active: bool | None = None,
    position: int | None = None,
) -> OfferType:
    """Change an offer; ``active=False`` deactivates it (its engagements stay, new ones are refused).

    The kind cannot change once engagements use the offer: their detail records belong to the kind.
    """
    errors: Errors = {}
    new_code = offer_type.code if code is None else code.strip()
    new_name = offer_type.name if name is None else name.strip()
    new_kind = offer_type.kind if kind is None else kind
    _check_offer_fields(code=new_code, name=new_name, kind=new_kind, errors=errors, exclude_pk=offer_type.pk)
    if new_kind != offer_type.kind and offer_type.engagements.exists():
        add_error(errors, "kind", _("Engagements already use this offer; its kind can no longer change."))
    raise_if_errors(errors)
    try:
        with transaction.atomic():
            before = audit.snapshot(offer_type)
            offer_type.code, offer_type.name, offer_type.kind = new_code, new_name, new_kind
            if description is not None:
                offer_type.description = description
            if active is not None:
                offer_type.active = active
            if position is not None:
                offer_type.position = position
            offer_type.save()
            audit.record_update(actor=actor, obj=offer_type, before=before)
    except IntegrityError:
        offer_type.refresh_from_db()
        _check_offer_fields(code=new_code, name=new_name, kind=new_kind, errors=errors, exclude_pk=offer_type.pk)
        raise_if_errors(errors)
        raise
    return offer_type
