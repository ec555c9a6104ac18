"""Keyboard entry of returned paper forms: refusals naming the question with nothing saved, the
double-entry check (equal, different, decided by the second person), and who may enter at all."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.responses.models import PaperEntry, Response
from kommunalschutz.surveys.sampling.models import SampleMember
from tests.conftest import World
from tests.survey_factories import ResponseFactory
from tests.surveys.responses.conftest import Survey, build_survey

pytestmark = pytest.mark.django_db

FORM = {"number": "1", "i_life": "2", "i_safe_night": "9", "i_victim": "1", "i_reported": "2",
        "i_protect": "1, 3", "i_enforce_help": "", "i_persons": "3", "i_comment": "Mehr Licht am Bahnhof"}
EXPECTED = {"life": 2, "safe_night": 9, "victim": 1, "reported": 2, "protect": [1, 3], "persons": 3,
            "comment": "Mehr Licht am Bahnhof"}


def url(survey: Survey) -> str:
    return reverse("responses:entry", args=[survey.project.pk])


def key(client: Client, survey: Survey, **changes: str) -> Any:
    return client.post(url(survey), {**FORM, **changes})


def nothing_saved() -> bool:
    return not Response.objects.exists() and not PaperEntry.objects.exists()


@pytest.fixture
def single(world: World) -> Survey:
    return build_survey(world, double_entry=False)


def test_without_double_entry_one_keying_records_the_response(world: World, login: Any, single: Survey) -> None:
    client = login(world.pirna_coordinator)
    page = client.get(url(single))
    assert page.status_code == 200
    assert 'id="id_i_life"' in page.content.decode()
    assert key(client, single)["Location"] == url(single)
    response = Response.objects.get()
    member = SampleMember.objects.get(pk=single.members[0].pk)
    assert (response.channel, response.status, response.answers) == (
        Response.Channel.PAPER, Response.Status.SUBMITTED, EXPECTED)
    assert response.entered_by == world.pirna_coordinator
    assert member.status == SampleMember.Status.POST and member.answered_at is not None
    assert "Die Antwort ist gespeichert" in client.get(url(single)).content.decode()


@pytest.mark.parametrize(("changes", "message"), [
    ({"i_life": "6"}, "Frage 1: Code 6 ist keine Antwortmöglichkeit (erlaubt: 1\u20135, 9)"),
    ({"i_safe_night": "7"}, "Frage 2: Code 7 ist keine Antwortmöglichkeit"),
    ({"i_victim": "1 2"}, "Frage 3: Hier ist nur ein Code erlaubt"),
    ({"i_protect": "1 x"}, "Frage 4: „x“ ist keine Zahl"),
    ({"i_protect": "5"}, "Frage 4: Code 5 ist keine Antwortmöglichkeit"),
    ({"i_persons": "21"}, "Frage 5: 21 liegt außerhalb des erlaubten Bereichs (erlaubt: 1\u201320)"),
    ({"i_victim": "2"}, "Frage 3a muss leer bleiben"),  # "reported" is keyed though the filter skips it
    ({"i_enforce_help": "3", "i_victim": "2", "i_reported": ""}, "Frage 4a muss leer bleiben"),
    ({"i_comment": "x" * 2001}, "Frage 6: Die Antwort ist länger als 2000 Zeichen"),
    ({"number": "99"}, "In der Stichprobe gibt es kein Anschreiben mit dieser Nummer"),
])
def test_bad_codes_are_refused_naming_the_question_and_nothing_is_saved(
        world: World, login: Any, single: Survey, changes: dict[str, str], message: str) -> None:
    client = login(world.analyst)
    response = key(client, single, **changes)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "Es wurde nichts gespeichert" in body
    assert nothing_saved()
    assert SampleMember.objects.get(pk=single.members[0].pk).status == SampleMember.Status.SENT


def test_a_member_who_answered_online_or_by_post_is_refused(world: World, login: Any, single: Survey) -> None:
    client = login(world.pirna_coordinator)
    ResponseFactory.create(member=single.members[0], questionnaire=single.questionnaire)
    assert "hat bereits online geantwortet" in key(client, single).content.decode()
    ResponseFactory.create(member=single.members[1], questionnaire=single.questionnaire, channel=Response.Channel.PAPER)
    assert "hat bereits per Post geantwortet" in key(client, single, number="2").content.decode()
    assert Response.objects.count() == 2


def test_a_paper_form_replaces_unsubmitted_online_answers(world: World, login: Any, single: Survey) -> None:
    client = login(world.pirna_coordinator)
    ResponseFactory.create(member=single.members[0], questionnaire=single.questionnaire,
                           status=Response.Status.IN_PROGRESS,
                           answers={"life": 5})
    key(client, single)
    response = Response.objects.get(member=single.members[0])
    assert (response.channel, response.answers) == (Response.Channel.PAPER, EXPECTED)


@pytest.mark.parametrize("status", [SurveyProject.Status.PREPARATION, SurveyProject.Status.SAMPLING,
                                    SurveyProject.Status.REPORTED])
def test_projects_not_in_field_or_analysis_take_no_paper_forms(world: World, login: Any, status: str) -> None:
    survey = build_survey(world, double_entry=False, status=status)
    client = login(world.pirna_coordinator)
    assert "nur erfasst werden, solange" in key(client, survey).content.decode()
    assert nothing_saved()


def test_late_returns_are_entered_in_analysis(world: World, login: Any) -> None:
    survey = build_survey(world, double_entry=False, status=SurveyProject.Status.ANALYSIS)
    key(login(world.pirna_coordinator), survey)
    assert Response.objects.get().channel == Response.Channel.PAPER


def test_double_entry_equal_keyings_record_the_response(world: World, login: Any, survey: Survey,
                                                        client: Client) -> None:
    client.force_login(world.pirna_coordinator)
    assert key(client, survey).status_code == 302
    assert PaperEntry.objects.get().pass_number == 1
    assert not Response.objects.exists()
    assert SampleMember.objects.get(pk=survey.members[0].pk).status == SampleMember.Status.SENT
    # The same person cannot do the second keying.
    second_by_same = key(client, survey)
    assert "muss eine andere Person vornehmen" in second_by_same.content.decode()
    assert PaperEntry.objects.count() == 1
    # Another person keys the same form (spelled differently: spaces, order) -> equal -> recorded.
    other = Client()
    other.force_login(world.analyst)
    assert key(other, survey, i_protect="3 1")["Location"] == url(survey)
    response = Response.objects.get()
    assert (response.answers, response.entered_by) == (EXPECTED, world.analyst)
    assert SampleMember.objects.get(pk=survey.members[0].pk).status == SampleMember.Status.POST
    assert PaperEntry.objects.count() == 2


def test_double_entry_differences_are_decided_by_the_second_person(world: World, survey: Survey) -> None:
    first, second = Client(), Client()
    first.force_login(world.pirna_coordinator)
    second.force_login(world.analyst)
    key(first, survey)
    differs = key(second, survey, i_life="3", i_persons="")
    compare = reverse("responses:compare", args=[survey.project.pk, 1])
    assert differs["Location"] == compare
    assert not Response.objects.exists()
    page = second.get(compare).content.decode()
    assert "Frage 1" in page and "Frage 5" in page and "Frage 2:" not in page  # persons is question 5
    # Keying the form a third time is refused until the differences are decided.
    assert "zuerst die Abweichungen ab" in key(second, survey).content.decode()
    # The first person sees the differences but cannot decide them.
    assert "Antwort übernehmen" not in first.get(compare).content.decode()
    refused = first.post(compare, {"life": "1", "persons": "1"})
    assert refused.status_code == 400
    assert "entscheidet nur die Person" in refused.content.decode()
    assert not Response.objects.exists()
    # Undecided items are refused; then the second person decides: life from the first, persons from the second.
    assert second.post(compare, {"life": "1"}).status_code == 400
    assert not Response.objects.exists()
    assert second.post(compare, {"life": "1", "persons": "2"})["Location"] == url(survey)
    response = Response.objects.get()
    expected = {**EXPECTED, "life": 2}
    expected.pop("persons")
    assert response.answers == expected
    event = AuditEvent.objects.get(summary__startswith="differences decided")
    assert event.actor == world.analyst
    assert "life: 1" in event.summary and "persons: 2" in event.summary
    assert "Mehr Licht" not in event.summary


def test_service_refuses_resolution_by_anyone_but_the_second_person(world: World, survey: Survey) -> None:
    from django.core.exceptions import ValidationError

    from kommunalschutz.surveys.responses import paper

    member = survey.members[0]
    paper.enter_paper(actor=world.pirna_coordinator, project=survey.project, number=1, answers={"life": 1})
    result = paper.enter_paper(actor=world.analyst, project=survey.project, number=1, answers={"life": 2})
    assert (result.outcome, result.differences) == ("differs", ["life"])
    with pytest.raises(ValidationError):
        paper.resolve_paper(actor=world.pirna_coordinator, project=survey.project, member=member,
                               choices={"life": 1})
    assert not Response.objects.exists()


@pytest.mark.parametrize("persona", ["coordinator", "outsider", "plauen_coordinator", "dresden_police",
                                     "pirna_official", "auditor", "administrator"])
def test_others_get_404_and_enter_nothing(world: World, login: Any, single: Survey, persona: str) -> None:
    client = login(world.people[persona])
    assert client.get(url(single)).status_code == 404
    assert key(client, single).status_code == 404
    compare = reverse("responses:compare", args=[single.project.pk, 1])
    assert client.get(compare).status_code == 404
    assert nothing_saved()


def test_analysts_of_another_contractor_get_404(world: World, login: Any, single: Survey) -> None:
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    other_org = OrganisationFactory.create(kind=world.analysis_contractor.kind, name="Anderes Institut")
    stranger = UserFactory.create(username="other_analyst")
    MembershipFactory.create(user=stranger, organisation=other_org, role="analyst")
    assert login(stranger).get(url(single)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client: Client, single: Survey) -> None:
    response = client.get(url(single))
    assert response.status_code == 302 and "/konto/" in response["Location"]
