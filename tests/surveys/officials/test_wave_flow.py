"""A wave from the frame to the results, through the services (the pages have their own tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.surveys.officials import answering, frame, results, services, synthetic
from kommunalschutz.surveys.officials.models import FrameEntry, OfficialRole, OpenLink, Response, SizeClass, Wave
from tests.surveys.officials.conftest import WAVE_DATA, People

pytestmark = pytest.mark.django_db


def test_registry_frame_has_every_head_addressed_to_the_office(wave: Wave, people: People,
                                                               registry: list[Municipality]) -> None:
    count = services.add_registry_frame(actor=people.coordinator, wave=wave)
    assert count == len(registry) + 3  # the mayors and the three district administrators
    roles = dict(wave.frame.filter(municipality__name="Adorf").values_list("municipality__name", "role"))
    assert roles == {"Adorf": OfficialRole.MAYOR_HONORARY}  # 800 inhabitants: honorary (SächsGemO § 51)
    assert wave.frame.get(municipality__name="Jedorf").role == OfficialRole.MAYOR_FULL_TIME
    assert wave.frame.get(municipality__name="Jedorf").size_class == SizeClass.LARGE
    assert wave.frame.filter(role=OfficialRole.DISTRICT_ADMINISTRATOR, size_class=SizeClass.DISTRICT).count() == 3
    assert wave.frame.get(municipality__name="Adorf").address["name"] == "Bürgermeister, Adorf"
    with pytest.raises(ValidationError, match="bereits"):
        services.add_registry_frame(actor=people.coordinator, wave=wave)


def test_a_wave_runs_from_the_frame_to_the_results(field_wave: Wave, people: People) -> None:
    assert field_wave.status == Wave.Status.FIELD
    assert not field_wave.frame.filter(code_digest__isnull=True).exists()  # every envelope sealed
    assert all(len(entry.code) == 14 for entry in field_wave.frame.all())
    answered = synthetic.answer_wave(field_wave, seed=7)
    assert answered == Response.objects.filter(wave=field_wave).count() > 0
    assert field_wave.frame.filter(used=True).count() + OpenLink.objects.get(wave=field_wave).responses == answered
    services.close_wave(actor=people.coordinator, wave=field_wave)
    field_wave.refresh_from_db()
    assert field_wave.status == Wave.Status.CLOSED
    assert all(entry.code == "" for entry in field_wave.frame.all())
    assert not field_wave.frame.filter(code_digest__isnull=False).exists()
    assert all(entry.address == {} for entry in field_wave.frame.filter(source=FrameEntry.Source.UPLOAD))
    computed = results.compute(field_wave)
    assert computed.respondents == answered
    overall = computed.overall
    assert overall.estimate is not None and overall.lower is not None and overall.upper is not None
    assert 0 < overall.lower < overall.estimate < overall.upper < 1
    # Every group with fewer than five answers is suppressed; every shown one has at least five.
    for shares in computed.breakdowns.values():
        for share in shares:
            assert share.suppressed == (share.n < 5)
    next_wave = services.schedule_next_wave(actor=people.coordinator, wave=field_wave)
    assert (next_wave.reference_start, next_wave.reference_end) == (dt.date(2023, 11, 1), dt.date(2024, 4, 30))
    assert next_wave.contractor == field_wave.contractor


def test_a_code_answers_once_and_the_answer_keeps_nothing_of_it(field_wave: Wave) -> None:
    entry = field_wave.frame.filter(source=FrameEntry.Source.REGISTRY)[0]
    code = entry.code
    answers = synthetic.answers_for(entry.role, __import__("random").Random(1))
    response = answering.submit_with_code(code=code.lower().replace("-", " "), answers=answers)
    entry.refresh_from_db()
    assert entry.used
    assert response.role == entry.role and response.district_id == entry.district_id
    with pytest.raises(ValidationError) as refused:
        answering.submit_with_code(code=code, answers=answers)
    assert refused.value.messages == [answering.generic_refusal()]
    assert Response.objects.filter(wave=field_wave).count() == 1
    event = AuditEvent.objects.filter(object_type="officials.response").get()
    assert event.object_id == str(field_wave.pk)  # the wave, not the answer or the entry
    assert code not in str(event.changes) and str(entry.pk) not in event.summary


@pytest.mark.parametrize("answers, field", [
    ({"exp_verbal": 7}, "exp_verbal"),
    ({"exp_verbal": 1, "exp_count": 0}, "exp_count"),
    ({"exp_verbal": 1, "exp_count": 2, "reported_police": 1, "reported_count": 3}, "reported_count"),
    ({"unknown": 1}, "__all__"),
])
def test_bad_answers_are_refused_in_german_and_nothing_is_written(field_wave: Wave, answers: dict[str, Any],
                                                                  field: str) -> None:
    entry = field_wave.frame.all()[0]
    with pytest.raises(ValidationError) as refused:
        answering.submit_with_code(code=entry.code, answers=answers)
    assert field in refused.value.message_dict
    entry.refresh_from_db()
    assert not entry.used
    assert not Response.objects.exists()


def test_answers_the_filters_skip_are_dropped_as_online(field_wave: Wave) -> None:
    entry = field_wave.frame.all()[0]
    response = answering.submit_with_code(code=entry.code, answers={
        "exp_verbal": 1, "exp_count": 2, "reported_police": 3, "reported_count": 2})
    assert "reported_count" not in response.answers


def test_follow_ups_of_someone_not_affected_are_dropped(field_wave: Wave) -> None:
    entry = field_wave.frame.all()[0]
    response = answering.submit_with_code(code=entry.code, answers={
        **dict.fromkeys(("exp_verbal", "exp_threat", "exp_physical", "exp_online", "exp_property", "exp_family"), 2),
        "cons_strain": 1, "last_kind": 3, "gender": 1})
    assert "cons_strain" not in response.answers and "last_kind" not in response.answers
    assert response.gender == "w"


def test_an_open_link_takes_as_many_answers_as_persons_addressed(field_wave: Wave, people: People,
                                                               registry: list[Municipality]) -> None:
    link, token = services.create_open_link(actor=people.coordinator, wave=field_wave, municipality=registry[1],
                                            role=OfficialRole.COUNCIL_MEMBER, addressed=2)
    for _ in range(2):
        answering.submit_with_link(token=token, answers={"exp_verbal": 2})
    with pytest.raises(ValidationError, match="so viele Antworten"):
        answering.submit_with_link(token=token, answers={"exp_verbal": 2})
    link.refresh_from_db()
    assert link.responses == 2
    response = Response.objects.filter(channel=Response.Channel.OPEN_LINK)[0]
    assert response.size_class == SizeClass.UNDER_2000 and response.role == OfficialRole.COUNCIL_MEMBER
    services.revoke_open_link(actor=people.coordinator, link=link)
    with pytest.raises(ValidationError):
        answering.submit_with_link(token=token, answers={"exp_verbal": 2})


@pytest.mark.parametrize("change, field", [
    ({"title": " "}, "title"),
    ({"reference_end": dt.date(2023, 4, 1)}, "reference_end"),
    ({"reference_end": dt.date(2024, 12, 31)}, "reference_end"),
    ({"field_end": dt.date(2023, 10, 1)}, "field_end"),
    ({"cadence": "weekly"}, "cadence"),
    ({"reference_start": "2023-05-01"}, "reference_start"),
])
def test_a_bad_wave_is_refused_with_a_german_message(people: People, change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_wave(actor=people.coordinator, data={**WAVE_DATA, **change})
    assert field in refused.value.message_dict
    assert not Wave.objects.exists()


def test_a_list_is_imported_all_or_nothing(wave: Wave, people: People,
                                                               registry: list[Municipality]) -> None:
    good = "Name;Rolle;Straße;PLZ;Ort\nErika Muster;Gemeinderätin;Markt 2;01234;Adorf\n"
    bad = good + "Max Muster;Bürgermeister;Markt 3;01234;Adorf\nOhne Adresse;Mitarbeiter;;;\n"
    with pytest.raises(ValidationError) as refused:
        frame.import_list(actor=people.municipal, wave=wave, municipality=registry[0], data=bad.encode(),
                          file_name="liste.csv")
    messages = refused.value.message_dict["file"]
    assert any("Zeile 3" in m and "Rolle" in m for m in messages)
    assert any("Zeile 4" in m and "Anschrift" in m for m in messages)
    assert not wave.frame.exists() and not wave.uploads.exists()
    upload = frame.import_list(actor=people.municipal, wave=wave, municipality=registry[0],
                               data=good.encode("cp1252"), file_name="liste.csv")
    entry = wave.frame.get()
    assert (entry.role, entry.upload, entry.address["name"]) == (OfficialRole.COUNCIL_MEMBER, upload, "Erika Muster")
    with pytest.raises(ValidationError):
        frame.import_list(actor=people.municipal, wave=wave, municipality=registry[0], data=b"Name;Ort\n",
                          file_name="x.csv")


def test_the_frame_is_fixed_once_the_field_period_begins(field_wave: Wave, people: People,
                                                         registry: list[Municipality]) -> None:
    with pytest.raises(ValidationError):
        frame.import_list(actor=people.coordinator, wave=field_wave, municipality=registry[2],
                          data=synthetic.council_list("Cedorf", 3, seed=2), file_name="rat.csv")
    with pytest.raises(ValidationError):
        services.open_field(actor=people.coordinator, wave=field_wave)
    head = field_wave.frame.filter(role=OfficialRole.MAYOR_HONORARY).all()[0]
    with pytest.raises(ValidationError, match="Feldphase"):
        services.change_role(actor=people.coordinator, entry=head, role=OfficialRole.MAYOR_FULL_TIME)


def test_waves_follow_their_schedule(wave: Wave) -> None:
    assert services.plan_due_waves(dt.date(2023, 10, 31)) == []
    planned = services.plan_due_waves(dt.date(2024, 6, 1))
    assert [(w.reference_start, w.reference_end) for w in planned] == [
        (dt.date(2023, 11, 1), dt.date(2024, 4, 30)), (dt.date(2024, 5, 1), dt.date(2024, 10, 31))]
    assert all(w.status == Wave.Status.PREPARATION and w.contractor == wave.contractor for w in planned)
    assert services.plan_due_waves(dt.date(2024, 6, 1)) == []
    assert AuditEvent.objects.filter(object_type="officials.wave", actor=None, action="create").count() == 2
