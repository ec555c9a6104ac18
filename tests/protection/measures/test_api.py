"""The measures API: the public partner list, coordinators keep the directory, measures scoped like the pages,
bad input 422 per field with nothing saved."""

from __future__ import annotations

from typing import Any

import pytest

from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.measures import services
from kommunalschutz.protection.measures.models import Measure, Partner
from tests.conftest import World
from tests.protection.measures.conftest import tomorrow


def _send(client: Any, method: str, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return getattr(client, method)(url, body, content_type="application/json", **headers)


def test_partner_list_is_public_and_only_active(client: Any, partners: dict[str, Partner]) -> None:
    Partner.objects.filter(category="hateaid").update(is_active=False)
    response = client.get("/api/v1/partners")
    assert response.status_code == 200
    names = {row["name"] for row in response.json()}
    assert "HateAid" not in names and any("starke Stelle" in n for n in names)
    assert all(row["is_active"] for row in response.json())


def test_coordinator_keeps_the_directory_others_404(
        client: Any, world: World, bearer: Any, partners: dict[str, Partner]) -> None:
    body = {"name": "Beratungsstelle Test", "category": "victim_counselling", "website": "https://beispiel.de/"}
    assert _send(client, "post", "/api/v1/partners", body, {}).status_code == 401
    for persona in ("dresden_police", "pirna_official", "outsider"):
        assert _send(client, "post", "/api/v1/partners", body, bearer(getattr(world, persona))).status_code == 404
        assert _send(client, "patch", f"/api/v1/partners/{partners['hateaid'].pk}", {"is_active": False},
                     bearer(getattr(world, persona))).status_code == 404
    headers = bearer(world.coordinator)
    count = Partner.objects.count()
    bad = _send(client, "post", "/api/v1/partners", {"name": " ", "category": "astrology", "email": "x"}, headers)
    assert bad.status_code == 422
    assert {"name", "category", "email"} <= set(bad.json()["errors"])
    assert Partner.objects.count() == count
    created = _send(client, "post", "/api/v1/partners", body, headers)
    assert created.status_code == 201 and created.json()["name"] == "Beratungsstelle Test"
    patched = _send(client, "patch", f"/api/v1/partners/{created.json()['id']}",
                    {"is_active": False, "scope": "Sachsen"}, headers)
    assert patched.status_code == 200 and patched.json()["is_active"] is False and patched.json()["scope"] == "Sachsen"
    assert _send(client, "patch", "/api/v1/partners/999999", {"scope": "x"}, headers).status_code == 404


def test_measures_of_a_case_team_and_reporter_views(
        client: Any, world: World, bearer: Any, pirna_case: Case, plauen_case: Case) -> None:
    url = f"/api/v1/cases/{pirna_case.pk}/measures"
    created = _send(client, "post", url, {"kind": "behaviour_advice", "owner": world.dresden_police.pk,
                                          "due_on": tomorrow().isoformat(), "description": "Intern: Lageeinschätzung"},
                    bearer(world.coordinator))
    assert created.status_code == 201, created.content
    team = client.get(url, **bearer(world.dresden_police)).json()
    assert team[0]["description"] == "Intern: Lageeinschätzung" and team[0]["owner"] == world.dresden_police.pk
    mine = client.get(url, **bearer(world.pirna_official)).json()
    assert mine[0]["description"] == "" and mine[0]["owner"] is None and mine[0]["outcome"] is None
    for persona in ("plauen_coordinator", "outsider", "lka_officer"):
        assert client.get(url, **bearer(getattr(world, persona))).status_code == 404
    assert client.get(f"/api/v1/cases/{plauen_case.pk}/measures", **bearer(world.coordinator)).status_code == 404
    # The reporter reads but does not write.
    assert _send(client, "post", url, {"kind": "behaviour_advice"}, bearer(world.pirna_official)).status_code == 404
    assert _send(client, "patch", f"/api/v1/measures/{created.json()['id']}", {"status": "done", "outcome": "x"},
                 bearer(world.pirna_official)).status_code == 404


@pytest.mark.parametrize(("body", "fields"), [
    ({"kind": "referral", "due_on": "2000-01-01"}, {"partner", "owner", "due_on"}),
    ({"kind": "behaviour_advice", "partner": 999999}, {"partner"}),
    ({"kind": "protection_request", "owner": "me"}, {"owner"}),
])
def test_bad_measure_input_is_422_per_field_nothing_saved(
        client: Any, world: World, bearer: Any, pirna_case: Case, body: dict[str, Any], fields: set[str]) -> None:
    response = _send(client, "post", f"/api/v1/cases/{pirna_case.pk}/measures", body, bearer(world.coordinator))
    assert response.status_code == 422
    errors = response.json().get("errors") or {}
    flat = set(errors) | {str(e.get("loc", ["", "", ""])[-1]) for e in response.json().get("detail", [])
                          if isinstance(e, dict)}
    assert fields <= flat, response.json()
    assert not Measure.objects.exists()
    pirna_case.refresh_from_db()
    assert not pirna_case.lka_involved


def test_patch_measure(client: Any, world: World, bearer: Any, pirna_case: Case) -> None:
    measure = services.add_measure(actor=world.coordinator, case=pirna_case, kind="named_contact",
                                   owner=world.coordinator, due_on=tomorrow())
    url = f"/api/v1/measures/{measure.pk}"
    headers = bearer(world.dresden_police)
    response = _send(client, "patch", url, {"status": "done"}, headers)
    assert response.status_code == 422 and "outcome" in response.json()["errors"]
    response = _send(client, "patch", url, {"owner": world.plauen_coordinator.pk}, headers)
    assert response.status_code == 422 and "owner" in response.json()["errors"]
    response = _send(client, "patch", url, {"status": "done", "outcome": "Kontaktbeamter benannt.",
                                            "agreed_with_official": True}, headers)
    assert response.status_code == 200 and response.json()["status"] == "done"
    pirna_case.refresh_from_db()
    assert pirna_case.status == Case.Status.MEASURES_AGREED
    assert _send(client, "patch", "/api/v1/measures/999999", {"status": "done"}, headers).status_code == 404


def test_a_partner_field_set_to_null_is_refused_with_422_and_nothing_changes(
        client: Any, world: World, bearer: Any, partners: dict[str, Partner]) -> None:
    """null is no value for a partner field (found by the contract fuzzer: it reached the database as NULL,
    a server error); leaving a field out keeps it."""
    partner = partners["hateaid"]
    response = _send(client, "patch", f"/api/v1/partners/{partner.pk}", {"name": None, "scope": "Sachsen"},
                     bearer(world.coordinator))
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"name"}
    assert "leer" in response.json()["errors"]["name"][0]
    partner.refresh_from_db()
    assert partner.name == "HateAid" and partner.scope != "Sachsen"
