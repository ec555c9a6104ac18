"""The surveys part of the REST API (mounted under /api/v1/), read-only and scoped like the pages.

A project (or questionnaire) the caller may not see answers 404, and so does the list for a caller
without ``surveys.view_projects``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from ninja import Router, Status

from kommunalschutz.foundation.accounts.auth import token_auth
from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.web.api import ErrorOut, not_found
from kommunalschutz.foundation.web.pages import request_user
from kommunalschutz.surveys.projects import logic, selectors
from kommunalschutz.surveys.projects.models import Questionnaire, SurveyProject
from kommunalschutz.surveys.projects.schemas import (
    ItemOut,
    ProjectDetailOut,
    ProjectOut,
    QuestionnaireOut,
    QuestionnaireSummaryOut,
)

router = Router(tags=["surveys"])

def _project_out(project: SurveyProject) -> dict[str, Any]:
    return {
        "id": project.pk, "title": project.title, "year": project.year, "status": project.status,
        "municipality_ags": project.municipality.ags, "municipality_name": project.municipality.name,
        "contractor": project.contractor.name if project.contractor else None,
        "reference_date": project.reference_date, "minimum_age": project.minimum_age,
        "double_entry": project.double_entry, "field_start": project.field_start, "field_end": project.field_end,
        "security_analysis": project.security_analysis_id, "is_synthetic": project.is_synthetic,
    }


def _visible(user: User, project_id: int) -> SurveyProject | None:
    project = selectors.project_list(user).filter(pk=project_id).first()
    if project is None or not user.has_perm(selectors.VIEW, project):
        return None
    return project


@router.get("/surveys/projects", response={200: list[ProjectOut], 404: ErrorOut}, auth=token_auth,
            summary="The survey projects the caller may see")
def list_projects(request: HttpRequest) -> Any:
    user = request_user(request)
    if not user.has_perm("surveys.view_projects"):
        return not_found()
    return Status(200, [ProjectOut(**_project_out(p)) for p in selectors.project_list(user)])


@router.get("/surveys/projects/{int:project_id}", response={200: ProjectDetailOut, 404: ErrorOut},
            auth=token_auth, summary="One survey project with its questionnaire versions")
def get_project(request: HttpRequest, project_id: int) -> Any:
    project = _visible(request_user(request), project_id)
    if project is None:
        return not_found()
    versions = project.questionnaires.annotate(n=Count("items")).order_by("version")
    return Status(200, ProjectDetailOut(**_project_out(project), questionnaires=[
        QuestionnaireSummaryOut(version=q.version, title_de=q.title_de, frozen_at=q.frozen_at, items=q.n)
        for q in versions]))


@router.get("/surveys/projects/{int:project_id}/questionnaires/{int:version}",
            response={200: QuestionnaireOut, 404: ErrorOut}, auth=token_auth,
            summary="One questionnaire version with its questions, answer options and filters")
def get_questionnaire(request: HttpRequest, project_id: int, version: int) -> Any:
    project = _visible(request_user(request), project_id)
    questionnaire: Questionnaire | None = project.questionnaires.filter(version=version).first() if project else None
    if questionnaire is None:
        return not_found()
    items = []
    for item in selectors.items(questionnaire):
        allowed = logic.allowed_values(item)
        items.append(ItemOut(
            position=item.position, code=item.code, block=item.block, kind=item.kind, text_de=item.text_de,
            text_en=item.text_en, options=item.options, allow_dont_use=item.allow_dont_use,
            allow_dont_know=item.allow_dont_know, allowed_values=sorted(allowed) if allowed is not None else None,
            minimum=item.minimum, maximum=item.maximum, required=item.required, show_if=item.show_if,
            bank_key=item.bank_key))
    return Status(200, QuestionnaireOut(
        project=project_id, version=questionnaire.version, title_de=questionnaire.title_de,
        title_en=questionnaire.title_en, intro_de=questionnaire.intro_de, intro_en=questionnaire.intro_en,
        frozen_at=questionnaire.frozen_at, items=items))
