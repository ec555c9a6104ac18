"""Reads of the measures app: the partner directory and the measures of a case (two views of them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from kommunalschutz.foundation.core.collation import german
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.measures.models import Measure, MeasureKind, Partner, measure_bit, referral_bit


def active_partners() -> QuerySet[Partner]:
    return Partner.objects.filter(is_active=True).order_by("category", *german("name"))


@dataclass
class PartnerGroup:
    category: str
    label: str
    partners: list[Partner]


def partners_by_category(*, include_inactive: bool = False) -> list[PartnerGroup]:
    """The directory grouped by category, in the catalogue's order (empty categories left out)."""
    partners = Partner.objects.all() if include_inactive else active_partners()
    grouped: dict[str, list[Partner]] = {}
    for partner in partners.order_by(*german("name")):
        grouped.setdefault(partner.category, []).append(partner)
    return [PartnerGroup(category=value, label=str(label), partners=grouped[value])
            for value, label in Partner.Category.choices if value in grouped]


def statistic_masks(case: Case) -> dict[str, int]:
    """The case's measures and referral categories as bit masks of its statistical record (cancelled ones
    not counted); registered with cases.hooks, so cases.services.sync_statistic counts them."""
    measure_mask = referral_mask = 0
    for kind, category in (Measure.objects.filter(case=case).exclude(status=Measure.Status.CANCELLED)
                           .values_list("kind", "partner__category")):
        measure_mask |= measure_bit(kind)
        if kind == MeasureKind.REFERRAL and category:
            referral_mask |= referral_bit(category)
    return {"measure_mask": measure_mask, "referral_mask": referral_mask}


def case_measures(case: Case) -> QuerySet[Measure]:
    return (Measure.objects.filter(case=case).select_related("partner", "owner", "decided_by")
            .order_by("created_at", "pk"))


def is_overdue(measure: Measure, today: Any = None) -> bool:
    today = today or timezone.localdate()
    return bool(measure.due_on is not None and measure.due_on < today
                and measure.status in (Measure.Status.PLANNED, Measure.Status.IN_PROGRESS))


@dataclass
class ReporterMeasure:
    """What the reporter's side sees of a measure: no owner, outcome or internal reasons; the
    description only when the measure was agreed with the official."""

    pk: int
    kind: str
    kind_label: str
    partner: Partner | None
    status: str
    status_label: str
    due_on: Any
    description: str
    decision: str
    decision_label: str
    decided_at: Any


def reporter_view(measures: Any) -> list[ReporterMeasure]:
    rows = []
    for measure in measures:
        rows.append(ReporterMeasure(
            pk=measure.pk, kind=measure.kind, kind_label=str(measure.get_kind_display()),
            partner=measure.partner, status=measure.status, status_label=str(measure.get_status_display()),
            due_on=measure.due_on,
            description=measure.description if measure.agreed_with_official else "",
            decision=measure.decision if measure.kind == MeasureKind.PROTECTION_REQUEST else "",
            decision_label=str(measure.get_decision_display()) if measure.decision else "",
            decided_at=measure.decided_at,
        ))
    return rows
