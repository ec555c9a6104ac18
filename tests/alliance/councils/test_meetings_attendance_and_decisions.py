"""A meeting's agenda, minutes, attendance per member and decisions, in the pages (with and without HTMX)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from kommunalschutz.alliance.councils import services
from kommunalschutz.alliance.councils.models import (
    CouncilDecision,
    CouncilMeeting,
    CouncilMember,
    MeetingAttendance,
    PreventionCouncil,
)
from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import World


def test_meeting_page_shows_agenda_minutes_attendance_and_decisions(
    world: World, login: Any, pirna_meeting: CouncilMeeting, pirna_member: CouncilMember
) -> None:
    services.record_minutes(actor=world.coordinator, meeting=pirna_meeting, minutes="Lagebild vorgestellt.")
    services.record_attendance(actor=world.coordinator, meeting=pirna_meeting, attendance={pirna_member: True})
    services.add_decision(actor=world.coordinator, meeting=pirna_meeting, text="AG Schulweg gründen",
                          responsible="Ordnungsamt", due_on=dt.date(2021, 6, 1))
    body = login(world.dresden_police).get(reverse("councils:meeting_detail", args=[pirna_meeting.pk])).content.decode()
    for text in ("Begrüßung", "Lagebild vorgestellt.", "Polizeirat Müller", "anwesend", "AG Schulweg gründen",
                 "Ordnungsamt", "01.06.2021"):
        assert text in body, text


def test_attendance_form_records_present_and_absent_per_member(
    world: World, login: Any, pirna_council: PreventionCouncil, pirna_meeting: CouncilMeeting,
    pirna_member: CouncilMember,
) -> None:
    other = services.add_member(actor=world.coordinator, council=pirna_council, organisation_name="Gymnasium Pirna",
                                joined_on=dt.date(2021, 1, 1))
    left_early = services.add_member(actor=world.coordinator, council=pirna_council, organisation_name="Alter Verein",
                                     joined_on=dt.date(2020, 10, 26))
    services.remove_member(actor=world.coordinator, member=left_early, left_on=dt.date(2021, 1, 31))
    client = login(world.pirna_coordinator)
    url = reverse("councils:meeting_attendance", args=[pirna_meeting.pk])
    form = client.get(url).context["form"]
    # Only members on the day of the meeting are offered.
    assert {m.pk for m in form.members} == {pirna_member.pk, other.pk}
    response = client.post(url, {f"member_{pirna_member.pk}": "present", f"member_{other.pk}": "absent"})
    assert response.status_code == 302
    rows = dict(MeetingAttendance.objects.values_list("member_id", "present"))
    assert rows == {pirna_member.pk: True, other.pk: False}
    # Changing one entry keeps the other, and the trail records who changed what.
    client.post(url, {f"member_{pirna_member.pk}": "absent", f"member_{other.pk}": "absent"})
    assert dict(MeetingAttendance.objects.values_list("member_id", "present")) == {
        pirna_member.pk: False, other.pk: False}
    event = AuditEvent.objects.filter(object_type="councils.councilmeeting", changed_fields=["attendance"]).last()
    assert event is not None and event.actor == world.pirna_coordinator


def test_decision_is_added_without_javascript(
    world: World, login: Any, pirna_meeting: CouncilMeeting
) -> None:
    client = login(world.pirna_coordinator)
    response = client.post(reverse("councils:decision_add", args=[pirna_meeting.pk]), {
        "text": "Elternbrief verschicken", "responsible": "Schulamt", "due_on": "2021-04-01"})
    assert response.status_code == 302
    assert response["Location"].endswith("#decisions")
    assert CouncilDecision.objects.get().responsible == "Schulamt"


def test_decision_is_added_inline_with_htmx_and_errors_stay_in_the_section(
    world: World, login: Any, pirna_meeting: CouncilMeeting
) -> None:
    client = login(world.pirna_coordinator)
    url = reverse("councils:decision_add", args=[pirna_meeting.pk])
    bad = client.post(url, {"text": "x", "due_on": "2021-01-01"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200  # HTMX swaps only successful answers
    assert '<section id="decisions"' in bad.content.decode() and 'aria-invalid="true"' in bad.content.decode()
    assert not CouncilDecision.objects.exists()
    good = client.post(url, {"text": "Elternbrief verschicken"}, HTTP_HX_REQUEST="true")
    body = good.content.decode()
    assert "<html" not in body and "Elternbrief verschicken" in body and "data-focus-after-swap" in body


def test_member_is_added_inline_with_htmx_and_by_plain_post(
    world: World, login: Any, pirna_council: PreventionCouncil
) -> None:
    client = login(world.pirna_coordinator)
    url = reverse("councils:member_add", args=[pirna_council.pk])
    inline = client.post(url, {"organisation_name": "Stadtjugendring", "person_name": "Eva Jung",
                               "function": "Geschäftsführerin", "joined_on": "2021-02-01"}, HTTP_HX_REQUEST="true")
    assert inline.status_code == 200 and "Stadtjugendring" in inline.content.decode()
    plain = client.post(url, {"organisation": world.pirna_org.pk, "person_name": "Bürgermeister"})
    assert plain.status_code == 302 and plain["Location"].endswith("#members")
    member = CouncilMember.objects.get(person_name="Bürgermeister")
    # A platform organisation fills in the name.
    assert member.organisation == world.pirna_org and member.organisation_name == "Stadt Pirna"


def test_member_leaves_and_moves_to_the_former_members(
    world: World, login: Any, pirna_council: PreventionCouncil, pirna_member: CouncilMember
) -> None:
    client = login(world.pirna_coordinator)
    response = client.post(reverse("councils:member_leave", args=[pirna_council.pk, pirna_member.pk]),
                           {"left_on": "2022-12-31"})
    assert response.status_code == 302
    pirna_member.refresh_from_db()
    assert pirna_member.left_on == dt.date(2022, 12, 31)
    page = client.get(reverse("councils:council_detail", args=[pirna_council.pk]))
    assert page.context["former_members"] == [pirna_member] and page.context["active_members"] == []


def test_member_of_another_council_cannot_be_removed_through_this_council(
    world: World, login: Any, pirna_council: PreventionCouncil, plauen_council: PreventionCouncil
) -> None:
    stranger = services.add_member(actor=world.coordinator, council=plauen_council, organisation_name="X")
    response = login(world.pirna_coordinator).post(
        reverse("councils:member_leave", args=[pirna_council.pk, stranger.pk]), {"left_on": "2022-01-01"})
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.left_on is None


def test_working_group_with_lead_and_members(
    world: World, login: Any, pirna_council: PreventionCouncil, pirna_member: CouncilMember
) -> None:
    client = login(world.pirna_coordinator)
    response = client.post(reverse("councils:working_group_create", args=[pirna_council.pk]), {
        "name": "AG Sicherer Schulweg", "topic": "Wege zur Schule", "lead": "Ordnungsamt",
        "members": [pirna_member.pk]})
    assert response.status_code == 302
    body = client.get(reverse("councils:council_detail", args=[pirna_council.pk])).content.decode()
    assert "AG Sicherer Schulweg" in body and "Polizeirat Müller" in body
    assert CouncilMeeting.objects.count() == 0
