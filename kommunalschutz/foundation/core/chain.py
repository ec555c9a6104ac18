"""The audit trail's hash chain: sealing new rows and walking the chain (docs/foundation/audit.md, decision 0015).

A row is inserted by its service's transaction and never touched again. Right after that transaction
commits, :func:`seal_pending` gives every committed event without a seal the next place in the chain: a row
of its own in ``core_auditseal`` with ``seq`` (its place), ``prev_hash`` (the hash of the seal before) and
``hash`` (SHA-256 over the canonical JSON of the event's content, ``seq`` and ``prev_hash``). Sealers take
one lock (a transaction-scoped advisory lock on PostgreSQL, the database's write lock on SQLite) and, while
holding it, only read committed audit rows and insert seals, which no other transaction ever locks: the
chain never forks, and no writer can deadlock on it or wait for it. Both tables are INSERT and SELECT only
for the application.

:func:`verify` recomputes every hash in chain order and reports the first seal that differs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# The content each hash covers. Fixed on purpose: a new column of AuditEvent must be added here with a
# new chain version (tests/foundation/core/test_audit_chain.py fails until someone decides).
CHAINED_FIELDS = (
    "id", "occurred_at", "actor_id", "actor_label", "action", "object_type", "object_id", "object_repr",
    "changed_fields", "changes", "summary",
)
SEAL_FIELDS = ("seq", "prev_hash", "hash")
# The sealer after a commit looks for unsealed events this far back (an indexed range, not the whole
# table); older stragglers (a crash between commit and seal, a transaction open longer) are sealed by
# the verifier, which looks at every event, and reported when they waited longer than GRACE.
RECENT = dt.timedelta(hours=1)
GRACE = dt.timedelta(minutes=5)
GENESIS = "0" * 64
# Key of the PostgreSQL advisory lock that serialises sealers ("ks-audit" as a number).
ADVISORY_LOCK_KEY = 0x6B732D6175646974
BATCH = 500


def _canonical_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def canonical(row: dict[str, Any], *, seq: int, prev_hash: str) -> bytes:
    """The bytes a row's hash is taken over: its content as sorted, compact JSON with its chain place."""
    payload = {name: _canonical_value(row[name]) for name in CHAINED_FIELDS}
    payload["seq"] = seq
    payload["prev_hash"] = prev_hash
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def row_hash(row: dict[str, Any], *, seq: int, prev_hash: str) -> str:
    return hashlib.sha256(canonical(row, seq=seq, prev_hash=prev_hash)).hexdigest()


def _models(event_model: Any, seal_model: Any) -> tuple[Any, Any]:
    if event_model is not None and seal_model is not None:
        return event_model, seal_model
    from kommunalschutz.foundation.core.models import AuditEvent, AuditSeal

    return AuditEvent, AuditSeal


def _lock(using: str) -> None:
    """Serialise sealers. SQLite already did: the transaction began IMMEDIATE, with the write lock."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


@dataclass
class Sealed:
    """What one :func:`seal_pending` run did: rows sealed, and how many of them had waited past ``GRACE``."""

    count: int = 0
    late: int = 0


def seal_pending(
    *, using: str = DEFAULT_DB_ALIAS, everything: bool = True, event_model: type[models.Model] | None = None,
    seal_model: type[models.Model] | None = None,
) -> Sealed:
    """Chain committed events that have no seal yet, in id order.

    With ``everything`` (the verifier, the migration, tests) every event is looked at; without (the sealer
    after a commit) only the events of the last ``RECENT`` period, which stays an indexed range however
    long the trail grows.
    """
    event_model, seal_model = _models(event_model, seal_model)
    events = event_model._default_manager.using(using)
    seals = seal_model._default_manager.using(using)
    done = Sealed()
    while True:
        now = timezone.now()
        pending = events.filter(seal__isnull=True)
        if not everything:
            pending = pending.filter(occurred_at__gte=now - RECENT)
        with transaction.atomic(using=using):
            _lock(using)
            head = seals.order_by("-seq").values_list("seq", "hash").first()
            rows = list(pending.order_by("id").values(*CHAINED_FIELDS)[:BATCH])
            seq, prev = head if head is not None else (0, GENESIS)
            new = []
            for row in rows:
                seq += 1
                digest = row_hash(row, seq=seq, prev_hash=prev)
                new.append(seal_model(seq=seq, event_id=row["id"], prev_hash=prev, hash=digest, sealed_at=now))
                prev = digest
            if new:
                seals.bulk_create(new)
        done.count += len(rows)
        done.late += sum(row["occurred_at"] < now - GRACE for row in rows)
        if len(rows) < BATCH:
            return done


def seal_after_commit(using: str = DEFAULT_DB_ALIAS) -> None:
    """Seal once the current transaction has committed (once per transaction, however many rows it wrote).

    A failure is logged and leaves the rows for the next sealer or the nightly verification: the
    change and its audit row are committed by then, and the person who made it must not see an error.
    """
    connection = connections[using]
    if connection.in_atomic_block and any(entry[1] is _seal_quietly for entry in connection.run_on_commit):
        return
    transaction.on_commit(_seal_quietly, using=using, robust=True)


def _seal_quietly() -> None:
    try:
        seal_pending(everything=False)
    except Exception:
        logger.exception("Sealing the audit trail failed; the next write or the nightly check seals the rows.")


@dataclass
class Verification:
    """The outcome of walking the chain; ``problem`` names the first broken link."""

    intact: bool = True
    checked: int = 0
    sealed: int = 0
    late: int = 0
    head_seq: int | None = None
    head_hash: str = ""
    broken_id: int | None = None
    broken_seq: int | None = None
    broken_at: dt.datetime | None = None
    kind: str = ""
    problem: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def fail(self, row: dict[str, Any] | None, kind: str, problem: str, **details: Any) -> Verification:
        self.intact = False
        self.kind = kind
        if row is not None:
            self.broken_id, self.broken_seq, self.broken_at = row["id"], row["seq"], row["occurred_at"]
        self.problem = problem
        self.details = details
        return self


def _chain_rows(using: str, **filters: Any) -> Any:
    """Seals in chain order, each with its event's content (``id`` is the event's id)."""
    from kommunalschutz.foundation.core.models import AuditSeal

    content = {f"event__{name}": name for name in CHAINED_FIELDS}
    for row in (AuditSeal.objects.using(using).filter(**filters).order_by("seq")
                .values(*SEAL_FIELDS, *content).iterator(chunk_size=2000)):
        yield {content.get(key, key): value for key, value in row.items()}


def verify(
    *, using: str = DEFAULT_DB_ALIAS, anchor: tuple[int, str] | None = None, seal: bool = True
) -> Verification:
    """Walk the chain from its first seal and stop at the first broken link.

    ``anchor`` is the head (seq, hash) an earlier verification saw: it must still be there unchanged,
    which is how seals removed from the end of the chain are noticed. With ``seal`` (the default: the
    verifier runs as the application) events still without a seal are sealed first; those that waited
    longer than ``GRACE`` are counted in ``late``. Without, they are counted in ``details["unsealed"]``.
    """
    from kommunalschutz.foundation.core.models import AuditEvent, AuditSeal

    result = Verification()
    if seal:
        sealed = seal_pending(using=using)
        result.sealed, result.late = sealed.count, sealed.late
    expected_seq, prev = 1, GENESIS
    for row in _chain_rows(using):
        if row["seq"] != expected_seq:
            return result.fail(row, "missing", f"rows missing before this row: expected chain position {expected_seq}, "
                                    f"found {row['seq']}", expected_seq=expected_seq)
        if row["prev_hash"] != prev:
            return result.fail(row, "link", "the link to the previous row does not match: the previous row was "
                                    "replaced or this row's link was rewritten",
                               stored_prev_hash=row["prev_hash"], previous_hash=prev)
        computed = row_hash(row, seq=row["seq"], prev_hash=row["prev_hash"])
        if computed != row["hash"]:
            return result.fail(row, "content", "the row's content no longer matches its hash: it was changed after "
                                    "it was sealed", stored_hash=row["hash"], computed_hash=computed)
        result.checked += 1
        result.head_seq, result.head_hash = row["seq"], row["hash"]
        prev = row["hash"]
        expected_seq += 1
    if anchor is not None:
        anchor_seq, anchor_hash = anchor
        if result.head_seq is None or result.head_seq < anchor_seq:
            return result.fail(None, "truncated", f"rows removed from the end: the chain ends at position "
                                     f"{result.head_seq or 0}, an earlier check saw it reach {anchor_seq}",
                               anchor_seq=anchor_seq)
        at_anchor = AuditSeal.objects.using(using).filter(seq=anchor_seq).values_list("hash", flat=True).first()
        if at_anchor != anchor_hash:
            return result.fail(None, "anchor", f"the row at chain position {anchor_seq} differs from the one an "
                                     "earlier check saw", anchor_seq=anchor_seq)
    unsealed = AuditEvent.objects.using(using).filter(seal__isnull=True).count()
    if unsealed:
        result.details["unsealed"] = unsealed
    return result
