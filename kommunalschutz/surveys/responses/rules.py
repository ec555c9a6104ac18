"""Paper entry and individual answers: the project team only (surveys.rules). Answering online needs
no account: the access code is the credential."""

from __future__ import annotations

import rules

from kommunalschutz.surveys.projects.rules import is_project_team

rules.add_perm("responses.enter_responses", is_project_team)
rules.add_perm("responses.view_responses", is_project_team)
