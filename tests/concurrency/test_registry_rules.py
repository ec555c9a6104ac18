"""The remaining "only one" rules under concurrency: one running prevention council per municipality, one
attendance entry per member and meeting, unique organisation names, a role once per person and
organisation, unique counselling partner names. The losers get a German refusal, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest

from kommunalschutz.alliance.councils import services as councils
from kommunalschutz.alliance.councils.models import MeetingAttendance, PreventionCouncil
from kommunalschutz.foundation.accounts import services as accounts
from kommunalschutz.foundation.accounts.models import Membership, Organisation
from kommunalschutz.foundation.core.roles import Role
from kommunalschutz.protection.measures.models import Partner
from kommunalschutz.protection.measures.partners import create_partner
from tests.concurrency.conftest import refusals, results, run_together, successes
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_running_council_per_municipality(world: World) -> None:
    outcomes = run_together(lambda i: councils.create_council(
        actor=world.coordinator, municipality=world.pirna, name=f"Präventionsrat Pirna {i}",
        established_on=dt.date(2020, 10, 26)))

    assert len(successes(outcomes)) == 1
    refused = refusals(outcomes, "municipality")
    assert len(refused) == 7 and all("bereits einen aktiven Präventionsrat" in message for message in refused), refused
    assert PreventionCouncil.objects.filter(municipality=world.pirna).count() == 1


def test_attendance_saved_at_once_keeps_one_entry_per_member(world: World) -> None:
    council = councils.create_council(actor=world.coordinator, municipality=world.pirna, name="Präventionsrat",
                                      established_on=dt.date(2020, 10, 26))
    members = [councils.add_member(actor=world.coordinator, council=council, organisation_name=f"Verein {i}",
                                   joined_on=dt.date(2020, 10, 26)) for i in range(3)]
    meeting = councils.schedule_meeting(actor=world.coordinator, council=council, title="Sitzung",
                                        held_on=dt.date(2021, 3, 10), location="Rathaus", agenda="Lagebild")

    results(run_together(lambda i: councils.record_attendance(
        actor=world.coordinator, meeting=meeting, attendance={member: bool(i % 2) for member in members})))

    assert MeetingAttendance.objects.filter(meeting=meeting).count() == 3


def test_an_organisation_name_is_taken_once(world: World) -> None:
    outcomes = run_together(lambda _i: accounts.create_organisation(
        actor=world.administrator, kind=Organisation.Kind.COACHING_INSTITUTE, name="Institut für Prävention"))

    assert len(successes(outcomes)) == 1
    refused = refusals(outcomes, "name")
    assert set(refused) == {"Es gibt bereits eine Organisation mit diesem Namen."}, refused
    assert Organisation.objects.filter(name="Institut für Prävention").count() == 1


def test_a_role_is_given_once_per_person_and_organisation(world: World) -> None:
    outcomes = run_together(lambda _i: accounts.add_member(
        actor=world.administrator, organisation=world.pirna_org, role=Role.OFFICIAL,
        email=world.plauen_coordinator.email, site_url="https://kommunalschutz.example"))

    assert len(successes(outcomes)) == 1
    assert len(refusals(outcomes)) == 7
    assert Membership.objects.filter(user=world.plauen_coordinator, organisation=world.pirna_org,
                                     role=Role.OFFICIAL).count() == 1


def test_a_partner_name_is_taken_once(world: World) -> None:
    outcomes = run_together(lambda _i: create_partner(actor=world.coordinator, name="Opferhilfe Oberlausitz",
                                                      category=Partner.Category.VICTIM_COUNSELLING))

    assert len(successes(outcomes)) == 1
    assert set(refusals(outcomes, "name")) == {"Eine Beratungsstelle mit diesem Namen steht bereits im Verzeichnis."}
    assert Partner.objects.filter(name="Opferhilfe Oberlausitz").count() == 1
