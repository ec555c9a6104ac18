"""Measures: the team agrees and tracks them, the reporter sees them, the LKA decides protection requests."""

from __future__ import annotations

import rules

from kommunalschutz.foundation.core.roles import is_coordinator
from kommunalschutz.protection.cases.rules import is_case_reporter, is_case_team, is_involved_lka

rules.add_perm("measures.view_measures", is_case_reporter | is_case_team)
rules.add_perm("measures.manage_measures", is_case_team)
rules.add_perm("measures.decide_protection", is_involved_lka)
# The partner directory is public; the coordination office keeps it.
rules.add_perm("measures.manage_partners", is_coordinator)
