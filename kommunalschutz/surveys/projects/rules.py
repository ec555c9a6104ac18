"""Who may see and work on a survey project (need to know).

- The coordination office (coordinator) sees every project and its aggregated results, and may set
  projects up, but never the register, the addresses or individual answers.
- The municipal coordinator of the surveyed municipality works on everything of their project: the
  municipality owns the register extract and receives the postal returns.
- Analysts work on the projects of their own analysis contractor (``project.contractor``), everything
  included; analysts of other contractors see nothing (404).
Records of a project (questionnaire, sample, member, response, weighting) answer for their project.
"""

from __future__ import annotations

from typing import Any

import rules

from kommunalschutz.alliance.programme.rules import is_own_municipality
from kommunalschutz.foundation.core.roles import Role, is_analyst, is_coordinator, is_municipal_coordinator, roles_of


def project_of(obj: Any) -> Any:
    """The survey project a record belongs to (the project itself for a project)."""
    from kommunalschutz.surveys.projects.models import SurveyProject

    seen = 0
    while obj is not None and not isinstance(obj, SurveyProject) and seen < 5:
        for link in ("project", "sample", "questionnaire", "member"):
            if hasattr(obj, link):
                obj = getattr(obj, link)
                break
        else:
            return None
        seen += 1
    return obj


@rules.predicate
def is_project_analyst(user: Any, obj: Any) -> bool:
    """An analyst of the analysis contractor the project is commissioned to."""
    project = project_of(obj)
    if project is None or project.contractor_id is None or Role.ANALYST not in roles_of(user):
        return False
    return bool(user.memberships.filter(role=Role.ANALYST, organisation_id=project.contractor_id).exists())


@rules.predicate
def is_project_municipality(user: Any, obj: Any) -> bool:
    """The municipal coordinator of the surveyed municipality."""
    project = project_of(obj)
    return project is not None and bool(is_own_municipality(user, project))


is_project_team = is_project_municipality | is_project_analyst

rules.add_perm("surveys.view_projects", is_coordinator | is_municipal_coordinator | is_analyst)
# Checked on the municipality the new project surveys.
rules.add_perm("surveys.add_project", is_coordinator | is_own_municipality)
rules.add_perm("surveys.view_project", is_coordinator | is_project_team)
# Settings, crest, field period, questionnaires (builder, versions, PDF), status.
rules.add_perm("surveys.edit_project", is_coordinator | is_project_team)
