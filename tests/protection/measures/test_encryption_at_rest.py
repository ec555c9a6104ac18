"""Description, outcome and the reasons of a decision are encrypted in the database (raw SQL scan)."""

from __future__ import annotations

from django.db import connection

from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.measures import services
from kommunalschutz.protection.measures.models import Measure
from tests.conftest import World
from tests.protection.measures.conftest import tomorrow


def test_free_text_of_measures_is_not_stored_in_plaintext(world: World, pirna_case: Case) -> None:
    measure = services.add_measure(actor=world.dresden_police, case=pirna_case, kind="protection_request",
                                   protection_kind="personal", owner=world.dresden_police, due_on=tomorrow(),
                                   description="KLARTEXT-BESCHREIBUNG Personenschutz")
    services.decide_protection(actor=world.lka_officer, measure=measure, decision="granted",
                               note="KLARTEXT-BEGRUENDUNG Gefährdung belegt")
    services.update_measure(actor=world.dresden_police, measure=measure, status="done",
                            outcome="KLARTEXT-ERGEBNIS Schutz eingerichtet")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Measure._meta.db_table}")  # noqa: S608 - a fixed table name
        rows = cursor.fetchall()
    dump = repr(rows)
    assert "KLARTEXT" not in dump
    stored = Measure.objects.get(pk=measure.pk)  # and it decrypts again
    assert stored.description.startswith("KLARTEXT-BESCHREIBUNG")
    assert stored.outcome.startswith("KLARTEXT-ERGEBNIS") and stored.decision_note.startswith("KLARTEXT-BEGR")
