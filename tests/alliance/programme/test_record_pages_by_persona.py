"""The alliance area: who sees which municipality's record (404 for everyone else)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.alliance.programme.models import Stage
from tests.alliance.programme.conftest import step
from tests.factories import CouncilFactory, EngagementFactory

PIRNA = reverse("alliance:municipality_record", args=["14628270"])
PLAUEN = reverse("alliance:municipality_record", args=["14523320"])
SOE = reverse("alliance:district_record", args=["14628"])
LIST = reverse("alliance:record_list")

# persona -> (record list, Pirna, Plauen, district SOE)
EXPECTED = {
    "coordinator": (200, 200, 200, 200),
    "pirna_coordinator": (200, 200, 404, 404),
    "plauen_coordinator": (200, 404, 200, 404),
    "dresden_police": (200, 200, 404, 200),
    "pirna_official": (404, 404, 404, 404),
    "lka_officer": (404, 404, 404, 404),
    "coach": (404, 404, 404, 404),
    "analyst": (404, 404, 404, 404),
    "auditor": (404, 404, 404, 404),
    "administrator": (404, 404, 404, 404),
    "outsider": (404, 404, 404, 404),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_record_pages_answer_each_persona(world: Any, login: Any, persona: str) -> None:
    client = login(getattr(world, persona))
    codes = tuple(client.get(url).status_code for url in (LIST, PIRNA, PLAUEN, SOE))
    assert codes == EXPECTED[persona]


def test_anonymous_visitors_are_sent_to_the_login(world: Any, client: Any) -> None:
    response = client.get(PIRNA)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_list_shows_only_the_municipalities_in_scope_with_their_stage(world: Any, login: Any) -> None:
    step(world, Stage.CONTACTED, dt.date(2021, 1, 5))
    police = login(world.dresden_police).get(LIST)
    assert "Pirna, Stadt" in police.content.decode() and "Plauen, Stadt" not in police.content.decode()
    own = login(world.pirna_coordinator).get(LIST).content.decode()
    assert "Pirna, Stadt" in own and "Plauen, Stadt" not in own
    assert "stage-contacted" in own


def test_the_record_shows_lifecycle_engagements_and_councils(world: Any, login: Any) -> None:
    step(world, Stage.CONTACTED, dt.date(2021, 1, 5), note="Erstgespräch im Rathaus")
    engagement = EngagementFactory.create(municipality=world.pirna, title="Beratung zur Strategie",
                                          started_on=dt.date(2021, 2, 1))
    council = CouncilFactory.create(municipality=world.pirna, name="Kriminalpräventiver Rat Pirna")
    page = login(world.pirna_coordinator).get(PIRNA).content.decode()
    assert f'href="{reverse("engagements:engagement_detail", args=[engagement.pk])}"' in page
    assert f'href="{reverse("councils:council_detail", args=[council.pk])}"' in page
    assert "Erstgespräch im Rathaus" in page
    assert "Beratung zur Strategie" in page
    assert "Kriminalpräventiver Rat Pirna" in page
    assert 'name="stage"' not in page  # only the coordination office records steps


def test_only_the_coordination_office_may_record_a_step(world: Any, login: Any) -> None:
    data = {"stage": "contacted", "date": "2021-01-05", "acting_organisation": world.pirna_org.pk}
    assert login(world.pirna_coordinator).post(PIRNA, data).status_code == 404
    assert login(world.dresden_police).post(PIRNA, data).status_code == 404
    response = login(world.coordinator).post(PIRNA, data)
    assert response.status_code == 302
    page = login(world.coordinator).get(PIRNA).content.decode()
    assert 'name="stage"' in page and "stage-contacted" in page


def test_synthetic_steps_carry_a_badge(world: Any, login: Any) -> None:
    step(world, Stage.CONTACTED, dt.date(2021, 1, 5), is_synthetic=True)
    assert "badge-synthetic" in login(world.coordinator).get(PIRNA).content.decode()


def test_the_list_filters_by_stage_district_and_name(world: Any, login: Any) -> None:
    step(world, Stage.CONTACTED, dt.date(2021, 1, 5))
    client = login(world.coordinator)

    def names(**params: str) -> set[str]:
        page = client.get(LIST, params).context["page"]
        return {m.name for m in page}

    assert names() == {"Pirna, Stadt", "Plauen, Stadt"}
    assert names(stage="contacted") == {"Pirna, Stadt"}
    assert names(stage="none") == {"Plauen, Stadt"}
    assert names(district="14523") == {"Plauen, Stadt"}
    assert names(q="plau") == {"Plauen, Stadt"}
    assert names(q="14628") == {"Pirna, Stadt"}


def test_the_list_needs_the_same_number_of_queries_for_many_municipalities(
        world: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    from tests.factories import MunicipalityFactory

    for n in range(40):
        municipality = MunicipalityFactory.create(district=world.soe, name=f"Gemeinde {n:02d}")
        step(world, Stage.CONTACTED, dt.date(2021, 1, 5), target=municipality)
    client = login(world.coordinator)
    with django_assert_max_num_queries(16):
        response = client.get(LIST)
    assert len(response.context["page"]) == 42
