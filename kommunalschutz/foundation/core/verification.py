"""Checking the audit trail's hash chain and keeping the result (the write behind ``verify-audit`` and the
nightly task). Its own module because the task queue calls it and core.services imports the task queue."""

from __future__ import annotations

import logging

from django.db import transaction

from kommunalschutz.foundation.core import audit, chain
from kommunalschutz.foundation.core.audit import AuditActor
from kommunalschutz.foundation.core.models import AuditEvent, AuditVerification

logger = logging.getLogger(__name__)


def verify_audit_trail(*, actor: AuditActor = None) -> AuditVerification:
    """Walk the audit hash chain, store the outcome for the dashboard and record that the check ran.

    The head the last intact check saw is the anchor: rows removed from the chain's end show up too.
    """
    last = AuditVerification.objects.filter(intact=True, head_seq__isnull=False).first()
    anchor = (last.head_seq, last.head_hash) if last is not None and last.head_seq is not None else None
    outcome = chain.verify(anchor=anchor)
    with transaction.atomic():
        result = AuditVerification.objects.create(
            intact=outcome.intact, checked=outcome.checked, sealed=outcome.sealed, late=outcome.late,
            head_seq=outcome.head_seq, head_hash=outcome.head_hash, broken_id=outcome.broken_id,
            broken_seq=outcome.broken_seq, broken_at=outcome.broken_at, kind=outcome.kind,
            problem=outcome.problem[:500],
        )
        audit.record(
            actor=actor, action=AuditEvent.Action.OTHER, obj=result,
            summary=f"audit chain intact, {outcome.checked} rows" if outcome.intact
            else f"audit chain broken at row {outcome.broken_id}: {outcome.problem}",
        )
    if outcome.late:
        logger.warning("%s audit event(s) waited longer than %s for their seal and were sealed by the check "
                       "(the sealer after their commit did not run: a crash or a lost database connection).",
                       outcome.late, chain.GRACE)
    if not outcome.intact:
        logger.error("The audit trail's hash chain is broken at row %s: %s %s",
                     outcome.broken_id, outcome.problem, outcome.details)
    return result
