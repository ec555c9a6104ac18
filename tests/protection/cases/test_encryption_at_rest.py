"""Free text and personal data of a case never reach the database in plaintext: a unique marker in the
description, the names and a message is searched in every text column of every table (the audit trail
included), while the case page shows it to the case team."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kommunalschutz.protection.cases import case_tasks, incidents, messaging, workflow
from tests.conftest import World
from tests.protection.cases.conftest import make_case

MARKER = "Quokka7319Marker"


def _columns_containing(needle: str) -> list[str]:
    found: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                name = connection.ops.quote_name(column.name)
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)} "  # noqa: S608 - names from introspection
                               f"WHERE CAST({name} AS TEXT) LIKE %s", [f"%{needle}%"])
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column.name}")
    return found


def test_the_marker_is_not_in_the_database_but_on_the_page(world: World, login: Any) -> None:
    case = make_case(municipality=world.pirna, reported_by=world.pirna_official, affected_user=world.pirna_official,
                     owner=world.coordinator, status="acknowledged",
                     description=f"Drohung gegen {MARKER} am Rathaus", affected_name=f"Frau {MARKER}",
                     perpetrator_details=f"Herr {MARKER}-Täter", place_detail=f"Hinterhof {MARKER}")
    messaging.post_message(actor=world.coordinator, case=case, body=f"Rückfrage an {MARKER}")
    messaging.post_message(actor=world.coordinator, case=case, body=f"Intern: {MARKER}", internal=True)
    case_tasks.add_task(actor=world.coordinator, case=case, title=f"{MARKER} anrufen",
                        due_on=timezone.localdate())
    incidents.update_incident(actor=world.coordinator, case=case,
                              data={"description": f"Zweite Drohung gegen {MARKER}",
                                    "affected_contact": f"{MARKER}@example.org"})
    workflow.close_case(actor=world.coordinator, case=case, reason="resolved", note=f"Ende {MARKER}")
    workflow.reopen_case(actor=world.coordinator, case=case, reason=f"Neu: {MARKER}")

    assert _columns_containing(MARKER) == []
    html = login(world.coordinator).get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert f"Zweite Drohung gegen {MARKER}" in html and f"Frau {MARKER}" in html and f"Rückfrage an {MARKER}" in html


def test_the_scan_would_find_plaintext(world: World) -> None:
    """The scan itself works: a plain column (the platform name) is found."""
    make_case(municipality=world.pirna, platform=f"Forum {MARKER}", channel="social_media")
    assert _columns_containing(MARKER) == ["cases_case.platform"]
