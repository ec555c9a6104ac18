from __future__ import annotations

import rules

from kommunalschutz.foundation.core.roles import is_administrator, is_auditor, is_coordinator

# The audit trail is read by auditors; coordinators and administrators see it to
# answer "who changed this?". Nobody can change it (see core.models.AuditEvent).
rules.add_perm("core.view_audit_trail", is_auditor | is_administrator | is_coordinator)
rules.add_perm("core.export_audit_trail", is_auditor | is_administrator)
rules.add_perm("core.view_task_runs", is_administrator | is_coordinator)


@rules.predicate
def requested_task(user: object, run: object) -> bool:
    # Anonymous users (pk None) must not match runs that nobody requested (requested_by None).
    if run is None or not getattr(user, "is_authenticated", False):
        return False
    return getattr(run, "requested_by_id", None) == getattr(user, "pk", None)


rules.add_perm("core.view_task_run", requested_task | is_administrator | is_coordinator)
# Results (e.g. an audit export) go only to whoever started the task.
rules.add_perm("core.download_task_result", requested_task)

# Audit entries of protection casework (cases and what hangs on them) are for auditors only:
# coordinators and administrators see the rest of the trail, not who worked on which case.
rules.add_perm("core.view_confidential_audit", is_auditor)
