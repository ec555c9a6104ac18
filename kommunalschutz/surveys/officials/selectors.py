"""Read queries of the officials' survey, shared by the views and the API."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from kommunalschutz.alliance.programme.rules import own_target_ids
from kommunalschutz.foundation.core.roles import Role, roles_of
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.surveys.officials.models import FrameUpload, OpenLink, ResponseText, Wave


def waves_for(user: Any) -> QuerySet[Wave]:
    """The waves the user may open: all for the coordination office and municipal coordinators (who bring
    their lists in), the contractor's waves for analysts."""
    waves = Wave.objects.select_related("contractor").annotate(
        respondents=Count("responses", distinct=True))
    roles = roles_of(user)
    if roles & {Role.COORDINATOR, Role.MUNICIPAL_COORDINATOR}:
        return waves
    if Role.ANALYST in roles:
        contractors = user.memberships.filter(role=Role.ANALYST).values_list("organisation_id", flat=True)
        return waves.filter(contractor_id__in=list(contractors))
    return waves.none()


def own_municipalities(user: Any) -> QuerySet[Municipality]:
    """The municipalities whose groups the user may bring into the frame."""
    if Role.COORDINATOR in roles_of(user):
        return Municipality.objects.filter(valid_until__isnull=True)
    municipalities, _districts = own_target_ids(user, Role.MUNICIPAL_COORDINATOR)
    return Municipality.objects.filter(pk__in=municipalities, valid_until__isnull=True)


def uploads(wave: Wave, user: Any) -> QuerySet[FrameUpload]:
    found = wave.uploads.select_related("municipality").order_by("municipality__name", "pk")
    if Role.COORDINATOR in roles_of(user):
        return found
    return found.filter(municipality__in=own_municipalities(user))


def open_links(wave: Wave, user: Any) -> QuerySet[OpenLink]:
    found = wave.open_links.select_related("municipality").order_by("municipality__name", "role")
    if Role.COORDINATOR in roles_of(user):
        return found
    return found.filter(municipality__in=own_municipalities(user))


def texts_to_review(wave: Wave) -> QuerySet[ResponseText]:
    return wave.texts.filter(review=ResponseText.Review.PENDING)


def released_texts(wave: Wave) -> QuerySet[ResponseText]:
    return wave.texts.filter(review=ResponseText.Review.RELEASED)


def text_counts(wave: Wave) -> dict[str, int]:
    return wave.texts.aggregate(
        pending=Count("pk", filter=Q(review=ResponseText.Review.PENDING)),
        released=Count("pk", filter=Q(review=ResponseText.Review.RELEASED)),
        withheld=Count("pk", filter=Q(review=ResponseText.Review.WITHHELD)))


def letters(wave: Wave, *, pending_only: bool) -> list[dict[str, Any]]:
    """The addresses and codes for the letters (all, or those not yet answered for a reminder)."""
    entries = (wave.frame.select_related("municipality", "district").filter(code_digest__isnull=False)
               .order_by("district__name", "pk"))
    if pending_only:
        entries = entries.filter(used=False)
    return [{"address": entry.address, "code": entry.code, "role": entry.get_role_display()} for entry in entries]


def closed_waves() -> QuerySet[Wave]:
    return Wave.objects.filter(status=Wave.Status.CLOSED).order_by("-reference_start")
