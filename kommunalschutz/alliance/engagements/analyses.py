"""Security analyses: the default plan of their phases and the dates each phase really took.

The surveys wing records phase dates from its survey projects through ``record_phase_dates``.
Each write runs in one transaction with its audit events.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.alliance.engagements.common import (
    audit_created,
    check_new_core,
    default_offer,
    new_engagement,
    update_engagement,
)
from kommunalschutz.alliance.engagements.models import AnalysisPhase, Engagement, OfferType, SecurityAnalysis
from kommunalschutz.foundation.accounts.models import Actor, Organisation, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, day, raise_if_errors
from kommunalschutz.foundation.registry.models import District, Municipality

# The default plan of a security analysis (DOMAIN.md 2.4): phase and its length in weeks, one after
# the other from the kick-off date, 20 weeks in all. docs/alliance/offers-and-engagements.md explains it.
DEFAULT_PHASE_WEEKS: tuple[tuple[str, int], ...] = (
    (AnalysisPhase.Phase.KICK_OFF, 1),
    (AnalysisPhase.Phase.REGISTER_EXTRACT, 2),
    (AnalysisPhase.Phase.QUESTIONNAIRE, 2),
    (AnalysisPhase.Phase.FIELDWORK, 6),
    (AnalysisPhase.Phase.RETURNS, 2),
    (AnalysisPhase.Phase.ANALYSIS, 4),
    (AnalysisPhase.Phase.FINAL_REPORT, 2),
    (AnalysisPhase.Phase.PRESENTATION, 1),
)


def default_plan(kick_off: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """(phase, planned start, planned end) of the default 20-week plan from the kick-off date."""
    plan = []
    start = kick_off
    for phase, weeks in DEFAULT_PHASE_WEEKS:
        end = start + dt.timedelta(weeks=weeks) - dt.timedelta(days=1)
        plan.append((str(phase), start, end))
        start = end + dt.timedelta(days=1)
    return plan


def create_security_analysis(
    *, actor: Actor, title: str, started_on: dt.date, municipality: Municipality | None = None,
    district: District | None = None, contractor: Organisation | None = None, sample_size: int | None = None,
    offer_type: OfferType | None = None, status: str = Engagement.Status.ACTIVE, owner: User | None = None,
    ended_on: dt.date | None = None, notes: str = "", is_synthetic: bool = False, source_url: str = "",
) -> SecurityAnalysis:
    """A security analysis from its kick-off (``started_on``), with the default plan of its phases."""
    offer_type = offer_type or default_offer(OfferType.Kind.SECURITY_ANALYSIS)
    errors: Errors = {}
    check_new_core(offer_type=offer_type, kind=OfferType.Kind.SECURITY_ANALYSIS, title=title,
                   started_on=started_on, municipality=municipality, district=district, status=status,
                   ended_on=ended_on, errors=errors)
    if sample_size is not None and sample_size < 1:
        add_error(errors, "sample_size", _("Enter a positive number."))
    raise_if_errors(errors)
    assert offer_type is not None
    with transaction.atomic():
        engagement = new_engagement(
            offer_type=offer_type, title=title, started_on=started_on, municipality=municipality,
            district=district, status=status, owner=owner, ended_on=ended_on, notes=notes,
            is_synthetic=is_synthetic, source_url=source_url)
        analysis = SecurityAnalysis.objects.create(engagement=engagement, contractor=contractor,
                                                   sample_size=sample_size)
        AnalysisPhase.objects.bulk_create([
            AnalysisPhase(analysis=analysis, phase=phase, planned_start=start, planned_end=end)
            for phase, start, end in default_plan(started_on)
        ])
        audit_created(actor, engagement, analysis, summary="default plan of 20 weeks generated")
    return analysis


def update_security_analysis(
    *, actor: Actor, analysis: SecurityAnalysis, contractor: Organisation | None, sample_size: int | None, **core: Any,
) -> SecurityAnalysis:
    errors: Errors = {}
    if sample_size is not None and sample_size < 1:
        add_error(errors, "sample_size", _("Enter a positive number."))
    before = audit.snapshot(analysis)
    analysis.contractor, analysis.sample_size = contractor, sample_size
    update_engagement(actor=actor, engagement=analysis.engagement, _detail=analysis, _detail_before=before,
                      _errors=errors, **core)
    return analysis


def record_phase_dates(
    *, actor: Actor, phase: AnalysisPhase, actual_start: dt.date | None, actual_end: dt.date | None,
    planned_start: dt.date | None = None, planned_end: dt.date | None = None,
) -> AnalysisPhase:
    """Record when a phase really started and ended (and, optionally, move its plan)."""
    errors: Errors = {}
    today = timezone.localdate()
    new_planned_start = planned_start or phase.planned_start
    new_planned_end = planned_end or phase.planned_end
    if new_planned_end < new_planned_start:
        add_error(errors, "planned_end", _("The end cannot lie before the start (%(start)s).")
                  % {"start": day(new_planned_start)})
    if actual_end is not None and actual_start is None:
        add_error(errors, "actual_start", _("Record the actual start before the actual end."))
    if actual_start is not None and actual_end is not None and actual_end < actual_start:
        add_error(errors, "actual_end", _("The end cannot lie before the start (%(start)s).")
                  % {"start": day(actual_start)})
    for field, value in (("actual_start", actual_start), ("actual_end", actual_end)):
        if value is not None and value > today:
            add_error(errors, field, _("An actual date cannot lie in the future."))
    kick_off = phase.analysis.engagement.started_on
    if actual_start is not None and actual_start < kick_off:
        add_error(errors, "actual_start", _("The analysis started on %(date)s; a phase cannot start earlier.")
                  % {"date": day(kick_off)})
    raise_if_errors(errors)
    with transaction.atomic():
        before = audit.snapshot(phase)
        phase.actual_start, phase.actual_end = actual_start, actual_end
        phase.planned_start, phase.planned_end = new_planned_start, new_planned_end
        phase.save()
        audit.record_update(actor=actor, obj=phase, before=before)
    return phase
