"""Surveys: one sample per project (its access codes unique), and one answer per access code, however many
submissions of one code arrive at the same moment (online pages, online submit, paper keyings)."""

from __future__ import annotations

import pytest

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.projects import builder
from kommunalschutz.surveys.responses import online, paper, recording
from kommunalschutz.surveys.responses.models import PaperEntry, Response
from kommunalschutz.surveys.sampling import draw
from kommunalschutz.surveys.sampling.models import Sample, SampleMember
from kommunalschutz.surveys.sampling.register import import_register
from tests.concurrency.conftest import errors, refusals, results, run_together, successes
from tests.conftest import World
from tests.factories import UserFactory
from tests.survey_factories import SurveyProjectFactory
from tests.surveys.responses.conftest import build_survey
from tests.surveys.sampling.conftest import person_rows, register_file

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_sample_per_survey_however_many_draws(world: World) -> None:
    project = SurveyProjectFactory.create(municipality=world.pirna, contractor=world.analysis_contractor)
    import_register(actor=world.analyst, project=project, data=register_file(person_rows(120)), file_name="a.csv")

    outcomes = run_together(lambda i: draw.draw_sample(actor=world.analyst, project=project, method="simple",
                                                       size=40, seed=i))

    assert len(successes(outcomes)) == 1
    refused = refusals(outcomes)
    assert len(refused) == 7 and all("bereits gezogen" in message for message in refused), refused
    assert Sample.objects.filter(project=project).count() == 1
    members = SampleMember.objects.filter(sample__project=project)
    assert members.count() == 40
    assert len(set(members.values_list("code_digest", flat=True))) == 40
    assert sorted(members.values_list("number", flat=True)) == list(range(1, 41))


def test_pages_saved_at_once_with_one_code_start_one_response(world: World) -> None:
    survey = build_survey(world)
    member, life = survey.members[0], survey.items["life"]

    results(run_together(lambda i: online.save_online_page(member=member, page_items=[life],
                                                           page_answers={"life": 1 + i % 4}, language="de")))

    assert Response.objects.filter(member=member).count() == 1


def test_one_online_submission_per_access_code(world: World) -> None:
    survey = build_survey(world)
    member = survey.members[1]
    online.save_online_page(member=member, page_items=[survey.items["life"], survey.items["safe_night"]],
                            page_answers={"life": 1, "safe_night": 2}, language="de")

    outcomes = run_together(lambda _i: online.submit_online(member=member, language="de"))

    assert len(successes(outcomes)) == 1
    refused = refusals(outcomes)
    assert len(refused) == 7 and all(message == online.generic_refusal() for message in refused), refused
    assert Response.objects.filter(member=member, status=Response.Status.SUBMITTED).count() == 1
    assert AuditEvent.objects.filter(summary="submitted online").count() == 1


def test_one_recorded_response_per_member(world: World) -> None:
    survey = build_survey(world, double_entry=False)
    member = survey.members[2]

    outcomes = run_together(lambda i: recording.record_response(
        actor=world.analyst, member=member, answers={"life": 1 + i % 4, "safe_night": 2}, channel="paper"))

    assert len(successes(outcomes)) == 1
    refused = refusals(outcomes)
    assert len(refused) == 7 and all("hat bereits" in message for message in refused), refused
    assert Response.objects.filter(member=member).count() == 1


def test_a_paper_form_is_keyed_twice_and_entered_once(world: World) -> None:
    survey = build_survey(world, double_entry=True)
    number = survey.members[3].number
    typists = [UserFactory.create(username=f"typist-{i}") for i in range(8)]

    outcomes = run_together(lambda i: paper.enter_paper(actor=typists[i], project=survey.project, number=number,
                                                        answers={"life": 1, "safe_night": 2}))

    kinds = sorted(result.outcome for result in successes(outcomes))
    assert kinds == ["created", "first_pass"], kinds
    assert len(errors(outcomes)) == 6 and refusals(outcomes, "number")
    assert sorted(PaperEntry.objects.filter(member__number=number, member__sample=survey.sample)
                  .values_list("pass_number", flat=True)) == [1, 2]
    assert Response.objects.filter(member__number=number, member__sample=survey.sample).count() == 1


def test_questionnaire_versions_copied_at_once_are_numbered_in_sequence(world: World) -> None:
    survey = build_survey(world)

    copies = results(run_together(lambda _i: builder.new_version(actor=world.analyst,
                                                                 questionnaire=survey.questionnaire)))

    assert sorted(copy.version for copy in copies) == list(range(2, 10))
