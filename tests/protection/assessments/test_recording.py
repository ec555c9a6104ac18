"""Recording an assessment: all eight behaviours, notes for present/partly, a rationale, a due date within
limits; bad input is refused with messages per field and nothing is saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kommunalschutz.foundation.core.dates import add_months
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.assessments import services
from kommunalschutz.protection.assessments.models import BehaviourRating, ThreatAssessment, WarningBehaviour
from kommunalschutz.protection.cases.models import Case, CaseEvent
from tests.conftest import World
from tests.protection.assessments.conftest import RATIONALE, in_days, ratings

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int, int]:
    return (ThreatAssessment.objects.count(), BehaviourRating.objects.count(), CaseEvent.objects.count(),
            AuditEvent.objects.filter(object_type__startswith="assessments.").count())


def _refused(record: Any, field: str, level: str = "moderate", **fields: Any) -> list[str]:
    before = _counts()
    with pytest.raises(ValidationError) as info:
        record(level, **fields)
    assert _counts() == before, "nothing may be saved"
    assert field in info.value.message_dict, info.value.message_dict
    return info.value.message_dict[field]


def test_a_moderate_assessment_is_in_force_with_timeline_audit_and_status(
        world: World, case: Case, record: Any) -> None:
    assessment = record("moderate")
    assert assessment.state == ThreatAssessment.State.IN_FORCE
    assert assessment.assessed_by == world.coordinator
    assert assessment.ratings.count() == 8
    assert set(assessment.ratings.values_list("behaviour", flat=True)) == set(WarningBehaviour.values)
    assert assessment.ratings.get(behaviour="direct_threat").rating == "present"
    case.refresh_from_db()
    assert case.status == Case.Status.ASSESSMENT
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [CaseEvent.Kind.ASSESSMENT, CaseEvent.Kind.STATUS]
    with translation.override("de"):
        status_label = str(Case.Status.ASSESSMENT.label)
    assert case.events.get(kind=CaseEvent.Kind.STATUS).summary.endswith(status_label)
    created = AuditEvent.objects.get(object_type="assessments.threatassessment", action="create")
    assert created.actor == world.coordinator
    assert created.changes["rationale"] == {"old": "[secret]", "new": "[secret]"}
    assert AuditEvent.objects.filter(object_type="assessments.behaviourrating").count() == 8
    assert AuditEvent.objects.filter(object_type="cases.case", action="update").count() == 1


def test_status_moves_only_from_acknowledged(world: World, case: Case, record: Any) -> None:
    Case.objects.filter(pk=case.pk).update(status=Case.Status.MEASURES_AGREED)
    record("low")
    case.refresh_from_db()
    assert case.status == Case.Status.MEASURES_AGREED
    assert not case.events.filter(kind=CaseEvent.Kind.STATUS).exists()


def test_a_new_moderate_supersedes_the_previous_in_force(case: Case, record: Any) -> None:
    first = record("low")
    second = record("moderate")
    first.refresh_from_db()
    assert first.state == ThreatAssessment.State.SUPERSEDED
    assert second.state == ThreatAssessment.State.IN_FORCE
    assert ThreatAssessment.objects.filter(case=case, state="in_force").count() == 1


@pytest.mark.parametrize("missing", WarningBehaviour.values)
def test_every_one_of_the_eight_behaviours_is_required(record: Any, missing: str) -> None:
    rows = [row for row in ratings() if row["behaviour"] != missing]
    messages = _refused(record, f"{missing}_rating", ratings=rows)
    assert "Bewerten Sie" in messages[0]


def test_unknown_and_doubled_behaviours_are_refused(record: Any) -> None:
    rows = [*ratings(), {"behaviour": "astrology", "rating": "present", "evidence_notes": "x"}]
    assert "astrology" in _refused(record, "ratings", ratings=rows)[0]
    rows = [*ratings(), ratings()[0]]
    assert _refused(record, "ratings", ratings=rows)
    assert _refused(record, "ratings", ratings="pathway=present")


def test_a_rating_must_be_one_of_the_four(record: Any) -> None:
    _refused(record, "fixation_rating", ratings=ratings(fixation="maybe"))
    _refused(record, "fixation_rating", ratings=ratings(fixation=""))


@pytest.mark.parametrize("rating", ["present", "partly"])
def test_present_and_partly_need_evidence_notes(record: Any, rating: str) -> None:
    messages = _refused(record, "leakage_evidence_notes", ratings=ratings(leakage=(rating, "   ")))
    assert "Beleg" in messages[0] or "Beschreiben" in messages[0]


@pytest.mark.parametrize("rating", ["absent", "unknown"])
def test_absent_and_unknown_need_no_notes(record: Any, rating: str) -> None:
    assessment = record(ratings=ratings(leakage=(rating, "")))
    assert assessment.ratings.get(behaviour="leakage").evidence_notes == ""


def test_observation_dates_may_not_lie_in_the_future(record: Any) -> None:
    rows = ratings()
    rows[0]["observed_on"] = in_days(1)
    _refused(record, "pathway_observed_on", ratings=rows)
    rows[0]["observed_on"] = "2024-13-40"
    _refused(record, "pathway_observed_on", ratings=rows)


@pytest.mark.parametrize("rationale", ["", "   ", "Gefahr.", "x" * 29])
def test_the_rationale_is_required_and_substantive(record: Any, rationale: str) -> None:
    _refused(record, "rationale", rationale=rationale)


def test_level_and_route_are_required_and_from_the_lists(record: Any) -> None:
    _refused(record, "level", level="")
    _refused(record, "level", level="critical")
    _refused(record, "route", route="")
    _refused(record, "route", route="army")


@pytest.mark.parametrize(("review_on", "ok"), [
    (None, False), (0, False), (-3, False), (1, True), ("six_months", True), ("six_months_and_a_day", False),
])
def test_the_reassessment_date_lies_after_today_and_within_six_months(
        record: Any, review_on: Any, ok: bool) -> None:
    if review_on == "six_months":
        day: dt.date | None = services.latest_review_on()
    elif review_on == "six_months_and_a_day":
        day = services.latest_review_on() + dt.timedelta(days=1)
    else:
        day = None if review_on is None else in_days(review_on)
    if ok:
        assert record(next_review_on=day).next_review_on == day
    else:
        _refused(record, "next_review_on", next_review_on=day)


def test_default_review_dates_per_level() -> None:
    today = dt.date(2026, 1, 31)
    assert services.default_review_on("high", today) == dt.date(2026, 2, 14)
    assert services.default_review_on("moderate", today) == dt.date(2026, 3, 14)
    assert services.default_review_on("low", today) == dt.date(2026, 4, 30)
    assert services.latest_review_on(today) == dt.date(2026, 7, 31)
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)  # the calendar rule services uses


def test_a_closed_case_is_not_assessed(case: Case, record: Any) -> None:
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    case.refresh_from_db()
    _refused(record, "__all__", target=case)


@pytest.mark.parametrize("level", ["low", "moderate", "high"])
@pytest.mark.parametrize("pattern", ["all_absent", "all_present"])
def test_the_level_is_never_derived_from_the_ratings(record: Any, level: str, pattern: str) -> None:
    """The same ratings can carry any level: the level is the assessor's judgement, not a score."""
    rows = ratings(**dict.fromkeys(WarningBehaviour.values, "present")) if pattern == "all_present" \
        else ratings()
    assessment = record(level, ratings=rows, rationale=RATIONALE)
    assessment.refresh_from_db()
    assert assessment.level == level
    assert not any(hasattr(assessment, name) for name in ("score", "total", "sum", "traffic_light"))
