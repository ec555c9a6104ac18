"""The measures page of a case: the team's full list with forms, the reporter's reduced view, 404 for others."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.measures import services
from kommunalschutz.protection.measures.models import Measure, Partner
from tests.conftest import World
from tests.protection.measures.conftest import tomorrow


@pytest.fixture
def two_measures(world: World, pirna_case: Case, partners: dict[str, Partner]) -> list[Measure]:
    agreed = services.add_measure(actor=world.coordinator, case=pirna_case, kind="referral",
                                  partner=partners["starke_stelle"], owner=world.coordinator, due_on=tomorrow(),
                                  description="Erstgespräch vereinbart", agreed_with_official=True)
    internal = services.add_measure(actor=world.dresden_police, case=pirna_case, kind="onsite_sensitisation",
                                    owner=world.dresden_police, due_on=tomorrow(),
                                    description="Streifen am Wohnort verstärken (intern)")
    Measure.objects.filter(pk=internal.pk).update(due_on=timezone.localdate() - dt.timedelta(days=2))
    return [agreed, internal]


def _page(client: Any, case: Case) -> Any:
    return client.get(f"/massnahmen/fall/{case.pk}/")


def test_team_sees_everything_and_overdue_is_marked(
        login: Any, world: World, pirna_case: Case, two_measures: list[Measure]) -> None:
    for persona in ("coordinator", "dresden_police"):
        response = _page(login(getattr(world, persona)), pirna_case)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Streifen am Wohnort" in html and "Erstgespräch vereinbart" in html
        assert 'class="overdue"' in html
        assert f"/massnahmen/fall/{pirna_case.pk}/neu/" in html


def test_reporter_sees_no_internal_details(
        login: Any, world: World, pirna_case: Case, two_measures: list[Measure]) -> None:
    services.update_measure(actor=world.coordinator, measure=two_measures[0], status="in_progress",
                            outcome="Vermerk: Betroffene sehr belastet")
    response = _page(login(world.pirna_official), pirna_case)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Erstgespräch vereinbart" in html  # agreed with the official
    assert "Streifen am Wohnort" not in html  # not agreed: the description stays internal
    assert "Vermerk" not in html  # outcomes are internal
    assert "starke Stelle" in html
    assert "/neu/" not in html and "/bearbeiten/" not in html


@pytest.mark.parametrize("persona", ["plauen_coordinator", "pirna_coordinator", "lka_officer", "outsider",
                                     "auditor", "administrator"])
def test_others_get_404(login: Any, world: World, pirna_case: Case, two_measures: list[Measure],
                        persona: str) -> None:
    client = login(getattr(world, persona))
    assert _page(client, pirna_case).status_code == 404
    assert client.get(f"/massnahmen/fall/{pirna_case.pk}/neu/").status_code == 404
    assert client.get(f"/massnahmen/{two_measures[0].pk}/bearbeiten/").status_code == 404


def test_reporter_cannot_write(login: Any, world: World, pirna_case: Case, two_measures: list[Measure]) -> None:
    client = login(world.pirna_official)
    assert client.get(f"/massnahmen/fall/{pirna_case.pk}/neu/").status_code == 404
    assert client.post(f"/massnahmen/{two_measures[0].pk}/bearbeiten/", {"status": "done"}).status_code == 404


def test_add_form_refuses_bad_input_at_the_fields_then_records(
        login: Any, world: World, pirna_case: Case, partners: dict[str, Partner]) -> None:
    client = login(world.coordinator)
    url = f"/massnahmen/fall/{pirna_case.pk}/neu/"
    page = client.get(url + "?kind=register_block")
    assert page.status_code == 200 and "§ 51" in page.content.decode()
    response = client.post(url, {"kind": "referral", "owner": world.coordinator.pk,
                                 "due_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat()})
    assert response.status_code == 400
    assert {"partner", "due_on"} <= set(response.context["form"].errors)
    assert not Measure.objects.exists()
    response = client.post(url, {"kind": "register_block", "owner": world.dresden_police.pk,
                                 "due_on": tomorrow().isoformat(), "description": "Antrag beim Meldeamt Pirna",
                                 "agreed_with_official": "on"})
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert measure.kind == "register_block" and measure.owner == world.dresden_police
    pirna_case.refresh_from_db()
    assert pirna_case.status == Case.Status.MEASURES_AGREED


def test_update_form_needs_an_outcome_for_done(login: Any, world: World, pirna_case: Case,
                                              two_measures: list[Measure]) -> None:
    client = login(world.dresden_police)
    measure = two_measures[0]
    url = f"/massnahmen/{measure.pk}/bearbeiten/"
    data = {"status": "done", "outcome": "", "owner": world.coordinator.pk, "due_on": tomorrow().isoformat()}
    response = client.post(url, data)
    assert response.status_code == 400 and "outcome" in response.context["form"].errors
    data["outcome"] = "Beratung hat stattgefunden."
    assert client.post(url, data).status_code == 302
    measure.refresh_from_db()
    assert measure.status == "done" and measure.outcome == "Beratung hat stattgefunden."


def test_script_in_free_text_is_shown_inert(login: Any, world: World, pirna_case: Case) -> None:
    services.add_measure(actor=world.coordinator, case=pirna_case, kind="behaviour_advice", owner=world.coordinator,
                         due_on=tomorrow(), description="<script>alert(1)</script>", agreed_with_official=True)
    for persona in ("coordinator", "pirna_official"):
        html = _page(login(getattr(world, persona)), pirna_case).content.decode()
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
