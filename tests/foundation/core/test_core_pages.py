from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.models import AuditEvent, SiteState
from tests.conftest import World


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/impressum/", "/datenschutz/", "/datenquellen/"])
def test_public_pages_render_in_german(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert '<html lang="de">' in response.content.decode()


@pytest.mark.django_db
def test_demo_banner_appears_only_while_demo_data_is_loaded(client: Client) -> None:
    assert "demo-banner" not in client.get("/").content.decode()
    state = SiteState.load()
    state.demo_loaded_at = "2026-01-01T00:00:00+01:00"
    state.save()
    assert "demo-banner" in client.get("/").content.decode()


@pytest.mark.parametrize(("persona", "status"), [
    ("auditor", 200), ("administrator", 200), ("coordinator", 200),
    ("pirna_coordinator", 404), ("dresden_police", 404), ("analyst", 404), ("outsider", 404),
])
def test_audit_log_is_for_auditors_and_the_office(world: World, login: Any, persona: str, status: int) -> None:
    assert login(getattr(world, persona)).get("/protokoll/").status_code == status


def test_audit_log_requires_login(world: World, client: Client) -> None:
    response = client.get("/protokoll/")
    assert response.status_code == 302 and "/konto/anmelden/" in response["Location"]


def test_object_history_lists_events_of_that_object_only(world: World, login: Any) -> None:
    audit.record(actor=world.coordinator, action=AuditEvent.Action.UPDATE, obj=world.pirna,
                 changes={"phone": {"old": "1", "new": "2"}})
    audit.record(actor=world.coordinator, action=AuditEvent.Action.UPDATE, obj=world.plauen,
                 changes={"phone": {"old": "3", "new": "4"}})
    body = login(world.auditor).get(f"/protokoll/registry.municipality/{world.pirna.pk}/").content.decode()
    assert "Pirna" in body and "Plauen" not in body


@pytest.mark.parametrize(("persona", "status"), [("auditor", 200), ("administrator", 200), ("coordinator", 404)])
def test_audit_export_is_for_auditors(world: World, login: Any, persona: str, status: int) -> None:
    audit.record(actor=world.coordinator, action=AuditEvent.Action.UPDATE, obj=world.pirna,
                 changes={"phone": {"old": "1", "new": "2"}})
    response = login(getattr(world, persona)).get("/protokoll/export.csv")
    assert response.status_code == status
    if status == 200:
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert rows[0][:3] == ["Nr.", "Zeitpunkt", "Person"]
        stored_type = rows[0].index("Objekttyp (gespeichert)")
        assert any(row[2] == "coordinator" and row[4] == "Gemeinde" and row[stored_type] == "registry.municipality"
                   for row in rows[1:])


def test_navigation_shows_role_items_only_after_the_second_factor(world: World, client: Client, login: Any) -> None:
    client.force_login(world.coordinator)  # password accepted, second factor not yet verified
    pending = client.get("/impressum/").content.decode()
    assert "/protokoll/" not in pending and "/konto/organisationen/" not in pending
    verified = login(world.coordinator).get("/impressum/").content.decode()
    assert "/protokoll/" in verified and "/konto/organisationen/" in verified


@pytest.mark.parametrize(("persona", "visible", "hidden"), [
    ("auditor", ["/protokoll/"], ["/konto/organisationen/", "/register/import/"]),
    ("pirna_coordinator", ["/konto/profil/"], ["/protokoll/", "/konto/organisationen/", "/register/import/"]),
    ("administrator", ["/protokoll/", "/register/import/", "/aufgaben/"], []),
])
def test_navigation_follows_the_role(world: World, login: Any, persona: str, visible: list[str],
                                     hidden: list[str]) -> None:
    nav = login(getattr(world, persona)).get("/impressum/").content.decode().split('class="main-nav"')[1]
    nav = nav.split("</nav>")[0]
    for path in visible:
        assert f'href="{path}"' in nav
    for path in hidden:
        assert f'href="{path}"' not in nav
