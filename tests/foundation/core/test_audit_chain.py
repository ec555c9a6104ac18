"""Every audit row is sealed into one hash chain, and verify-audit finds the first row changed behind its back.

Runs on both databases; the tampering is done the way the owner role (or a superuser) could: with the
append-only triggers out of the way (disabled on PostgreSQL, dropped and recreated on SQLite).
The seals live in a table of their own (core_auditseal), so the audit rows are never updated.
"""

from __future__ import annotations

import importlib
import itertools
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from kommunalschutz.foundation.core import audit, chain
from kommunalschutz.foundation.core.models import AppendOnlyError, AuditEvent, AuditSeal, AuditVerification
from kommunalschutz.foundation.core.verification import verify_audit_trail
from tests.factories import UserFactory

APPEND_ONLY = importlib.import_module("kommunalschutz.foundation.core.migrations.0002_audit_append_only_and_cache")
SEALS = importlib.import_module("kommunalschutz.foundation.core.migrations.0003_audit_hash_chain")
SQLITE_UPDATE_TRIGGERS = {"core_auditevent": ("core_auditevent_no_update", APPEND_ONLY.SQLITE_FORWARD),
                          "core_auditseal": ("core_auditseal_no_update", SEALS.SQLITE_FORWARD)}


def _events(count: int, **fields: Any) -> list[AuditEvent]:
    return [
        audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="test.chain", object_id=n,
                     changes={"value": {"old": n, "new": n + 0.5}}, summary=f"event {n}", **fields)
        for n in range(count)
    ]


def disable_triggers(cursor: Any, table: str = "core_auditevent") -> None:
    # Deferred foreign-key checks of this test's inserts must run before ALTER TABLE may.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")


def as_owner(sql: str, params: list[Any], table: str = "core_auditevent") -> None:
    """Change or delete rows of ``table`` past its triggers, as only the owner or a superuser can."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            disable_triggers(cursor, table)
            cursor.execute(sql, params)
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        else:
            trigger, create = SQLITE_UPDATE_TRIGGERS[table]
            cursor.execute(f"DROP TRIGGER {trigger}")
            cursor.execute(sql, params)
            cursor.execute(create)


def _seal_of(event: AuditEvent) -> AuditSeal:
    return AuditSeal.objects.get(event=event)


def test_the_hash_covers_every_content_column() -> None:
    """A new column must be added to the chain on purpose, or it could be changed unnoticed."""
    assert {f.attname for f in AuditEvent._meta.concrete_fields} == set(chain.CHAINED_FIELDS)


@pytest.mark.django_db
def test_rows_are_chained_in_id_order_with_links_and_hashes() -> None:
    actor = UserFactory.create(username="chained")
    events = [*_events(4, obj=None), audit.record(actor=actor, action=AuditEvent.Action.LOGIN, obj=actor)]
    assert not AuditSeal.objects.exists()
    assert chain.seal_pending().count == 5
    rows = list(AuditSeal.objects.order_by("seq"))
    assert [row.event_id for row in rows] == [event.pk for event in events]
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == chain.GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash and len(after.hash) == 64
    content = AuditEvent.objects.filter(pk=events[2].pk).values(*chain.CHAINED_FIELDS).get()
    assert rows[2].hash == chain.row_hash(content, seq=3, prev_hash=rows[1].hash)
    assert chain.seal_pending().count == 0
    result = chain.verify()
    assert result.intact and result.checked == 5 and result.head_seq == 5


@pytest.mark.django_db(transaction=True)
def test_rows_are_sealed_right_after_their_transaction_commits() -> None:
    with transaction.atomic():
        first, second = _events(2)
        assert not AuditSeal.objects.exists()
    third = audit.record(actor=None, action=AuditEvent.Action.OTHER, object_type="test.chain")  # autocommit
    seqs = dict(AuditSeal.objects.values_list("event_id", "seq"))
    assert [seqs[e.pk] for e in (first, second, third)] == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_gap_in_the_chain() -> None:
    _events(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        _events(2)
        raise RuntimeError("the service failed")
    _events(1)
    assert list(AuditSeal.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2]
    assert AuditEvent.objects.count() == 2
    assert chain.verify().intact


@pytest.mark.django_db
def test_triggers_refuse_every_update_of_events_and_seals() -> None:
    event = _events(1)[0]
    chain.seal_pending()
    seal = _seal_of(event)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="forged")
    for change in ({"hash": "f" * 64}, {"prev_hash": "f" * 64}, {"seq": 99}, {"sealed_at": event.occurred_at}):
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditSeal.objects.filter(seq=seal.seq).update(**change)
    if connection.vendor == "postgresql":  # SQLite allows DELETE for the test flush (migration 0002)
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditseal WHERE seq = %s", [seal.seq])
    # The model refuses on every database; the event cannot go while its seal points at it.
    with pytest.raises(AppendOnlyError):
        seal.save()
    with pytest.raises(AppendOnlyError):
        seal.delete()
    with pytest.raises(ProtectedError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    if connection.vendor == "postgresql":  # past the trigger, the foreign key still holds
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            disable_triggers(cursor)
            cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # A second seal for the same event, or a second row at the same place, is refused.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditSeal.objects.bulk_create([AuditSeal(seq=2, event=event, prev_hash=seal.hash, hash="a" * 64)])
    other = _events(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditSeal.objects.bulk_create([AuditSeal(seq=1, event=other, prev_hash=chain.GENESIS, hash="a" * 64)])
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
    row = AuditEvent.objects.filter(pk=events[1].pk).values(*chain.CHAINED_FIELDS).get()
    seal = _seal_of(events[1])
    forged = chain.row_hash(row, seq=seal.seq, prev_hash=seal.prev_hash)
    as_owner("UPDATE core_auditseal SET hash = %s WHERE seq = %s", [forged, seal.seq], table="core_auditseal")
    result = chain.verify()
    assert (result.broken_id, result.kind) == (events[2].pk, "link")


def _remove(event_ids: list[int]) -> None:
    """Delete events and their seals, as the owner could (the seal's foreign key wants its seal gone first)."""
    marks = ", ".join(["%s"] * len(event_ids))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            disable_triggers(cursor, "core_auditseal")
            disable_triggers(cursor, "core_auditevent")
        cursor.execute(f"DELETE FROM core_auditseal WHERE event_id IN ({marks})", event_ids)  # noqa: S608
        cursor.execute(f"DELETE FROM core_auditevent WHERE id IN ({marks})", event_ids)  # noqa: S608
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditseal ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")


@pytest.mark.django_db
def test_verify_finds_removed_rows_in_the_middle_and_at_the_end() -> None:
    events = _events(5)
    chain.seal_pending()
    intact = verify_audit_trail()
    assert intact.intact and intact.head_seq == 5
    # The verification's own audit row is chain position 6 once sealed; remove positions 3 and 6.
    chain.seal_pending()
    last = AuditSeal.objects.order_by("-seq").first()
    assert last is not None and last.seq == 6
    _remove([events[2].pk, last.event_id])
    result = chain.verify(seal=False)
    assert (result.kind, result.broken_id, result.broken_seq) == ("missing", events[3].pk, 4)


@pytest.mark.django_db
def test_a_removed_seal_alone_is_found_even_when_the_event_is_sealed_again() -> None:
    events = _events(4)
    chain.seal_pending()
    as_owner("DELETE FROM core_auditseal WHERE event_id = %s", [events[1].pk], table="core_auditseal")
    result = chain.verify()  # seals the orphaned event again, at the end: the gap stays
    assert result.sealed == 1 and _seal_of(events[1]).seq == 5
    assert (result.kind, result.broken_id) == ("missing", events[2].pk)


@pytest.mark.django_db
def test_rows_removed_from_the_end_are_found_through_the_last_check() -> None:
    events = _events(3)
    assert verify_audit_trail().intact
    _remove([event.pk for event in events[2:]] + list(
        AuditEvent.objects.filter(object_type="core.auditverification").values_list("pk", flat=True)))
    result = verify_audit_trail()
    assert not result.intact and result.kind == "truncated" and result.broken_id is None


@pytest.mark.django_db
def test_a_head_rewritten_with_a_recomputed_hash_is_found_through_the_anchor() -> None:
    events = _events(3)
    checked = verify_audit_trail()  # its own entry stays unsealed here: no commit in this test
    assert checked.intact and checked.head_seq == 3
    as_owner("UPDATE core_auditevent SET summary = 'nothing' WHERE id = %s", [events[2].pk])
    seal = _seal_of(events[2])
    row = AuditEvent.objects.filter(pk=events[2].pk).values(*chain.CHAINED_FIELDS).get()
    forged = chain.row_hash(row, seq=3, prev_hash=seal.prev_hash)
    as_owner("UPDATE core_auditseal SET hash = %s WHERE seq = 3", [forged], table="core_auditseal")
    assert chain.verify(seal=False).intact  # the chain alone cannot tell
    result = chain.verify(seal=False, anchor=(3, checked.head_hash))
    assert (result.intact, result.kind) == (False, "anchor")


@pytest.mark.django_db
def test_events_that_waited_past_the_grace_period_are_sealed_by_the_check_and_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    old, recent = _events(2)
    as_owner("UPDATE core_auditevent SET occurred_at = %s WHERE id = %s",
             [old.occurred_at - chain.RECENT - chain.GRACE, old.pk])
    # The sealer after a commit looks at the recent events only; the old one waits for the check.
    assert chain.seal_pending(everything=False).count == 1
    assert chain.verify(seal=False).details == {"unsealed": 1}
    call_command("verify_audit")
    captured = capsys.readouterr()
    assert "1 Eintrag/Einträge versiegelt" in captured.out and "WARNUNG: 1 davon hatten länger" in captured.err
    stored = AuditVerification.objects.get()
    assert stored.intact and (stored.sealed, stored.late, stored.checked) == (1, 1, 2)
    assert [s.event_id for s in AuditSeal.objects.order_by("seq")] == [recent.pk, old.pk]


@pytest.mark.django_db
def test_verify_audit_command_reports_intact_with_the_count(capsys: pytest.CaptureFixture[str]) -> None:
    _events(3)
    call_command("verify_audit")
    assert "Protokoll unversehrt: 3 Eintrag/Einträge geprüft." in capsys.readouterr().out
    stored = AuditVerification.objects.get()
    assert stored.intact and stored.checked == 3 and stored.sealed == 3 and stored.late == 0
    assert AuditEvent.objects.filter(object_type="core.auditverification", object_id=str(stored.pk)).exists()


@pytest.mark.django_db
def test_verify_audit_command_fails_naming_the_broken_row() -> None:
    events = _events(3)
    chain.seal_pending()
    as_owner("UPDATE core_auditevent SET actor_label = %s WHERE id = %s", ["someone else", events[1].pk])
    with pytest.raises(CommandError) as refused:
        call_command("verify_audit")
    assert f"UNTERBROCHEN (Eintrag Nr. {events[1].pk} (Kettenposition 2" in str(refused.value)
    assert "Inhalt des Eintrags passt nicht mehr zu seinem Hash" in str(refused.value), str(refused.value)
    stored = AuditVerification.objects.get()
    assert not stored.intact and stored.broken_id == events[1].pk


@pytest.mark.django_db
def test_the_nightly_task_stores_its_result() -> None:
    from kommunalschutz.foundation.core.tasks import verify_audit_trail_nightly

    _events(2)
    assert verify_audit_trail_nightly.call_local() is True
    assert AuditVerification.objects.get().checked == 2
