"""The public online questionnaire: code lookup and its refusals, save and resume, skip logic, submit once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.responses.models import Response
from kommunalschutz.surveys.responses.views import MEMBER_KEY
from kommunalschutz.surveys.sampling.models import SampleMember
from tests.survey_factories import ResponseFactory
from tests.surveys.responses.conftest import Survey, build_questionnaire

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttle")]

START = reverse("responses:start")
REFUSAL = "mit diesem zugangscode wurde bereits geantwortet"


def enter_code(client: Client, code: str, **extra: Any) -> Any:
    return client.post(START, {"code": code}, **extra)


def page(number: int) -> str:
    return reverse("responses:page", args=[number])


def test_letter_link_prefills_the_code(client: Client, survey: Survey) -> None:
    code = survey.members[0].access_code
    response = client.get(START, {"code": code})
    assert response.status_code == 200
    assert f'value="{code}"' in response.content.decode()
    assert MEMBER_KEY not in client.session  # a link alone does not open the questionnaire
    # Switching to English keeps the code of the letter's link.
    english = client.get(START, {"code": code, "sprache": "en"}).content.decode()
    assert "Access code" in english and f'value="{code}"' in english


def test_correct_code_in_any_spelling_opens_the_first_page_and_keeps_only_the_member_id(
        client: Client, survey: Survey) -> None:
    member = survey.members[0]
    typed = member.access_code.replace("-", " ").lower()
    response = enter_code(client, typed)
    assert response.status_code == 302
    assert client.session[MEMBER_KEY] == member.pk
    assert member.access_code not in str(dict(client.session.items()))
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == page(1)
    assert "Wie gern leben Sie in Ihrer Gemeinde?" in response.content.decode()


@pytest.mark.parametrize("case", ["unknown", "malformed", "deleted", "not_in_field", "period_over", "submitted",
                                  "not_frozen"])
def test_refused_codes_get_one_generic_message(client: Client, survey: Survey, case: str) -> None:
    member = survey.members[0]
    code = member.access_code
    if case == "unknown":
        code = "2345-6789-ABCD"
    elif case == "malformed":
        code = "hello"
    elif case == "deleted":
        survey.sample.addresses_deleted_at = timezone.now()
        survey.sample.save()
    elif case == "not_in_field":
        SurveyProject.objects.filter(pk=survey.project.pk).update(status=SurveyProject.Status.ANALYSIS)
    elif case == "period_over":
        SurveyProject.objects.filter(pk=survey.project.pk).update(
            field_end=timezone.localdate() - dt.timedelta(days=1))
    elif case == "submitted":
        ResponseFactory.create(member=member, questionnaire=survey.questionnaire)
    elif case == "not_frozen":
        survey.project.questionnaires.update(frozen_at=None)
    response = enter_code(client, code)
    assert response.status_code == 400
    text = response.content.decode()
    assert REFUSAL in text.lower()
    assert MEMBER_KEY not in client.session
    assert not Response.objects.filter(status=Response.Status.IN_PROGRESS).exists()


def test_undeliverable_member_may_answer_and_is_marked_answered(client: Client, survey: Survey) -> None:
    member = survey.members[0]
    SampleMember.objects.filter(pk=member.pk).update(status=SampleMember.Status.UNDELIVERABLE)
    assert enter_code(client, member.access_code).status_code == 302
    client.post(page(1), {"life": "2"})
    client.post(page(2), {"safe_night": "3"})
    assert client.post(reverse("responses:submit"), {"action": "submit"}).status_code == 302
    member.refresh_from_db()
    assert member.status == SampleMember.Status.ONLINE


def test_code_attempts_are_throttled_per_address_without_storing_it(client: Client, survey: Survey,
                                                                    settings: Any) -> None:
    settings.SURVEY_CODE_ATTEMPTS = 3
    for _ in range(3):
        assert enter_code(client, "2345-6789-ABCD").status_code == 400
    # Now even the right code is turned away from this address ...
    response = enter_code(client, survey.members[0].access_code)
    assert response.status_code == 429
    assert "Zu viele Versuche" in response.content.decode()
    assert MEMBER_KEY not in client.session
    # ... but not from another one.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert enter_code(other, survey.members[0].access_code).status_code == 302
    assert not AuditEvent.objects.filter(summary__contains="127.0.0.1").exists()


def test_every_next_saves_and_the_code_resumes_on_the_first_unanswered_page(client: Client, survey: Survey) -> None:
    member = survey.members[1]
    enter_code(client, member.access_code)
    assert client.post(page(1), {"life": "1"})["Location"] == page(2)
    assert client.post(page(2), {"safe_night": "8"})["Location"] == page(3)
    saved = Response.objects.get(member=member)
    assert (saved.status, saved.channel, saved.answers) == (
        Response.Status.IN_PROGRESS, Response.Channel.ONLINE, {"life": 1, "safe_night": 8})
    member.refresh_from_db()
    assert member.status == SampleMember.Status.SENT  # not answered until submitted

    # Another device, later: the same code resumes on page 3.
    other = Client()
    response = enter_code(other, member.access_code)
    assert other.get(response["Location"])["Location"] == page(3)
    # Back keeps what was typed on the page.
    assert other.post(page(3), {"victim": "2", "action": "back"})["Location"] == page(2)
    assert Response.objects.get(member=member).answers["victim"] == 2


def test_skip_logic_hides_questions_and_drops_their_answers(client: Client, survey: Survey) -> None:
    member = survey.members[2]
    enter_code(client, member.access_code)
    client.post(page(1), {"life": "1"})
    client.post(page(2), {"safe_night": "2"})
    # Victim: yes -> "reported" counts and the enforcement page appears.
    client.post(page(3), {"victim": "1", "reported": "2"})
    body = client.get(page(5)).content.decode()
    assert "Gemeindevollzugsdienst" in body
    client.post(page(5), {"enforce_help": "4"})
    assert Response.objects.get(member=member).answers["enforce_help"] == 4
    # Changing to "no" drops "reported" (same page) and the enforcement answer (a later page), and
    # the enforcement page is no longer shown.
    client.post(page(3), {"victim": "2", "reported": "1"})
    answers = Response.objects.get(member=member).answers
    assert "reported" not in answers and "enforce_help" not in answers
    assert "Gemeindevollzugsdienst" not in client.get(page(5)).content.decode()
    assert "Personen leben in Ihrem Haushalt" in client.get(page(5)).content.decode()


def test_out_of_range_answers_are_refused_and_nothing_is_saved(client: Client, survey: Survey) -> None:
    member = survey.members[3]
    enter_code(client, member.access_code)
    for number in (1, 2, 3, 4):
        client.post(page(number), {})
    assert client.post(page(5), {"persons": "0", "comment": "x" * 2001}).status_code == 400
    assert client.post(page(1), {"life": "8"}).status_code == 400  # "don't use" is not allowed there
    answers = Response.objects.get(member=member).answers
    assert answers == {}


def test_submit_once_requires_the_required_questions_and_uses_up_the_code(client: Client, survey: Survey) -> None:
    member = survey.members[4]
    enter_code(client, member.access_code)
    client.post(page(1), {"life": "1"})
    response = client.post(reverse("responses:submit"), {"action": "submit"})
    assert response.status_code == 400
    assert "Frage 2" in response.content.decode()  # the required question, with a link to its page
    assert f'href="{page(2)}"' in response.content.decode()
    client.post(page(2), {"safe_night": "9"})
    assert client.post(reverse("responses:submit"), {"action": "submit"})["Location"] == reverse("responses:done")
    saved = Response.objects.get(member=member)
    member.refresh_from_db()
    assert saved.status == Response.Status.SUBMITTED and saved.submitted_at is not None
    assert member.status == SampleMember.Status.ONLINE and member.answered_at is not None
    assert client.get(reverse("responses:done")).status_code == 200
    # The session is closed; the code is used up; a second submission changes nothing.
    assert client.get(page(1))["Location"] == START
    assert client.post(reverse("responses:submit"), {"action": "submit"})["Location"] == reverse("responses:done")
    assert REFUSAL in enter_code(Client(), member.access_code).content.decode().lower()
    assert Response.objects.filter(member=member).count() == 1


def test_english_switch_shows_the_english_texts_and_is_recorded(client: Client, survey: Survey) -> None:
    member = survey.members[0]
    enter_code(client, member.access_code)
    body = client.get(page(2), {"sprache": "en"}).content.decode()
    assert "How safe do you feel walking alone" in body
    assert "Don&#x27;t know" in body or "Don't know" in body
    assert 'lang="en"' in body
    client.post(page(2), {"safe_night": "1"})
    assert Response.objects.get(member=member).language == "en"
    assert "nachts allein" in client.get(page(2), {"sprache": "de"}).content.decode()


def test_resume_uses_the_questionnaire_started_with(client: Client, survey: Survey) -> None:
    member = survey.members[0]
    enter_code(client, member.access_code)
    client.post(page(1), {"life": "3"})
    build_questionnaire(survey.project, version=2)  # a newer version is frozen meanwhile
    client.post(page(2), {"safe_night": "3"})
    assert Response.objects.get(member=member).questionnaire_id == survey.questionnaire.pk
