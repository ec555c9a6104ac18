"""Evidence: the reporter and the case team; nobody else (checked on the case)."""

from __future__ import annotations

import rules

from kommunalschutz.protection.cases.rules import is_case_reporter, is_case_team, is_case_worker

rules.add_perm("evidence.add_evidence", is_case_reporter | is_case_team)
rules.add_perm("evidence.view_evidence", is_case_reporter | is_case_worker)
# The evidence package (ZIP with originals, manifest and summary) for a criminal complaint.
rules.add_perm("evidence.export_evidence", is_case_reporter | is_case_team)
