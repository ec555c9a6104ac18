"""Who reads which report and edition: released public editions for everyone (anonymous included), the internal
edition for the coordination office, police contacts and the LKA, drafts for the coordination office only;
everyone else gets 404, in the pages, the downloads and the API alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kommunalschutz.situation import services
from kommunalschutz.situation.models import SituationReport
from tests.conftest import World
from tests.situation.helpers import computed_report

INTERNAL_READERS = {"coordinator", "dresden_police", "lka_officer"}
EVERYONE = ["coordinator", "pirna_coordinator", "pirna_official", "dresden_police", "lka_officer", "coach",
            "analyst", "auditor", "administrator", "plauen_coordinator", "outsider", None]


def _reports(world: World) -> tuple[SituationReport, SituationReport]:
    released = computed_report(world.coordinator, dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    released = services.release_report(actor=world.coordinator, report=released)
    draft = computed_report(world.coordinator, dt.date(2024, 4, 1), dt.date(2024, 6, 30))
    return released, draft


def _client(client: Any, login: Any, world: World, persona: str | None) -> Any:
    return client if persona is None else login(getattr(world, persona))


@pytest.mark.parametrize("persona", EVERYONE)
def test_editions_and_drafts_per_role(world: World, client: Any, login: Any, persona: str | None) -> None:
    released, draft = _reports(world)
    browser = _client(client, login, world, persona)
    assert browser.get(f"/lagebericht/{released.pk}/oeffentlich/").status_code == 200
    assert browser.get(f"/lagebericht/{released.pk}/oeffentlich/tabelle/channel.csv").status_code == 200
    internal = 200 if persona in INTERNAL_READERS else 404
    assert browser.get(f"/lagebericht/{released.pk}/intern/").status_code == internal
    assert browser.get(f"/lagebericht/{released.pk}/intern/tabelle/acknowledgement.xlsx").status_code == internal
    drafts = 200 if persona == "coordinator" else 404
    for path in (f"/lagebericht/{draft.pk}/", f"/lagebericht/{draft.pk}/oeffentlich/",
                 f"/lagebericht/{draft.pk}/intern/", f"/lagebericht/{draft.pk}/oeffentlich/tabelle/channel.csv"):
        assert browser.get(path).status_code == drafts, path
    listing = browser.get("/lagebericht/").content.decode()
    assert released.title in listing
    assert (draft.title in listing) == (persona == "coordinator")


@pytest.mark.parametrize("persona", [p for p in EVERYONE if p != "coordinator"])
def test_only_the_coordination_office_changes_reports(world: World, client: Any, login: Any,
                                                      persona: str | None) -> None:
    _released, draft = _reports(world)
    browser = _client(client, login, world, persona)
    for path, data in ((f"/lagebericht/{draft.pk}/pressetext/", {"press_text": "Neu."}),
                       (f"/lagebericht/{draft.pk}/freigeben/", {}), (f"/lagebericht/{draft.pk}/berechnen/", {})):
        assert browser.post(path, data).status_code == 404
    assert browser.post("/lagebericht/", {"period_start": "2024-01-01", "period_end": "2024-01-31"}).status_code in (
        403, 404)
    assert SituationReport.objects.get(pk=draft.pk).status == SituationReport.Status.DRAFT
    assert SituationReport.objects.count() == 2


@pytest.mark.parametrize("persona", EVERYONE)
def test_the_api_answers_like_the_pages(world: World, client: Any, bearer: Any, persona: str | None) -> None:
    released, draft = _reports(world)
    headers = bearer(getattr(world, persona)) if persona else {}
    base = "/api/v1/situation-reports"
    assert client.get(f"{base}/{released.pk}", **headers).status_code == 200
    internal = 200 if persona in INTERNAL_READERS else 404
    assert client.get(f"{base}/{released.pk}?edition=internal", **headers).status_code == internal
    drafts = 200 if persona == "coordinator" else 404
    assert client.get(f"{base}/{draft.pk}", **headers).status_code == drafts
    listed = {item["id"] for item in client.get(base, **headers).json()}
    assert listed == ({released.pk, draft.pk} if persona == "coordinator" else {released.pk})
