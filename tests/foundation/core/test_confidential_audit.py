"""Audit entries of protection casework are for auditors only, and never hold the encrypted values.

Coordinators and administrators read the rest of the trail; a case's history, its rows in the list, the
CSV export and the background export leave casework out for them.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.core.progress import Progress
from kommunalschutz.foundation.core.services import export_audit_operation
from kommunalschutz.protection.cases.models import Case
from tests.conftest import World
from tests.factories import CaseFactory

MARKER = "Geheimnis-Marker-7f3a"

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(world: World) -> Case:
    case = CaseFactory.create(municipality=world.pirna, description=f"Drohung {MARKER}")
    audit.record_create(actor=world.coordinator, obj=case)
    before = audit.snapshot(case)
    case.affected_name = f"Name {MARKER}"
    case.save()
    audit.record_update(actor=world.coordinator, obj=case, before=before)
    audit.record(actor=world.coordinator, action=AuditEvent.Action.OTHER, object_type="registry.municipality",
                 object_id=world.pirna.pk, summary="an ordinary entry")
    # The partner directory lives in the measures app but is public, and so is its history.
    audit.record(actor=world.coordinator, action=AuditEvent.Action.UPDATE, object_type="measures.partner",
                 object_id=1, summary="partner directory edited")
    return case


def test_encrypted_values_never_enter_the_trail(case: Case) -> None:
    events = AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk))
    assert events.count() == 2
    for event in events:
        assert MARKER not in str(event.changes) and MARKER not in event.object_repr
    update = events.get(action=AuditEvent.Action.UPDATE)
    assert "affected_name" in update.changed_fields
    assert update.changes["affected_name"] == {"old": audit.SECRET_MARKER, "new": audit.SECRET_MARKER}


@pytest.mark.parametrize("persona", ["coordinator", "administrator"])
def test_coordinators_and_administrators_do_not_see_casework(world: World, login: Any, case: Case,
                                                              persona: str) -> None:
    client = login(getattr(world, persona))
    page = client.get(reverse("core:audit_log")).content.decode()
    assert "an ordinary entry" in page and case.reference not in page
    assert "partner directory edited" in page
    assert client.get(reverse("core:object_history", args=["measures.partner", "1"])).status_code == 200
    history = client.get(reverse("core:object_history", args=["cases.case", str(case.pk)]))
    assert history.status_code == 404
    filtered = client.get(reverse("core:audit_log") + "?object_type=cases.case").content.decode()
    assert case.reference not in filtered


def test_the_auditor_sees_casework(world: World, login: Any, case: Case) -> None:
    client = login(world.auditor)
    assert case.reference in client.get(reverse("core:audit_log")).content.decode()
    history = client.get(reverse("core:object_history", args=["cases.case", str(case.pk)]))
    assert history.status_code == 200 and case.reference in history.content.decode()
    exported = b"".join(client.get(reverse("core:audit_export")).streaming_content).decode()
    assert "cases.case" in exported and MARKER not in exported


def test_exports_leave_casework_out_for_administrators(world: World, login: Any, case: Case,
                                                       tmp_path: Any, settings: Any) -> None:
    client = login(world.administrator)
    streamed = b"".join(client.get(reverse("core:audit_export")).streaming_content).decode()
    assert "registry.municipality" in streamed and "cases.case" not in streamed
    result = export_audit_operation(progress=Progress(), actor_id=world.administrator.pk)
    with default_storage.open(result["file"], "rb") as handle:
        rows = list(csv.reader(io.StringIO(handle.read().decode("utf-8"))))
    column = rows[0].index("Objekttyp (gespeichert)")
    types = {row[column] for row in rows[1:]}
    assert "registry.municipality" in types and "cases.case" not in types
    by_auditor = export_audit_operation(progress=Progress(), actor_id=world.auditor.pk)
    assert by_auditor["rows"] == result["rows"] + 2
