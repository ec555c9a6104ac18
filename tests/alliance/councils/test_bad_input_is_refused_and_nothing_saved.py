"""Bad input (issue 3, item 10): a ValidationError naming the fields, and not a single row written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.alliance.councils import services
from kommunalschutz.alliance.councils.models import (
    CouncilDecision,
    CouncilMeeting,
    CouncilMember,
    CouncilProject,
    MeetingAttendance,
    PreventionCouncil,
    ProjectMilestone,
    WorkingGroup,
)
from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import World

MODELS = (PreventionCouncil, CouncilMember, CouncilMeeting, MeetingAttendance, CouncilDecision, WorkingGroup,
          CouncilProject, ProjectMilestone, AuditEvent)
TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@contextmanager
def nothing_saved() -> Iterator[None]:
    before = _counts()
    yield
    assert _counts() == before


def refused(call: Callable[[], Any], *fields: str) -> ValidationError:
    with nothing_saved(), pytest.raises(ValidationError) as caught:
        call()
    assert set(fields) <= set(caught.value.message_dict), caught.value.message_dict
    return caught.value


def test_meeting_without_a_council_is_refused(world: World) -> None:
    refused(lambda: services.schedule_meeting(actor=world.coordinator, council=None, title="Sitzung",
                                              held_on=dt.date(2022, 1, 1)), "council")


def test_council_for_both_or_neither_municipality_and_district_is_refused(world: World) -> None:
    refused(lambda: services.create_council(actor=world.coordinator, name="Rat", established_on=dt.date(2021, 1, 1),
                                            municipality=world.pirna, district=world.soe),
            "municipality", "district")
    refused(lambda: services.create_council(actor=world.coordinator, name="Rat", established_on=dt.date(2021, 1, 1)),
            "municipality", "district")


def test_established_in_the_future_is_refused(world: World) -> None:
    refused(lambda: services.create_council(actor=world.coordinator, name="Rat", established_on=TOMORROW,
                                            municipality=world.pirna), "established_on")


def test_second_running_council_for_the_same_municipality_is_refused(
    world: World, pirna_council: PreventionCouncil
) -> None:
    error = refused(lambda: services.create_council(
        actor=world.coordinator, name="Zweiter Rat", established_on=dt.date(2023, 1, 1), municipality=world.pirna),
        "municipality")
    assert "Kriminalpräventiver Rat Pirna" in error.message_dict["municipality"][0]


def test_a_council_may_follow_one_that_was_dissolved(world: World, pirna_council: PreventionCouncil) -> None:
    services.dissolve_council(actor=world.coordinator, council=pirna_council, dissolved_on=dt.date(2022, 6, 30))
    # Overlapping the old period is still refused …
    refused(lambda: services.create_council(
        actor=world.coordinator, name="Neu", established_on=dt.date(2022, 1, 1), municipality=world.pirna),
        "municipality")
    # … starting on the day of the dissolution is fine (reactivation).
    again = services.create_council(actor=world.coordinator, name="Neu", established_on=dt.date(2022, 6, 30),
                                    municipality=world.pirna, establishment="reactivated")
    assert again.establishment == "reactivated"


def test_dissolved_before_established_is_refused(world: World, pirna_council: PreventionCouncil) -> None:
    refused(lambda: services.dissolve_council(actor=world.coordinator, council=pirna_council,
                                              dissolved_on=dt.date(2019, 1, 1)), "dissolved_on")
    pirna_council.refresh_from_db()
    assert pirna_council.dissolved_on is None


def test_left_before_joined_is_refused(world: World, pirna_member: CouncilMember) -> None:
    refused(lambda: services.remove_member(actor=world.coordinator, member=pirna_member,
                                           left_on=dt.date(2020, 1, 1)), "left_on")
    pirna_member.refresh_from_db()
    assert pirna_member.left_on is None


def test_attendance_for_a_member_of_another_council_is_refused(
    world: World, pirna_meeting: CouncilMeeting, plauen_council: PreventionCouncil
) -> None:
    stranger = services.add_member(actor=world.coordinator, council=plauen_council, organisation_name="Stadt Plauen")
    refused(lambda: services.record_attendance(actor=world.coordinator, meeting=pirna_meeting,
                                               attendance={stranger: True}), "attendance")


def test_project_date_ranges_that_end_before_they_start_are_refused(
    world: World, pirna_council: PreventionCouncil
) -> None:
    refused(lambda: services.create_project(
        actor=world.coordinator, council=pirna_council, title="Sicherer Schulweg",
        planned_start=dt.date(2022, 5, 1), planned_end=dt.date(2022, 4, 1),
        actual_start=dt.date(2022, 5, 1), actual_end=dt.date(2022, 3, 1)), "planned_end", "actual_end")


def test_member_without_an_organisation_is_refused(world: World, pirna_council: PreventionCouncil) -> None:
    refused(lambda: services.add_member(actor=world.coordinator, council=pirna_council, person_name="Niemand"),
            "organisation_name")


def test_minutes_before_the_meeting_took_place_are_refused(world: World, pirna_council: PreventionCouncil) -> None:
    future = services.schedule_meeting(actor=world.coordinator, council=pirna_council, title="Nächste Sitzung",
                                       held_on=TOMORROW)
    refused(lambda: services.record_minutes(actor=world.coordinator, meeting=future, minutes="…"), "minutes")
    refused(lambda: services.add_decision(actor=world.coordinator, meeting=future, text="Beschluss"), "text")


def test_meeting_before_the_council_existed_is_refused(world: World, pirna_council: PreventionCouncil) -> None:
    refused(lambda: services.schedule_meeting(actor=world.coordinator, council=pirna_council, title="Vorab",
                                              held_on=dt.date(2019, 1, 1)), "held_on")


def test_update_with_bad_dates_changes_nothing(world: World, pirna_council: PreventionCouncil) -> None:
    refused(lambda: services.update_council(actor=world.coordinator, council=pirna_council, established_on=TOMORROW,
                                            name="Neu"), "established_on")
    pirna_council.refresh_from_db()
    assert pirna_council.name == "Kriminalpräventiver Rat Pirna"
    assert pirna_council.established_on == dt.date(2020, 10, 26)


# --- the same refusals in the forms: errors next to the fields, status 400, nothing saved ---------


def test_meeting_form_shows_the_date_error_next_to_the_field(
    world: World, login: Any, pirna_council: PreventionCouncil
) -> None:
    client = login(world.pirna_coordinator)
    with nothing_saved():
        response = client.post(reverse("councils:meeting_create", args=[pirna_council.pk]), {
            "title": "Vorab", "held_on": "2019-01-01"})
    assert response.status_code == 400
    assert "held_on" in response.context["form"].errors
    assert 'aria-invalid="true"' in response.content.decode()


def test_project_form_refuses_an_end_before_the_start(
    world: World, login: Any, pirna_council: PreventionCouncil
) -> None:
    client = login(world.pirna_coordinator)
    with nothing_saved():
        response = client.post(reverse("councils:project_create", args=[pirna_council.pk]), {
            "title": "Projekt", "status": "planned", "planned_start": "2022-05-01", "planned_end": "2022-01-01"})
    assert response.status_code == 400
    assert "planned_end" in response.context["form"].errors


def test_create_form_refuses_both_municipality_and_district(world: World, login: Any) -> None:
    client = login(world.coordinator)
    with nothing_saved():
        response = client.post(reverse("councils:council_create"), {
            "municipality": world.pirna.ags, "district": world.soe.ags, "name": "Rat", "establishment": "founded",
            "established_on": "2021-01-01"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "municipality" in errors and "district" in errors


def test_leave_form_refuses_a_date_before_joining(
    world: World, login: Any, pirna_council: PreventionCouncil, pirna_member: CouncilMember
) -> None:
    client = login(world.pirna_coordinator)
    with nothing_saved():
        response = client.post(reverse("councils:member_leave", args=[pirna_council.pk, pirna_member.pk]),
                               {"left_on": "2020-01-01"})
    assert response.status_code == 400
    assert "left_on" in response.context["form"].errors
