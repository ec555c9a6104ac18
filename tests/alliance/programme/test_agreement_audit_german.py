"""Issue 13: an agreement's signatories read in German on the audit trail.

The service records each signatory as "<party>: <name> (<function>)" with the party's stored key
("municipality", "police", "coordination_office"); rows written so are never rewritten, so the page shows
the party's German label in front, and the agreement's parties by their names.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import translation

from kommunalschutz.alliance.programme import agreements
from kommunalschutz.foundation.core import audit_display, chain
from kommunalschutz.foundation.core.models import AuditEvent
from tests.alliance.programme.conftest import draft
from tests.german import english_in

SIGNATORIES = ("Unterzeichnende: – → Kommune oder Landkreis: Tim Lochner (Oberbürgermeister), "  # noqa: RUF001
               "Polizei: Lutz Rodig (Polizeipräsident), "
               "Koordinierungsstelle: Sven Forkert (Leiter der Geschäftsstelle)")


def _changes(event: AuditEvent) -> list[str]:
    with translation.override("de"):
        return [str(change) for change in audit_display.show(event).changes]


def test_the_signatories_of_a_new_draft_read_in_german(world: Any) -> None:
    draft(world)
    event = AuditEvent.objects.get(object_type="alliance.cooperationagreement", action="create")
    assert event.changes["signatories"]["new"][0].startswith("municipality: ")  # stored as it was
    changes = _changes(event)
    assert SIGNATORIES in changes
    # The parties of the agreement by their names, not their ids.
    assert "Polizeidirektion: – → Polizeidirektion Dresden" in changes  # noqa: RUF001
    assert "Gemeinde: – → Pirna, Stadt" in changes  # noqa: RUF001
    assert not [text for text in changes if "municipality:" in text or "police:" in text]
    assert not english_in("; ".join(changes))


def test_replaced_signatories_read_in_german_on_the_page(world: Any, login: Any) -> None:
    agreement = draft(world)
    agreements.update_agreement(actor=world.coordinator, agreement=agreement, signatories=[
        {"party": "municipality", "name": "Anna Schmidt", "function": "Bürgermeisterin"}])
    chain.seal_pending()
    event = AuditEvent.objects.get(object_type="alliance.cooperationagreement", action="update")
    assert ("Unterzeichnende: Koordinierungsstelle: Sven Forkert (Leiter der Geschäftsstelle), Kommune oder "
            "Landkreis: Tim Lochner (Oberbürgermeister), Polizei: Lutz Rodig (Polizeipräsident) → Kommune oder "
            "Landkreis: Anna Schmidt (Bürgermeisterin)") in _changes(event)
    page = login(world.administrator).get(reverse("core:audit_log")).content.decode()
    assert "Kommune oder Landkreis: Anna Schmidt (Bürgermeisterin)" in page
    assert "municipality: Anna Schmidt" not in page
    assert chain.verify().intact


def test_a_text_that_starts_with_no_party_stays_as_stored(world: Any) -> None:
    event = AuditEvent(object_type="alliance.cooperationagreement", action=AuditEvent.Action.UPDATE,
                       changes={"signatories": {"old": None, "new": ["mayor: A (B)", "Tim Lochner"]}})
    assert _changes(event) == ["Unterzeichnende: – → mayor: A (B), Tim Lochner"]  # noqa: RUF001
