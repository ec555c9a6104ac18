"""Reads of the assessments app: the assessment in force, the pending review, the history with changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from kommunalschutz.protection.assessments.models import BehaviourRating, Rating, ThreatAssessment, WarningBehaviour
from kommunalschutz.protection.assessments.services import REMINDER_DAYS_BEFORE
from kommunalschutz.protection.cases.models import Case


def assessments(case: Case) -> QuerySet[ThreatAssessment]:
    """All assessments of a case, newest first, with their ratings (in the order of the eight behaviours)."""
    return (ThreatAssessment.objects.filter(case=case)
            .select_related("assessed_by", "reviewed_by")
            .prefetch_related(Prefetch("ratings", queryset=BehaviourRating.objects.order_by("pk"))))


def in_force(case: Case) -> ThreatAssessment | None:
    return assessments(case).filter(state=ThreatAssessment.State.IN_FORCE).first()


def pending(case: Case) -> ThreatAssessment | None:
    return assessments(case).filter(state=ThreatAssessment.State.AWAITING_REVIEW).first()


def ratings_by_behaviour(assessment: ThreatAssessment | None) -> dict[str, BehaviourRating]:
    if assessment is None:
        return {}
    return {rating.behaviour: rating for rating in assessment.ratings.all()}


def ordered_ratings(assessment: ThreatAssessment) -> list[BehaviourRating]:
    by_code = ratings_by_behaviour(assessment)
    return [by_code[code] for code in WarningBehaviour.values if code in by_code]


@dataclass
class Change:
    """One difference of an assessment to the one before it, in words (never a number)."""

    what: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    assessment: ThreatAssessment
    ratings: list[BehaviourRating]
    changes: list[Change] = field(default_factory=list)
    changed_behaviours: set[str] = field(default_factory=set)
    is_first: bool = False


def _rating_label(rating: BehaviourRating | None) -> str:
    return str(Rating(rating.rating).label) if rating is not None and rating.rating in Rating.values else "-"


def changes_between(previous: ThreatAssessment | None, current: ThreatAssessment) -> list[Change]:
    """What changed from ``previous`` to ``current``: level, route, and each behaviour's rating."""
    if previous is None:
        return []
    changes: list[Change] = []
    if previous.level != current.level:
        changes.append(Change(str(ThreatAssessment._meta.get_field("level").verbose_name),
                              previous.get_level_display(), current.get_level_display()))
    if previous.route != current.route:
        changes.append(Change(str(ThreatAssessment._meta.get_field("route").verbose_name),
                              previous.get_route_display(), current.get_route_display()))
    before, after = ratings_by_behaviour(previous), ratings_by_behaviour(current)
    for code in WarningBehaviour.values:
        old, new = before.get(code), after.get(code)
        if (old.rating if old else None) != (new.rating if new else None):
            changes.append(Change(str(WarningBehaviour(code).label), _rating_label(old), _rating_label(new)))
    return changes


def history(case: Case) -> list[HistoryEntry]:
    """Every assessment, newest first, each compared with the one recorded before it."""
    rows = list(assessments(case))
    entries: list[HistoryEntry] = []
    for index, assessment in enumerate(rows):
        previous = rows[index + 1] if index + 1 < len(rows) else None
        changes = changes_between(previous, assessment)
        labels = {str(WarningBehaviour(code).label): code for code in WarningBehaviour.values}
        entries.append(HistoryEntry(
            assessment=assessment, ratings=ordered_ratings(assessment), changes=changes,
            changed_behaviours={labels[c.what] for c in changes if c.what in labels}, is_first=previous is None,
        ))
    return entries


def prefill_source(case: Case) -> ThreatAssessment | None:
    """The assessment a re-assessment starts from: the one in force, else the latest one."""
    return in_force(case) or assessments(case).first()


def review_status(assessment: ThreatAssessment | None, today: dt.date | None = None) -> str:
    """"overdue", "due" (within the reminder window) or "" for the assessment in force."""
    if assessment is None:
        return ""
    today = today or timezone.localdate()
    if assessment.next_review_on < today:
        return "overdue"
    if assessment.next_review_on <= today + dt.timedelta(days=REMINDER_DAYS_BEFORE):
        return "due"
    return ""


def overdue(case: Case, today: dt.date | None = None) -> list[ThreatAssessment]:
    """In-force assessments of the case whose re-assessment date has passed."""
    today = today or timezone.localdate()
    return list(assessments(case).filter(state=ThreatAssessment.State.IN_FORCE, next_review_on__lt=today))


def can_review(user: Any, assessment: ThreatAssessment | None) -> bool:
    """Whether ``user`` may act as the second reviewer of a pending assessment."""
    return bool(assessment is not None and assessment.state == ThreatAssessment.State.AWAITING_REVIEW
                and user.pk != assessment.assessed_by_id and user.has_perm("assessments.assess", assessment.case))
