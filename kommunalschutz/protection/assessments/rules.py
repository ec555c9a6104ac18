"""Threat assessments are the case team's professional judgement; reporters do not see them."""

from __future__ import annotations

import rules

from kommunalschutz.protection.cases.rules import is_case_team

rules.add_perm("assessments.view_assessments", is_case_team)
# Recording an assessment and confirming (as second reviewer) another person's high rating.
rules.add_perm("assessments.assess", is_case_team)
