"""Drawing the sample (reproducible from its seed), letters, reminders, tracking and deleting personal data."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from pypdf import PdfReader

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.sampling import draw, letters, minimisation, register, selectors
from kommunalschutz.surveys.sampling.models import PopulationCell, RegisterExtract, Sample, SampleMember
from tests.conftest import World
from tests.surveys.sampling.conftest import person_rows, register_file

pytestmark = pytest.mark.django_db
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082")


def _people(sample: Sample) -> list[tuple[str, str, str]]:
    return sorted(sample.members.values_list("family_name", "given_names", "street"))


def test_same_seed_and_extract_draw_the_same_persons(world: World, project: SurveyProject, imported: Any) -> None:
    first = draw.draw_sample(actor=world.analyst, project=project, method="stratified", size=50, seed=4711)
    persons = _people(first)
    numbers = sorted(first.members.values_list("street", "number"))
    Sample.objects.all().delete()
    again = draw.draw_sample(actor=world.analyst, project=project, method="stratified", size=50, seed=4711)
    assert _people(again) == persons
    assert sorted(again.members.values_list("street", "number")) == numbers
    Sample.objects.all().delete()
    other = draw.draw_sample(actor=world.analyst, project=project, method="stratified", size=50, seed=4712)
    assert _people(other) != persons


def test_simple_random_sample_has_weights_n_over_n(world: World, project: SurveyProject, imported: Any) -> None:
    sample = draw.draw_sample(actor=world.analyst, project=project, method="simple", size=40, seed=1)
    assert sample.population_size == imported.rows_in_frame
    weights = set(sample.members.values_list("design_weight", flat=True))
    assert weights == {imported.rows_in_frame / 40}
    assert sorted(sample.members.values_list("number", flat=True)) == list(range(1, 41))
    assert len(set(sample.members.values_list("code_digest", flat=True))) == 40


def test_stratified_allocation_sums_up_and_weights_are_nh_over_nh(world: World, project: SurveyProject,
                                                                  imported: Any) -> None:
    sample = draw.draw_sample(actor=world.analyst, project=project, method="stratified", size=120, seed=9)
    assert sample.members.count() == 120
    cells = {(c.locality, c.age_group, c.sex): c.count for c in PopulationCell.objects.filter(project=project)}
    drawn: dict[tuple[str, str, str], int] = {}
    for member in sample.members.all():
        key = (member.locality, member.age_group, member.sex)
        drawn[key] = drawn.get(key, 0) + 1
    for key, n_h in drawn.items():
        weights = set(sample.members.filter(locality=key[0], age_group=key[1], sex=key[2]).values_list(
            "design_weight", flat=True))
        assert list(weights) == [pytest.approx(cells[key] / n_h)]
    # size allows one per stratum: every stratum is in the sample, and the weights add up to the frame
    assert set(drawn) == set(cells)
    assert sum(sample.members.values_list("design_weight", flat=True)) == pytest.approx(sample.population_size)


def test_allocation_largest_remainder_and_at_least_one() -> None:
    assert draw.allocate([50, 30, 20], 10) == [5, 3, 2]
    assert draw.allocate([55, 30, 15], 10) == [6, 3, 1]  # 5.5, 3.0, 1.5: remainders tie, first wins
    assert sum(draw.allocate([1000, 3, 1], 10)) == 10
    assert draw.allocate([1000, 3, 1], 10)[1:] == [1, 1]
    assert draw.allocate([1000, 3, 1], 2) == [2, 0, 0]  # too small for one per stratum: proportional


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"method": "simple", "size": 0}, "size"),
    ({"method": "simple", "size": 100_000}, "size"),
    ({"method": "cluster", "size": 5}, "method"),
    ({"method": "simple", "size": 5, "seed": -1}, "seed"),
])
def test_bad_draws_are_refused(world: World, project: SurveyProject, imported: Any, kwargs: dict[str, Any],
                              field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        draw.draw_sample(actor=world.analyst, project=project, **kwargs)
    assert field in caught.value.message_dict
    assert not Sample.objects.exists()


def test_no_draw_without_extract_and_no_second_draw(world: World, project: SurveyProject) -> None:
    with pytest.raises(ValidationError):
        draw.draw_sample(actor=world.analyst, project=project, method="simple", size=5)
    register.import_register(actor=world.analyst, project=project, data=register_file(person_rows(30)),
                             file_name="a.csv")
    sample = draw.draw_sample(actor=world.analyst, project=project, method="simple", size=5)
    assert 0 <= sample.seed < 2**63
    with pytest.raises(ValidationError):
        draw.draw_sample(actor=world.analyst, project=project, method="simple", size=5)
    with pytest.raises(ValidationError):  # the frame is fixed once drawn
        register.import_register(actor=world.analyst, project=project, data=register_file(person_rows(30)),
                                 file_name="b.csv")
    assert Sample.objects.count() == 1


def test_letters_pdf_marks_members_sent_and_deletes_the_extract(world: World, project: SurveyProject,
                                                                imported: Any) -> None:
    project.crest, project.crest_type = PNG, "image/png"
    project.save()
    sample = draw.draw_sample(actor=world.analyst, project=project, method="stratified", size=5, seed=3)
    letters.send_letters(actor=world.analyst, project=project)
    pdf = letters.letters_pdf(project, site_url="https://ks.example")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 5
    text = "".join(page.extract_text() for page in reader.pages)
    for member in sample.members.all():
        assert member.access_code in text
        assert member.family_name in text
    assert "/umfrage/" in text
    sample.refresh_from_db()
    assert sample.letters_produced_at is not None
    assert set(sample.members.values_list("status", flat=True)) == {"sent"}
    imported.refresh_from_db()
    assert imported.status == RegisterExtract.Status.DELETED and imported.deleted_at is not None
    assert not imported.chunks.exists()
    assert PopulationCell.objects.filter(project=project).exists(), "the population cells stay"
    # printing again changes nothing; sending again is refused
    assert len(PdfReader(io.BytesIO(letters.letters_pdf(project, site_url="https://ks.example"))).pages) == 5
    with pytest.raises(ValidationError):
        letters.send_letters(actor=world.analyst, project=project)
    assert set(sample.members.values_list("status", flat=True)) == {"sent"}


def test_reminders_only_for_those_who_have_not_answered_at_most_twice(world: World, project: SurveyProject,
                                                                      imported: Any) -> None:
    sample = draw.draw_sample(actor=world.analyst, project=project, method="simple", size=6, seed=3)
    with pytest.raises(ValidationError):
        letters.send_reminders(actor=world.analyst, project=project)
    letters.send_letters(actor=world.analyst, project=project)
    sample.members.filter(number=1).update(status=SampleMember.Status.ONLINE)
    sample.members.filter(number=2).update(status=SampleMember.Status.POST)
    letters.mark_undeliverable(actor=world.analyst, project=project, number=3)
    for round_ in (1, 2):
        assert letters.send_reminders(actor=world.analyst, project=project) == 3
        pdf = letters.reminders_pdf(project, round_, site_url="https://ks.example")
        assert len(PdfReader(io.BytesIO(pdf)).pages) == 3
        assert set(sample.members.filter(number__gte=4).values_list("reminders_sent", flat=True)) == {round_}
    with pytest.raises(ValidationError):
        letters.send_reminders(actor=world.analyst, project=project)
    assert set(sample.members.filter(number__lte=3).values_list("reminders_sent", flat=True)) == {0}


def test_tracking_counts_and_response_rate(world: World, project: SurveyProject, imported: Any) -> None:
    sample = draw.draw_sample(actor=world.analyst, project=project, method="simple", size=10, seed=3)
    letters.send_letters(actor=world.analyst, project=project)
    sample.members.filter(number__in=[1, 2, 3]).update(status=SampleMember.Status.ONLINE)
    sample.members.filter(number=4).update(status=SampleMember.Status.POST)
    letters.mark_undeliverable(actor=world.analyst, project=project, number=5)
    letters.mark_undeliverable(actor=world.analyst, project=project, number=6)
    result = selectors.tracking(project)
    assert result["counts"] == {"drawn": 0, "sent": 4, "online": 3, "post": 1, "undeliverable": 2}
    assert result["response_rate"] == pytest.approx(4 / 8)
    assert sum(row["total"] for row in result["by_stratum"]) == 10
    assert sum(row["answered"] for row in result["by_stratum"]) == 4


def test_undeliverable_refusals(world: World, project: SurveyProject, imported: Any) -> None:
    sample = draw.draw_sample(actor=world.analyst, project=project, method="simple", size=3, seed=3)
    with pytest.raises(ValidationError):  # letters not produced yet
        letters.mark_undeliverable(actor=world.analyst, project=project, number=1)
    letters.send_letters(actor=world.analyst, project=project)
    sample.members.filter(number=1).update(status=SampleMember.Status.ONLINE)
    for number in (1, 99):
        with pytest.raises(ValidationError):
            letters.mark_undeliverable(actor=world.analyst, project=project, number=number)
    letters.mark_undeliverable(actor=world.analyst, project=project, number=2)
    with pytest.raises(ValidationError):
        letters.mark_undeliverable(actor=world.analyst, project=project, number=2)


def test_addresses_are_cleared_after_the_field_period(world: World, project: SurveyProject, imported: Any) -> None:
    sample = draw.draw_sample(actor=world.analyst, project=project, method="simple", size=4, seed=3)
    letters.send_letters(actor=world.analyst, project=project)
    with time_machine.travel(dt.datetime(2026, 4, 30, 12, tzinfo=dt.UTC)):
        call_command("delete_survey_addresses")
        sample.refresh_from_db()
        assert sample.addresses_deleted_at is None, "not before the field period ends"
    with time_machine.travel(dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)):
        call_command("delete_survey_addresses")
    sample.refresh_from_db()
    assert sample.addresses_deleted_at is not None
    for member in sample.members.all():
        assert (member.family_name, member.given_names, member.street, member.postcode, member.city,
                member.access_code) == ("", "", "", "", "", "")
        assert member.locality and member.design_weight > 0
    event = AuditEvent.objects.filter(object_type="sampling.sample", summary__contains="addresses").get()
    assert "addresses_deleted_at" in event.changed_fields and event.actor is None
    with pytest.raises(ValidationError):
        letters.letters_pdf(project)
    with pytest.raises(ValidationError):
        minimisation.delete_addresses(actor=world.analyst, project=project)


def test_deleting_the_extract_by_hand(world: World, project: SurveyProject, imported: Any) -> None:
    register.delete_extract(actor=world.analyst, extract=imported)
    imported.refresh_from_db()
    assert imported.status == "deleted" and not imported.chunks.exists()
    with pytest.raises(ValidationError):
        draw.draw_sample(actor=world.analyst, project=project, method="simple", size=3)
