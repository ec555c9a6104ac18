"""Every audit row is sealed into one hash chain, and verify-audit finds the first row changed behind its back.

Runs on both databases; the tampering is done the way the owner role (or a superuser) could: with the
append-only triggers out of the way (disabled on PostgreSQL, dropped and recreated on SQLite).
"""

from __future__ import annotations

import importlib
import itertools
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from kommunalschutz.foundation.core import audit, chain
from kommunalschutz.foundation.core.models import AuditEvent, AuditVerification
from kommunalschutz.foundation.core.verification import verify_audit_trail
from tests.factories import UserFactory

MIGRATION = importlib.import_module("kommunalschutz.foundation.core.migrations.0003_audit_hash_chain")


def _events(count: int, **fields: Any) -> list[AuditEvent]:
    return [
        audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="test.chain", object_id=n,
                     changes={"value": {"old": n, "new": n + 0.5}}, summary=f"event {n}", **fields)
        for n in range(count)
    ]


def disable_triggers(cursor: Any) -> None:
    # Deferred foreign-key checks of this test's inserts must run before ALTER TABLE may.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")


def as_owner(sql: str, params: list[Any]) -> None:
    """Change audit rows past the triggers, as only the table's owner or a superuser can."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            disable_triggers(cursor)
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
            cursor.execute(sql, params)
            cursor.execute(MIGRATION.SQLITE_FORWARD[1])


def test_the_hash_covers_every_content_column() -> None:
    """A new column must be added to the chain on purpose, or it could be changed unnoticed."""
    columns = {f.attname for f in AuditEvent._meta.concrete_fields} - set(chain.SEAL_FIELDS)
    assert columns == set(chain.CHAINED_FIELDS)


@pytest.mark.django_db
def test_rows_are_chained_in_id_order_with_links_and_hashes() -> None:
    actor = UserFactory.create(username="chained")
    events = [*_events(4, obj=None), audit.record(actor=actor, action=AuditEvent.Action.LOGIN, obj=actor)]
    assert all(event.seq is None and event.hash == "" for event in events)
    assert chain.seal_pending() == 5
    rows = list(AuditEvent.objects.order_by("seq"))
    assert [row.pk for row in rows] == [event.pk for event in events]
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == chain.GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash and len(after.hash) == 64
    assert chain.seal_pending() == 0
    result = chain.verify()
    assert result.intact and result.checked == 5 and result.head_seq == 5


@pytest.mark.django_db(transaction=True)
def test_rows_are_sealed_right_after_their_transaction_commits() -> None:
    with transaction.atomic():
        first, second = _events(2)
        assert AuditEvent.objects.filter(seq__isnull=False).count() == 0
    third = audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="test.chain")  # autocommit
    rows = {row.pk: row for row in AuditEvent.objects.all()}
    assert [rows[e.pk].seq for e in (first, second, third)] == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_gap_in_the_chain() -> None:
    _events(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        _events(2)
        raise RuntimeError("the service failed")
    _events(1)
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2]
    assert chain.verify().intact


@pytest.mark.django_db
def test_triggers_allow_the_seal_once_and_no_other_change() -> None:
    event = _events(1)[0]
    chain.seal_pending()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(hash="f" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(seq=None, hash="", prev_hash="")
    unsealed = _events(1)[0]
    # Sealing must leave the content alone, even in the same statement.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=unsealed.pk).update(seq=99, prev_hash="0" * 64, hash="a" * 64, summary="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.bulk_create([AuditEvent(action="other", object_type="x", seq=7, hash="b" * 64)])
    assert chain.verify().intact


@pytest.mark.django_db
def test_verify_finds_a_row_the_owner_changed_and_names_it() -> None:
    events = _events(5)
    chain.seal_pending()
    as_owner("UPDATE core_auditevent SET summary = %s WHERE id = %s", ["nothing happened", events[2].pk])
    result = chain.verify()
    assert not result.intact
    assert (result.kind, result.broken_id, result.broken_seq) == ("content", events[2].pk, 3)
    assert result.broken_at == AuditEvent.objects.get(pk=events[2].pk).occurred_at
    assert result.checked == 2


@pytest.mark.django_db
def test_verify_finds_a_changed_json_value_and_a_rewritten_hash() -> None:
    events = _events(4)
    chain.seal_pending()
    as_owner("UPDATE core_auditevent SET changes = %s WHERE id = %s", ['{"value": {"old": 1, "new": 2}}',
                                                                       events[1].pk])
    assert (chain.verify().broken_id, chain.verify().kind) == (events[1].pk, "content")
    # Recomputing the changed row's hash only moves the break to the next row's link.
    row = AuditEvent.objects.filter(pk=events[1].pk).values(*chain.CHAINED_FIELDS, "seq", "prev_hash").get()
    forged = chain.row_hash(row, seq=row["seq"], prev_hash=row["prev_hash"])
    as_owner("UPDATE core_auditevent SET hash = %s WHERE id = %s", [forged, events[1].pk])
    result = chain.verify()
    assert (result.broken_id, result.kind) == (events[2].pk, "link")


@pytest.mark.django_db
def test_verify_finds_removed_rows_in_the_middle_and_at_the_end() -> None:
    events = _events(5)
    chain.seal_pending()
    intact = verify_audit_trail()
    assert intact.intact and intact.head_seq == 5
    # The verification's own audit row is chain position 6 once sealed; remove positions 3 and 6.
    chain.seal_pending()
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            disable_triggers(cursor)
        cursor.execute("DELETE FROM core_auditevent WHERE id IN (%s, %s)", [events[2].pk, last.pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
    result = chain.verify(seal=False)
    assert (result.kind, result.broken_id) == ("missing", events[3].pk)


@pytest.mark.django_db
def test_rows_removed_from_the_end_are_found_through_the_last_check() -> None:
    events = _events(3)
    assert verify_audit_trail().intact
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            disable_triggers(cursor)
        cursor.execute("DELETE FROM core_auditevent WHERE id >= %s", [events[2].pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
    result = verify_audit_trail()
    assert not result.intact and result.kind == "truncated" and result.broken_id is None


@pytest.mark.django_db
def test_verify_audit_command_reports_intact_with_the_count(capsys: pytest.CaptureFixture[str]) -> None:
    _events(3)
    call_command("verify_audit")
    assert "Audit trail intact: 3 row(s) checked." in capsys.readouterr().out
    stored = AuditVerification.objects.get()
    assert stored.intact and stored.checked == 3 and stored.sealed == 3
    assert AuditEvent.objects.filter(object_type="core.auditverification", object_id=str(stored.pk)).exists()


@pytest.mark.django_db
def test_verify_audit_command_fails_naming_the_broken_row() -> None:
    events = _events(3)
    chain.seal_pending()
    as_owner("UPDATE core_auditevent SET actor_label = %s WHERE id = %s", ["someone else", events[1].pk])
    with pytest.raises(CommandError) as refused:
        call_command("verify_audit")
    assert f"BROKEN at row id {events[1].pk} (chain position 2" in str(refused.value)
    assert "content no longer matches" in str(refused.value)
    stored = AuditVerification.objects.get()
    assert not stored.intact and stored.broken_id == events[1].pk


@pytest.mark.django_db
def test_the_nightly_task_stores_its_result() -> None:
    from kommunalschutz.foundation.core.tasks import verify_audit_trail_nightly

    _events(2)
    assert verify_audit_trail_nightly.call_local() is True
    assert AuditVerification.objects.get().checked == 2
