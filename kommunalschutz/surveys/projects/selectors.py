"""Reads of the surveys app, scoped to what the user may see (rules.py), without N+1 queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from kommunalschutz.alliance.programme.rules import own_target_ids
from kommunalschutz.foundation.accounts.models import Organisation
from kommunalschutz.foundation.core.access import get_for_user
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.roles import Role, roles_of
from kommunalschutz.surveys.projects.models import Item, Questionnaire, SurveyProject

VIEW, EDIT = "surveys.view_project", "surveys.edit_project"


def visible_projects(user: Any) -> QuerySet[SurveyProject]:
    """Coordination office: every project; municipal coordinators: their municipality's; analysts: their
    contractor's. The same scope as ``surveys.view_project`` (the rules decide each single project)."""
    if user is None or not user.has_perm("surveys.view_projects"):
        return SurveyProject.objects.none()
    projects = SurveyProject.objects.all()
    roles = roles_of(user)
    if Role.COORDINATOR in roles:
        return projects
    condition = Q(pk__in=[])
    municipalities, _districts = own_target_ids(user, Role.MUNICIPAL_COORDINATOR)
    if municipalities:
        condition |= Q(municipality_id__in=municipalities)
    if Role.ANALYST in roles:
        contractors = user.memberships.filter(role=Role.ANALYST).values_list("organisation_id", flat=True)
        condition |= Q(contractor_id__in=list(contractors))
    return projects.filter(condition)


def project_list(user: Any) -> QuerySet[SurveyProject]:
    return (visible_projects(user).select_related("municipality", "contractor")
            .defer("municipality__boundary", "crest")
            .annotate(questionnaire_count=Count("questionnaires", distinct=True),
                      latest_version=Max("questionnaires__version"))
            .order_by("-year", *german("municipality__name"), "pk"))


def project_for(user: Any, pk: int, permission: str = VIEW) -> SurveyProject:
    """One project the user may see (or edit); 404 otherwise."""
    queryset = SurveyProject.objects.select_related(
        "municipality", "contractor", "security_analysis__engagement").defer("municipality__boundary")
    return get_for_user(user, queryset, permission, pk=pk)


def questionnaire_for(user: Any, project: SurveyProject, version: int, permission: str = VIEW) -> Questionnaire:
    return get_for_user(user, project.questionnaires.select_related("project"), permission, version=version)


def item_for(user: Any, questionnaire: Questionnaire, pk: int, permission: str = EDIT) -> Item:
    return get_for_user(user, questionnaire.items.select_related("questionnaire__project"), permission, pk=pk)


def questionnaires(project: SurveyProject) -> QuerySet[Questionnaire]:
    return project.questionnaires.annotate(item_count=Count("items")).order_by("-version")


def items(questionnaire: Questionnaire) -> list[Item]:
    return list(questionnaire.items.order_by("position"))


def addable_municipalities(user: Any) -> QuerySet[Any]:
    """Municipalities the user may set a survey up for (``surveys.add_project``)."""
    from kommunalschutz.foundation.registry.models import Municipality

    municipalities = Municipality.objects.defer("boundary").order_by(*german("name"))
    if Role.COORDINATOR in roles_of(user):
        return municipalities
    own, _districts = own_target_ids(user, Role.MUNICIPAL_COORDINATOR)
    return municipalities.filter(pk__in=own)


def contractors() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=Organisation.Kind.ANALYSIS_CONTRACTOR).order_by(*german("name"))


def linkable_analyses(municipality: Any = None, project: SurveyProject | None = None) -> QuerySet[Any]:
    """The alliance's security analyses a project may link to: not yet linked to another project, and (if
    given) of the same municipality."""
    from kommunalschutz.alliance.engagements.models import SecurityAnalysis

    analyses = SecurityAnalysis.objects.select_related("engagement__municipality").filter(
        Q(survey_project__isnull=True) | Q(survey_project=project) if project else Q(survey_project__isnull=True))
    if municipality is not None:
        analyses = analyses.filter(engagement__municipality=municipality)
    return analyses.order_by("-engagement__started_on")


def current_questionnaire(project: SurveyProject) -> Questionnaire | None:
    """The newest version of the project's questionnaire."""
    return project.questionnaires.order_by("-version").first()
