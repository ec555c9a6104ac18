"""The audit trail records writes with field-level changes and cannot be rewritten."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.models import AppendOnlyError, AuditEvent
from tests.factories import DistrictFactory, UserFactory


@pytest.mark.django_db
def test_update_records_old_and_new_values_of_changed_fields_only() -> None:
    district = DistrictFactory.create(name="Altkreis", population=10)
    actor = UserFactory.create(username="editor")
    before = audit.snapshot(district, ["name", "population", "seat"])
    district.name = "Neukreis"
    district.save()
    event = audit.record_update(actor=actor, obj=district, before=before)
    assert event is not None
    assert event.changed_fields == ["name"]
    assert event.changes == {"name": {"old": "Altkreis", "new": "Neukreis"}}
    assert event.actor == actor and event.actor_label == "editor"
    assert event.object_type == "registry.district" and event.object_id == str(district.pk)


@pytest.mark.django_db
def test_unchanged_update_writes_no_event() -> None:
    district = DistrictFactory.create()
    before = audit.snapshot(district)
    assert audit.record_update(actor=None, obj=district, before=before) is None
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_secret_fields_are_masked_in_changes() -> None:
    user = UserFactory.create(username="masked")
    before = audit.snapshot(user, ["password", "email"])
    user.set_password("another secret value")
    user.email = "new@example.org"
    user.save()
    event = audit.record_update(actor=None, obj=user, before=before)
    assert event is not None
    assert event.changes["password"] == {"old": "[secret]", "new": "[secret]"}
    assert event.changes["email"]["new"] == "new@example.org"
    assert "another secret value" not in str(event.changes)


@pytest.mark.django_db
def test_system_actor_is_recorded_as_system() -> None:
    event = audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="x", summary="s")
    assert event.actor is None and event.actor_label == "system"


@pytest.mark.django_db
def test_model_refuses_to_update_or_delete_an_event() -> None:
    event = audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="x")
    event.summary = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.django_db
def test_database_refuses_raw_update_of_audit_rows() -> None:
    event = audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="x", summary="original")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET summary = %s WHERE id = %s", ["forged", event.pk])
    event.refresh_from_db()
    assert event.summary == "original"


@pytest.mark.django_db
def test_database_refuses_raw_delete_of_audit_rows_on_postgresql() -> None:
    """On PostgreSQL the trigger also rejects DELETE; SQLite allows it (see migration 0002 for why)."""
    event = audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="x")

    def raw_delete() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])

    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError):
            raw_delete()
        assert AuditEvent.objects.filter(pk=event.pk).exists()
    else:
        assert connection.vendor == "sqlite"
        raw_delete()
        assert not AuditEvent.objects.filter(pk=event.pk).exists()
