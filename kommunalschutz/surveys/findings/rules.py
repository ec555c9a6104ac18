"""Weighting, results and exports (surveys.rules). Aggregated results are for the coordination office
too; the anonymised microdata only for the contractor's analysts."""

from __future__ import annotations

import rules

from kommunalschutz.foundation.core.roles import is_coordinator
from kommunalschutz.surveys.projects.rules import is_project_analyst, is_project_team

# Weighted estimates, charts, the discrepancy view, comparisons, the report PDF, estimates as CSV/XLSX.
rules.add_perm("findings.view_results", is_coordinator | is_project_team)
# Weighting runs and the report's recommendations.
rules.add_perm("findings.weight", is_project_team)
rules.add_perm("findings.export_microdata", is_project_analyst)
