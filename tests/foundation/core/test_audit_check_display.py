"""Administrators and auditors see the last check of the audit chain, in German, where they work."""

from __future__ import annotations

from typing import Any

from kommunalschutz.foundation.core import audit, chain
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.core.verification import verify_audit_trail
from tests.conftest import World
from tests.foundation.core.test_audit_chain import as_owner


def test_audit_trail_page_says_when_the_chain_was_never_checked(world: World, login: Any) -> None:
    page = login(world.auditor).get("/protokoll/").content.decode()
    assert "noch nicht geprüft" in page


def test_audit_trail_page_and_administrators_home_show_an_intact_chain(world: World, login: Any) -> None:
    verify_audit_trail()
    for path in ("/protokoll/", "/"):
        page = login(world.administrator).get(path).content.decode()
        assert "Unversehrtheit des Änderungsprotokolls" in page and "unversehrt" in page, path
    # The coordinator reads the trail but runs no operations: no notice on the start page.
    assert "Unversehrtheit" not in login(world.coordinator).get("/").content.decode()


def test_a_broken_chain_is_announced_with_the_first_broken_entry(world: World, login: Any) -> None:
    events = [audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="x") for _ in range(3)]
    chain.seal_pending()
    as_owner("UPDATE core_auditevent SET object_type = 'y' WHERE id = %s", [events[1].pk])
    assert not verify_audit_trail().intact
    page = login(world.auditor).get("/protokoll/").content.decode()
    assert 'role="alert"' in page and "wurde verändert" in page
    assert f"Nr. {events[1].pk}" in page
    assert "Der Inhalt eines Eintrags passt nicht mehr zu seinem Hashwert" in page
