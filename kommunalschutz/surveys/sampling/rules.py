"""The register extract, the sample's addresses and the letters: the project team only (surveys.rules)."""

from __future__ import annotations

import rules

from kommunalschutz.surveys.projects.rules import is_project_team

# Upload and map the register extract, draw the sample, produce letters and reminders, track letters,
# delete extract and addresses. The coordination office never sees personal data.
rules.add_perm("sampling.manage_sample", is_project_team)
