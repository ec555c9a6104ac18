"""The lifecycle in the API: scoped reads, the coordinator's writes with 422 on bad input, public members."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kommunalschutz.alliance.programme.models import MembershipTransition, Stage
from tests.alliance.programme.conftest import step

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize(("persona", "pirna", "plauen"), [
    ("coordinator", 200, 200), ("pirna_coordinator", 200, 404), ("dresden_police", 200, 404),
    ("plauen_coordinator", 404, 200), ("coach", 404, 404), ("outsider", 404, 404),
])
def test_reading_a_lifecycle_is_scoped(world: Any, api: Any, persona: str, pirna: int, plauen: int) -> None:
    step(world, Stage.CONTACTED, dt.date(2021, 1, 5))
    user = getattr(world, persona)
    assert api.get(user, "/alliance/municipalities/14628270/lifecycle").status_code == pirna
    assert api.get(user, "/alliance/municipalities/14523320/lifecycle").status_code == plauen


def test_the_lifecycle_lists_the_steps(world: Any, api: Any) -> None:
    step(world, Stage.CONTACTED, dt.date(2021, 1, 5), is_synthetic=True)
    body = api.get(world.pirna_coordinator, "/alliance/municipalities/14628270/lifecycle").json()
    assert body["target"] == {"kind": "municipality", "ags": "14628270", "name": "Pirna, Stadt"}
    assert body["current_stage"] == "contacted"
    assert body["transitions"][0]["is_synthetic"] is True
    assert body["transitions"][0]["acting_organisation"]["name"] == "Koordinierungsstelle"


def test_without_a_token_the_lifecycle_is_refused(world: Any, api: Any) -> None:
    assert api.get(None, "/alliance/municipalities/14628270/lifecycle").status_code == 401


def _payload(world: Any, **changes: Any) -> dict[str, Any]:
    return {"stage": "contacted", "date": "2021-01-05", "municipality": "14628270",
            "acting_organisation": world.coordination_office.pk, **changes}


def test_the_coordinator_records_a_step(world: Any, api: Any) -> None:
    response = api.post(world.coordinator, "/alliance/transitions", _payload(world))
    assert response.status_code == 201, response.content
    assert response.json()["stage"] == "contacted"
    assert MembershipTransition.objects.get().recorded_by == world.coordinator


@pytest.mark.parametrize("persona", ["pirna_coordinator", "dresden_police", "outsider"])
def test_others_cannot_record_steps(world: Any, api: Any, persona: str) -> None:
    assert api.post(getattr(world, persona), "/alliance/transitions", _payload(world)).status_code == 404
    assert not MembershipTransition.objects.exists()


@pytest.mark.parametrize(("changes", "field"), [
    ({"stage": "consulted", "date": "2021-01-04"}, "date"),      # before the latest step
    ({"stage": "contacted", "date": "2021-02-01"}, "stage"),     # repeating / going backwards
    ({"date": (timezone.localdate() + dt.timedelta(days=2)).isoformat()}, "date"),  # in the future
    ({"stage": "joined"}, "stage"),
    ({"municipality": "14999999"}, "municipality"),
    ({"municipality": None}, "municipality"),
    ({"acting_organisation": 999_999}, "acting_organisation"),
])
def test_bad_steps_get_422_naming_the_field_and_save_nothing(world: Any, api: Any, changes: dict[str, Any],
                                                              field: str) -> None:
    step(world, Stage.CONSULTED, dt.date(2021, 1, 5))
    response = api.post(world.coordinator, "/alliance/transitions", _payload(world, **changes))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert MembershipTransition.objects.count() == 1


def test_a_malformed_date_gets_422_from_the_schema(world: Any, api: Any) -> None:
    response = api.post(world.coordinator, "/alliance/transitions", _payload(world, date="05.01.2021"))
    assert response.status_code == 422
    assert "date" in str(response.json()["detail"])
    assert not MembershipTransition.objects.exists()


def test_members_on_a_date_are_public(world: Any, api: Any) -> None:
    step(world, Stage.MEMBER, dt.date(2020, 1, 10))
    body = api.get(None, "/alliance/members", as_of="2020-01-10").json()
    assert body == {"as_of": "2020-01-10", "count": 1,
                    "municipalities": [{"ags": "14628270", "name": "Pirna, Stadt", "district": world.soe.name}]}
    assert api.get(None, "/alliance/members", as_of="2020-01-09").json()["count"] == 0
    assert api.get(None, "/alliance/members", as_of="2020-13-01").status_code == 422
