"""GET /api/v1/alliance/figures counts the records by the definitions in insights/figures.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kommunalschutz.alliance.programme.models import Stage
from tests.alliance.insights.conftest import agreement, council, engagement, programme, step
from tests.conftest import World
from tests.factories import MunicipalityFactory

URL = "/api/v1/alliance/figures"
D = dt.date


@pytest.fixture
def records(world: World) -> dict[str, Any]:
    programme()
    pirna, plauen = world.pirna, world.plauen
    freital = MunicipalityFactory.create(name="Freital", district=world.soe)
    step(pirna, Stage.MODEL, D(2019, 2, 6))
    step(pirna, Stage.AGREEMENT_SIGNED, D(2019, 5, 1))
    step(pirna, Stage.MEMBER, D(2019, 5, 1))
    step(plauen, Stage.CONTACTED, D(2020, 1, 10))
    step(plauen, Stage.MEMBER, D(2021, 3, 1))
    step(plauen, Stage.LEFT, D(2023, 6, 30))
    step(freital, Stage.CONTACTED, D(2022, 4, 1))
    step(world.soe, Stage.MEMBER, D(2020, 1, 1))  # a district: not a member municipality
    agreement(pirna, D(2019, 5, 1))
    agreement(plauen, D(2021, 3, 1), status="terminated", terminated_on=D(2023, 6, 30))
    agreement(world.soe, D(2020, 1, 1))
    agreement(freital, None, status="draft")
    engagement(pirna, "consultation", D(2019, 3, 1))
    engagement(plauen, "consultation", D(2020, 2, 1))
    engagement(plauen, "consultation", D(2020, 3, 1), status="cancelled")
    engagement(world.soe, "consultation", D(2020, 4, 1))
    engagement(pirna, "coaching", D(2019, 9, 1))
    engagement(pirna, "coaching", D(2022, 9, 1))
    engagement(plauen, "coaching", D(2021, 5, 1))
    engagement(pirna, "security_analysis", D(2020, 6, 1))
    engagement(freital, "funding", D(2022, 9, 1))
    council(pirna, D(2019, 10, 1))
    council(plauen, D(2021, 1, 1), dissolved_on=D(2023, 7, 1))
    council(world.soe, D(2020, 2, 1))
    return {"pirna": pirna, "plauen": plauen, "freital": freital}


def _get(client: Any, as_of: str | None = None) -> dict[str, Any]:
    response = client.get(URL, {"as_of": as_of} if as_of else {})
    assert response.status_code == 200, response.content
    result: dict[str, Any] = response.json()
    return result


def test_figures_on_a_date_with_everything_running(client: Any, records: dict[str, Any]) -> None:
    assert _get(client, "2022-12-31") == {
        "as_of": "2022-12-31",
        "member_municipalities": 2,
        "model_municipalities": 1,
        "contacted_municipalities": 3,
        "cooperation_agreements": 3,
        "consultations": 3,
        "coaching_processes": 3,
        "municipalities_with_coaching": 2,
        "prevention_councils": 3,
        "security_analyses": 1,
    }


def test_leaving_terminating_and_dissolving_count_from_their_day(client: Any, records: dict[str, Any]) -> None:
    before = _get(client, "2023-06-29")
    on_the_day = _get(client, "2023-06-30")
    after_dissolution = _get(client, "2023-07-01")
    assert (before["member_municipalities"], on_the_day["member_municipalities"]) == (2, 1)
    assert (before["cooperation_agreements"], on_the_day["cooperation_agreements"]) == (3, 2)
    assert (on_the_day["prevention_councils"], after_dissolution["prevention_councils"]) == (3, 2)
    # Engagements count since the start: leaving does not undo them.
    assert after_dissolution["coaching_processes"] == 3


def test_the_programme_start(client: Any, records: dict[str, Any]) -> None:
    assert _get(client, "2019-02-05")["contacted_municipalities"] == 0
    first_day = _get(client, "2019-02-06")
    assert (first_day["model_municipalities"], first_day["contacted_municipalities"],
            first_day["member_municipalities"]) == (1, 1, 0)


def test_as_of_defaults_to_today(client: Any, records: dict[str, Any]) -> None:
    figures = _get(client)
    assert figures["as_of"] == timezone.localdate().isoformat()
    assert figures["member_municipalities"] == 1
    assert figures["coaching_processes"] == 3


def test_series_gives_every_month_end_since_the_start(client: Any, records: dict[str, Any]) -> None:
    response = client.get(URL + "/series", {"to": "2019-06-15"})
    assert response.status_code == 200
    body = response.json()
    assert body["start"] == "2019-02-06" and body["end"] == "2019-06-15"
    assert [point["as_of"] for point in body["points"]] == [
        "2019-02-28", "2019-03-31", "2019-04-30", "2019-05-31", "2019-06-15"]
    assert [point["member_municipalities"] for point in body["points"]] == [0, 0, 0, 1, 1]
    assert [point["consultations"] for point in body["points"]] == [0, 1, 1, 1, 1]


def test_series_default_range_ends_today(client: Any, records: dict[str, Any]) -> None:
    body = client.get(URL + "/series").json()
    assert body["end"] == timezone.localdate().isoformat()
    assert body["points"][-1] == _get(client)
