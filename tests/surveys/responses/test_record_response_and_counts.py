"""record_response for bulk and demo use, response_counts, one response per member under a race,
the analysis phases following the first response, and answers never entering the audit trail."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection
from django.utils import timezone

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.responses import online, recording, selectors
from kommunalschutz.surveys.responses.models import Response
from kommunalschutz.surveys.responses.validation import validate_answers
from kommunalschutz.surveys.sampling.models import SampleMember
from tests.conftest import World
from tests.surveys.responses.conftest import Survey, build_questionnaire, build_survey


@pytest.mark.django_db
def test_record_response_validates_marks_the_member_and_refuses_a_second(world: World, survey: Survey) -> None:
    member = survey.members[0]
    response = recording.record_response(actor=world.analyst, member=member, channel=Response.Channel.ONLINE,
                                        answers={"life": 1, "victim": 2, "protect": [], "comment": ""})
    assert response.answers == {"life": 1, "victim": 2}
    assert response.questionnaire == survey.questionnaire
    member.refresh_from_db()
    assert member.status == SampleMember.Status.ONLINE
    with pytest.raises(ValidationError, match="bereits online geantwortet"):
        recording.record_response(actor=world.analyst, member=member, channel="paper", answers={"life": 2})
    assert Response.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("answers", "field"), [
    ({"life": 7}, "life"),
    ({"life": "1"}, "life"),
    ({"protect": [1, 9]}, "protect"),
    ({"persons": 0}, "persons"),
    ({"comment": "x" * 2001}, "comment"),
    ({"reported": 1}, "reported"),  # filtered out: "victim" is not answered "yes"
    ({"nonsense": 1}, "__all__"),
])
def test_record_response_refuses_bad_answers_and_writes_nothing(world: World, survey: Survey,
                                                                 answers: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        recording.record_response(actor=None, member=survey.members[0], channel="paper", answers=answers)
    assert field in caught.value.message_dict
    assert not Response.objects.exists()
    assert SampleMember.objects.get(pk=survey.members[0].pk).status == SampleMember.Status.SENT


@pytest.mark.django_db
def test_record_response_refuses_a_questionnaire_of_another_project_or_unfrozen(world: World, survey: Survey) -> None:
    other = build_survey(world)
    draft = build_questionnaire(survey.project, version=3, frozen=False)
    for questionnaire in (other.questionnaire, draft):
        with pytest.raises(ValidationError):
            recording.record_response(actor=None, member=survey.members[0], channel="online", answers={},
                                     questionnaire=questionnaire)
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_required_answers_only_when_complete(survey: Survey) -> None:
    assert validate_answers(survey.questionnaire, {}, partial=True) == {}
    assert list(validate_answers(survey.questionnaire, {}, partial=False)) == ["safe_night"]


@pytest.mark.django_db
def test_response_counts(world: World, survey: Survey) -> None:
    recording.record_response(actor=None, member=survey.members[0], channel="online", answers={"life": 1})
    recording.record_response(actor=None, member=survey.members[1], channel="paper", answers={"life": 2})
    SampleMember.objects.filter(pk=survey.members[2].pk).update(status=SampleMember.Status.UNDELIVERABLE)
    online.save_online_page(member=survey.members[3], page_items=[survey.items["life"]],
                              page_answers={"life": 3}, language="de")
    counts = selectors.response_counts(survey.project)
    assert (counts.members, counts.online, counts.paper, counts.in_progress, counts.undeliverable) == (5, 1, 1, 1, 1)
    assert counts.by_status == {"online": 1, "post": 1, "undeliverable": 1, "sent": 2}
    assert counts.rate == pytest.approx(2 / 4)


@pytest.mark.django_db
def test_answers_never_enter_the_audit_trail(world: World, survey: Survey) -> None:
    recording.record_response(actor=world.analyst, member=survey.members[0], channel="paper",
                             answers={"comment": "Geheimer Hinweis 4711"})
    events = AuditEvent.objects.filter(object_type="responses.response")
    assert events.exists()
    assert all("4711" not in str(event.changes) for event in events)


@pytest.mark.django_db
def test_first_submitted_response_advances_the_analysis_phases(world: World, survey: Survey) -> None:
    from kommunalschutz.alliance.engagements.analyses import create_security_analysis
    from kommunalschutz.alliance.engagements.models import AnalysisPhase
    from tests.alliance.engagements.conftest import contact

    started = timezone.localdate() - dt.timedelta(days=30)
    contact(world, municipality=world.pirna, on=started - dt.timedelta(days=400))
    analysis = create_security_analysis(actor=world.coordinator, title="Sicherheitsanalyse Pirna",
                                        started_on=started, municipality=world.pirna)
    assert analysis.phases.get(phase=AnalysisPhase.Phase.RETURNS).actual_start is None
    survey.project.security_analysis = analysis
    survey.project.save()
    recording.record_response(actor=world.analyst, member=survey.members[0], channel="paper", answers={"life": 1})
    returns = analysis.phases.get(phase=AnalysisPhase.Phase.RETURNS)
    assert returns.actual_start == timezone.localdate()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_of_one_code_give_one_response(world: World) -> None:
    survey = build_survey(world, members=1)
    member = survey.members[0]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(channel: str) -> None:
        barrier.wait(timeout=10)
        try:
            for _attempt in range(200):
                try:
                    recording.record_response(actor=None, member=member, channel=channel, answers={"life": 1})
                    outcomes.append("recorded")
                    return
                except ValidationError:
                    outcomes.append("refused")
                    return
                except OperationalError as exc:
                    # The in-memory SQLite test database (shared cache) reports a busy table at once instead
                    # of waiting like a file database or PostgreSQL; wait here as busy_timeout would.
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.05)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(channel,)) for channel in ("online", "paper")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["recorded", "refused"]
    assert Response.objects.filter(member=member).count() == 1
