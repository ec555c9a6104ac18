"""Who sees and changes which council in the pages: own municipality, responsible police, nobody else (404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.alliance.councils.models import CouncilMeeting, PreventionCouncil
from tests.conftest import World

READERS_OF_PIRNA = {"coordinator": 200, "pirna_coordinator": 200, "dresden_police": 200}
OTHERS = ("plauen_coordinator", "coach", "analyst", "outsider", "pirna_official", "lka_officer", "auditor")


@pytest.mark.parametrize("persona", ["coordinator", "pirna_coordinator", "plauen_coordinator", "dresden_police"])
def test_list_shows_exactly_the_councils_in_scope(
    world: World, login: Any, persona: str, pirna_council: PreventionCouncil, plauen_council: PreventionCouncil
) -> None:
    response = login(getattr(world, persona)).get(reverse("councils:council_list"))
    assert response.status_code == 200
    shown = {c.name for c in response.context["page"]}
    expected = {
        "coordinator": {pirna_council.name, plauen_council.name},
        "pirna_coordinator": {pirna_council.name},
        "plauen_coordinator": {plauen_council.name},
        "dresden_police": {pirna_council.name},
    }[persona]
    assert shown == expected


@pytest.mark.parametrize("persona", ["coach", "analyst", "outsider", "pirna_official", "lka_officer"])
def test_list_is_404_for_roles_without_councils(
    world: World, login: Any, persona: str, pirna_council: PreventionCouncil
) -> None:
    assert login(getattr(world, persona)).get(reverse("councils:council_list")).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client: Any, pirna_council: PreventionCouncil) -> None:
    response = client.get(reverse("councils:council_detail", args=[pirna_council.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("persona", [*READERS_OF_PIRNA, *OTHERS])
def test_council_and_meeting_pages_are_read_by_coordinator_own_coordinator_and_police_only(
    world: World, login: Any, persona: str, pirna_council: PreventionCouncil, pirna_meeting: CouncilMeeting
) -> None:
    client = login(getattr(world, persona))
    expected = READERS_OF_PIRNA.get(persona, 404)
    assert client.get(reverse("councils:council_detail", args=[pirna_council.pk])).status_code == expected
    assert client.get(reverse("councils:meeting_detail", args=[pirna_meeting.pk])).status_code == expected


EDIT_PAGES = ["council_edit", "council_dissolve", "member_add", "meeting_create", "working_group_create",
              "project_create"]


@pytest.mark.parametrize("page", EDIT_PAGES)
@pytest.mark.parametrize("persona", ["coordinator", "pirna_coordinator", "dresden_police", "plauen_coordinator",
                                     "coach", "outsider"])
def test_only_coordinator_and_own_coordinator_open_the_write_pages(
    world: World, login: Any, persona: str, page: str, pirna_council: PreventionCouncil
) -> None:
    response = login(getattr(world, persona)).get(reverse(f"councils:{page}", args=[pirna_council.pk]))
    assert response.status_code == (200 if persona in ("coordinator", "pirna_coordinator") else 404)


def test_police_reads_but_sees_no_edit_links_and_cannot_post(
    world: World, login: Any, pirna_council: PreventionCouncil, pirna_meeting: CouncilMeeting
) -> None:
    client = login(world.dresden_police)
    body = client.get(reverse("councils:council_detail", args=[pirna_council.pk])).content.decode()
    assert reverse("councils:council_edit", args=[pirna_council.pk]) not in body
    assert reverse("councils:member_add", args=[pirna_council.pk]) not in body
    response = client.post(reverse("councils:council_edit", args=[pirna_council.pk]), {
        "name": "Übernommen", "establishment": "founded", "established_on": "2020-10-26"})
    assert response.status_code == 404
    response = client.post(reverse("councils:meeting_minutes", args=[pirna_meeting.pk]), {"minutes": "x"})
    assert response.status_code == 404
    pirna_council.refresh_from_db()
    pirna_meeting.refresh_from_db()
    assert pirna_council.name == "Kriminalpräventiver Rat Pirna" and pirna_meeting.minutes == ""


def test_pirna_coordinator_edits_own_council(world: World, login: Any, pirna_council: PreventionCouncil) -> None:
    client = login(world.pirna_coordinator)
    body = client.get(reverse("councils:council_detail", args=[pirna_council.pk])).content.decode()
    assert reverse("councils:council_edit", args=[pirna_council.pk]) in body
    response = client.post(reverse("councils:council_edit", args=[pirna_council.pk]), {
        "name": "Kriminalpräventiver Rat der Stadt Pirna", "establishment": "founded",
        "established_on": "2020-10-26", "chair_name": "Neue Vorsitzende", "contact_name": "Anna Beispiel",
        "contact_email": "praevention@pirna.de", "contact_is_public": "on"})
    assert response.status_code == 302
    pirna_council.refresh_from_db()
    assert pirna_council.name == "Kriminalpräventiver Rat der Stadt Pirna"
    assert pirna_council.chair_name == "Neue Vorsitzende"


def test_plauen_coordinator_gets_404_on_every_page_of_pirnas_council(
    world: World, login: Any, pirna_council: PreventionCouncil, pirna_meeting: CouncilMeeting
) -> None:
    client = login(world.plauen_coordinator)
    for name in ["council_detail", *EDIT_PAGES]:
        assert client.get(reverse(f"councils:{name}", args=[pirna_council.pk])).status_code == 404, name
    for name in ["meeting_detail", "meeting_edit", "meeting_minutes", "meeting_attendance", "decision_add"]:
        assert client.get(reverse(f"councils:{name}", args=[pirna_meeting.pk])).status_code == 404, name


def test_municipal_coordinator_may_only_record_a_council_for_own_municipality(
    world: World, login: Any
) -> None:
    client = login(world.pirna_coordinator)
    page = client.get(reverse("councils:council_create"))
    assert page.status_code == 200
    assert list(page.context["form"].fields["municipality"].queryset) == [world.pirna]
    response = client.post(reverse("councils:council_create"), {
        "municipality": world.plauen.ags, "name": "Fremder Rat", "establishment": "founded",
        "established_on": "2021-01-01"})
    assert response.status_code == 400
    assert "municipality" in response.context["form"].errors
    assert not PreventionCouncil.objects.exists()
    response = client.post(reverse("councils:council_create"), {
        "municipality": world.pirna.ags, "name": "Eigener Rat", "establishment": "founded",
        "established_on": "2021-01-01"})
    council = PreventionCouncil.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "councils:council_detail", args=[council.pk])
    assert council.municipality == world.pirna and council.established_on == dt.date(2021, 1, 1)


@pytest.mark.parametrize("persona", ["dresden_police", "coach", "analyst", "outsider"])
def test_others_cannot_open_the_create_page(world: World, login: Any, persona: str) -> None:
    assert login(getattr(world, persona)).get(reverse("councils:council_create")).status_code == 404
