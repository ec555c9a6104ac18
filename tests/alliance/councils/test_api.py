"""The councils API: token for everything but the public contacts, scoped like the pages, 422 naming fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kommunalschutz.alliance.councils.models import CouncilMeeting, PreventionCouncil
from tests.conftest import World

BASE = "/api/v1/councils"


def _post(client: Any, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(url, body, content_type="application/json", **headers)


def test_reads_need_a_token(client: Any, pirna_council: PreventionCouncil) -> None:
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}/{pirna_council.pk}").status_code == 401
    assert _post(client, f"{BASE}/meetings", {"council": pirna_council.pk, "title": "x", "held_on": "2022-01-01"},
                 {}).status_code == 401


@pytest.mark.parametrize(("persona", "expected"), [
    ("coordinator", {"Kriminalpräventiver Rat Pirna", "Präventionsrat Plauen"}),
    ("pirna_coordinator", {"Kriminalpräventiver Rat Pirna"}),
    ("plauen_coordinator", {"Präventionsrat Plauen"}),
    ("dresden_police", {"Kriminalpräventiver Rat Pirna"}),
])
def test_list_is_scoped(
    client: Any, world: World, bearer: Any, persona: str, expected: set[str],
    pirna_council: PreventionCouncil, plauen_council: PreventionCouncil,
) -> None:
    response = client.get(BASE, **bearer(getattr(world, persona)))
    assert response.status_code == 200
    assert {row["name"] for row in response.json()} == expected


@pytest.mark.parametrize("persona", ["coach", "analyst", "outsider"])
def test_list_and_detail_are_404_for_outsiders(
    client: Any, world: World, bearer: Any, persona: str, pirna_council: PreventionCouncil
) -> None:
    headers = bearer(getattr(world, persona))
    assert client.get(BASE, **headers).status_code == 404
    assert client.get(f"{BASE}/{pirna_council.pk}", **headers).status_code == 404


@pytest.mark.parametrize(("persona", "status"), [
    ("coordinator", 200), ("pirna_coordinator", 200), ("dresden_police", 200), ("plauen_coordinator", 404),
    ("coach", 404), ("analyst", 404), ("outsider", 404),
])
def test_detail_per_persona(
    client: Any, world: World, bearer: Any, persona: str, status: int, pirna_council: PreventionCouncil,
    pirna_meeting: CouncilMeeting,
) -> None:
    response = client.get(f"{BASE}/{pirna_council.pk}", **bearer(getattr(world, persona)))
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["target"] == {"kind": "municipality", "ags": "14628270", "name": "Pirna, Stadt"}
        assert [m["title"] for m in body["meeting_list"]] == ["2. Sitzung"]


def test_unknown_id_is_404(client: Any, world: World, bearer: Any) -> None:
    assert client.get(f"{BASE}/999999", **bearer(world.coordinator)).status_code == 404


def test_own_coordinator_creates_a_council_for_own_municipality(client: Any, world: World, bearer: Any) -> None:
    response = _post(client, BASE, {"name": "KPR Pirna", "established_on": "2021-02-01",
                                    "municipality": world.pirna.ags}, bearer(world.pirna_coordinator))
    assert response.status_code == 201, response.content
    assert response.json()["target"]["ags"] == world.pirna.ags
    assert PreventionCouncil.objects.get().name == "KPR Pirna"


@pytest.mark.parametrize("persona", ["plauen_coordinator", "dresden_police", "coach", "outsider"])
def test_others_cannot_create_a_council_for_pirna(client: Any, world: World, bearer: Any, persona: str) -> None:
    response = _post(client, BASE, {"name": "KPR Pirna", "established_on": "2021-02-01",
                                    "municipality": world.pirna.ags}, bearer(getattr(world, persona)))
    assert response.status_code == 404
    assert not PreventionCouncil.objects.exists()


def test_create_council_bad_input_is_422_naming_the_fields(client: Any, world: World, bearer: Any) -> None:
    headers = bearer(world.coordinator)
    tomorrow = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    both = _post(client, BASE, {"name": "Rat", "established_on": "2021-01-01", "municipality": world.pirna.ags,
                                "district": world.soe.ags}, headers)
    assert both.status_code == 422
    assert {"municipality", "district"} <= set(both.json()["errors"])
    future = _post(client, BASE, {"name": "Rat", "established_on": tomorrow, "municipality": world.pirna.ags},
                   headers)
    assert future.status_code == 422 and "established_on" in future.json()["errors"]
    unknown = _post(client, BASE, {"name": "Rat", "established_on": "2021-01-01", "municipality": "99999999"},
                    headers)
    assert unknown.status_code == 422 and "municipality" in unknown.json()["errors"]
    assert not PreventionCouncil.objects.exists()


def test_meeting_needs_a_council(client: Any, world: World, bearer: Any, pirna_council: PreventionCouncil) -> None:
    headers = bearer(world.coordinator)
    missing = _post(client, f"{BASE}/meetings", {"title": "Sitzung", "held_on": "2022-01-01"}, headers)
    assert missing.status_code == 422
    assert "council" in missing.json()["errors"]
    unknown = _post(client, f"{BASE}/meetings", {"council": 999999, "title": "Sitzung", "held_on": "2022-01-01"},
                    headers)
    assert unknown.status_code == 422
    assert "council" in unknown.json()["errors"]
    assert not CouncilMeeting.objects.exists()


def test_meeting_for_a_council_one_cannot_see_looks_like_an_unknown_one(
    client: Any, world: World, bearer: Any, pirna_council: PreventionCouncil
) -> None:
    hidden = _post(client, f"{BASE}/meetings", {"council": pirna_council.pk, "title": "S", "held_on": "2022-01-01"},
                   bearer(world.plauen_coordinator))
    unknown = _post(client, f"{BASE}/meetings", {"council": 999999, "title": "S", "held_on": "2022-01-01"},
                    bearer(world.plauen_coordinator))
    assert hidden.status_code == unknown.status_code == 422
    assert hidden.json()["errors"]["council"][0].replace(str(pirna_council.pk), "N") == \
        unknown.json()["errors"]["council"][0].replace("999999", "N")
    assert not CouncilMeeting.objects.exists()


def test_police_reads_but_cannot_schedule_a_meeting(
    client: Any, world: World, bearer: Any, pirna_council: PreventionCouncil
) -> None:
    response = _post(client, f"{BASE}/meetings", {"council": pirna_council.pk, "title": "S",
                                                  "held_on": "2022-01-01"}, bearer(world.dresden_police))
    assert response.status_code == 404
    assert not CouncilMeeting.objects.exists()


def test_own_coordinator_schedules_a_meeting(
    client: Any, world: World, bearer: Any, pirna_council: PreventionCouncil
) -> None:
    response = _post(client, f"{BASE}/meetings", {"council": pirna_council.pk, "title": "3. Sitzung",
                                                  "held_on": "2022-03-01", "agenda": "Lagebild"},
                     bearer(world.pirna_coordinator))
    assert response.status_code == 201, response.content
    meeting = CouncilMeeting.objects.get()
    assert response.json()["id"] == meeting.pk and meeting.council == pirna_council


def test_meeting_date_before_the_council_is_422_on_held_on(
    client: Any, world: World, bearer: Any, pirna_council: PreventionCouncil
) -> None:
    response = _post(client, f"{BASE}/meetings", {"council": pirna_council.pk, "title": "S",
                                                  "held_on": "2019-01-01"}, bearer(world.coordinator))
    assert response.status_code == 422 and "held_on" in response.json()["errors"]
    assert not CouncilMeeting.objects.exists()
