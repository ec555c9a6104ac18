"""A high level of concern needs a second reviewer: someone else on the case team confirms it (in force,
superseding the previous one) or rejects it with a note (the previous one stays in force)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.assessments import services
from kommunalschutz.protection.assessments.models import ThreatAssessment
from kommunalschutz.protection.cases.models import Case, CaseEvent, Notification
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_a_high_level_waits_and_the_team_is_told_a_second_reviewer_is_needed(
        world: World, case: Case, record: Any) -> None:
    high = record("high")
    assert high.state == ThreatAssessment.State.AWAITING_REVIEW
    police = Notification.objects.get(user=world.dresden_police, case=case)
    assert case.reference in police.message
    assert police.url == f"/gefaehrdungsbewertung/fall/{case.pk}/"
    # The assessor is not told about their own rating; the reporter never hears of assessments.
    assert not Notification.objects.filter(user__in=[world.coordinator, world.pirna_official]).exists()
    assert "Erika" not in police.message


def test_self_review_is_refused(world: World, record: Any) -> None:
    high = record("high")
    with pytest.raises(ValidationError) as info:
        services.review_assessment(assessment=high, actor=world.coordinator, confirm=True, note="")
    assert "__all__" in info.value.message_dict
    high.refresh_from_db()
    assert high.state == ThreatAssessment.State.AWAITING_REVIEW
    assert high.reviewed_by is None


def test_someone_outside_the_team_cannot_review(world: World, record: Any) -> None:
    high = record("high")
    for person in (world.plauen_coordinator, world.lka_officer, world.pirna_official, world.outsider):
        with pytest.raises(ValidationError):
            services.review_assessment(assessment=high, actor=person, confirm=True, note="")
    high.refresh_from_db()
    assert high.state == ThreatAssessment.State.AWAITING_REVIEW


def test_rejecting_needs_a_note_and_keeps_the_previous_assessment(world: World, case: Case, record: Any) -> None:
    moderate = record("moderate")
    high = record("high")
    with pytest.raises(ValidationError) as info:
        services.review_assessment(assessment=high, actor=world.dresden_police, confirm=False, note="  ")
    assert "note" in info.value.message_dict
    high.refresh_from_db()
    assert high.state == ThreatAssessment.State.AWAITING_REVIEW
    rejected = services.review_assessment(assessment=high, actor=world.dresden_police, confirm=False,
                                          note="Die Ankündigung ist nicht konkret genug für ein hohes Niveau.")
    assert rejected.state == ThreatAssessment.State.REJECTED
    assert rejected.reviewed_by == world.dresden_police
    moderate.refresh_from_db()
    assert moderate.state == ThreatAssessment.State.IN_FORCE
    assert Notification.objects.filter(user=world.coordinator, case=case).count() == 1


def test_confirming_puts_it_in_force_and_supersedes_the_previous(world: World, case: Case, record: Any) -> None:
    moderate = record("moderate")
    high = record("high")
    moderate.refresh_from_db()
    assert moderate.state == ThreatAssessment.State.IN_FORCE  # not yet replaced while the review waits
    confirmed = services.review_assessment(assessment=high, actor=world.dresden_police, confirm=True, note="")
    assert confirmed.state == ThreatAssessment.State.IN_FORCE
    assert confirmed.reviewed_at is not None
    moderate.refresh_from_db()
    assert moderate.state == ThreatAssessment.State.SUPERSEDED
    assert ThreatAssessment.objects.filter(case=case, state="in_force").get() == confirmed
    assert case.events.filter(kind=CaseEvent.Kind.ASSESSMENT).count() == 3
    update = AuditEvent.objects.filter(object_type="assessments.threatassessment", object_id=str(high.pk),
                                       action="update").get()
    assert update.actor == world.dresden_police
    assert {"state", "reviewed_by_id"} <= set(update.changed_fields)


def test_only_a_waiting_assessment_can_be_reviewed(world: World, record: Any) -> None:
    moderate = record("moderate")
    with pytest.raises(ValidationError):
        services.review_assessment(assessment=moderate, actor=world.dresden_police, confirm=True, note="")
    high = record("high")
    services.review_assessment(assessment=high, actor=world.dresden_police, confirm=True, note="")
    with pytest.raises(ValidationError):
        services.review_assessment(assessment=high, actor=world.dresden_police, confirm=False, note="doch nicht")
    high.refresh_from_db()
    assert high.state == ThreatAssessment.State.IN_FORCE


def test_no_new_assessment_while_a_high_level_waits(record: Any) -> None:
    record("high")
    count = ThreatAssessment.objects.count()
    with pytest.raises(ValidationError) as info:
        record("low")
    assert "__all__" in info.value.message_dict
    assert ThreatAssessment.objects.count() == count


def test_page_refuses_self_review_and_offers_the_form_to_the_second_reviewer(
        world: World, case: Case, record: Any, login: Any) -> None:
    high = record("high")
    url = f"/gefaehrdungsbewertung/fall/{case.pk}/"
    review_url = f"/gefaehrdungsbewertung/bewertung/{high.pk}/zweitpruefung/"
    client = login(world.coordinator)
    page = client.get(url).content.decode()
    assert review_url not in page
    response = client.post(review_url, {"decision": "confirm", "note": ""})
    assert response.status_code == 400
    high.refresh_from_db()
    assert high.state == ThreatAssessment.State.AWAITING_REVIEW
    client.logout()
    client = login(world.dresden_police)
    assert review_url in client.get(url).content.decode()
    response = client.post(review_url, {"decision": "reject", "note": ""})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    response = client.post(review_url, {"decision": "confirm", "note": ""})
    assert response.status_code == 302
    high.refresh_from_db()
    assert high.state == ThreatAssessment.State.IN_FORCE


@pytest.mark.parametrize("persona", ["plauen_coordinator", "lka_officer", "pirna_official", "outsider"])
def test_review_page_is_404_outside_the_team(world: World, record: Any, login: Any, persona: str) -> None:
    high = record("high")
    response = login(getattr(world, persona)).post(f"/gefaehrdungsbewertung/bewertung/{high.pk}/zweitpruefung/",
                                                   {"decision": "confirm", "note": ""})
    assert response.status_code == 404
    high.refresh_from_db()
    assert high.state == ThreatAssessment.State.AWAITING_REVIEW
