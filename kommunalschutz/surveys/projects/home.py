"""The survey projects' part of the start page: each running project the user may see, with its next
step, linking to the page where that step is done (only if the user may open it: the same permissions
the sampling, responses and findings pages check; else the project page). Registered in SurveysConfig."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kommunalschutz.foundation.core.home import FIRST_FEW, HomeItem, HomeSection, sections
from kommunalschutz.foundation.core.roles import Role, roles_of
from kommunalschutz.surveys.projects.models import SurveyProject


def next_step(user: Any, project: SurveyProject, *, has_questionnaire: bool) -> tuple[str | Promise, str]:
    """(what comes next, where it is done) for a project that is not finished."""
    detail = reverse("surveys:detail", args=[project.pk])
    status = SurveyProject.Status
    today = timezone.localdate()
    if project.status == status.PREPARATION:
        if not has_questionnaire:
            return _("Build the questionnaire"), detail + "#questionnaires"
        if user.has_perm("sampling.manage_sample", project):
            return _("Upload the register extract and draw the sample"), reverse("sampling:overview",
                                                                                 args=[project.pk])
        return _("The contractor draws the sample"), detail
    if project.status == status.SAMPLING:
        return _("Produce the letters and begin the field phase"), detail + "#field"
    if project.status == status.FIELD:
        if project.field_end and project.field_end < today:
            return _("End the field phase"), detail + "#field"
        if user.has_perm("responses.enter_responses", project):
            return _("Enter the returned paper forms"), reverse("responses:entry", args=[project.pk])
        return _("In the field until %(date)s") % {
            "date": formats.date_format(project.field_end, "SHORT_DATE_FORMAT")} if project.field_end else _(
            "In the field"), detail
    if user.has_perm("findings.weight", project):
        return _("Weight the responses and release the report"), reverse("findings:overview", args=[project.pk])
    if user.has_perm("findings.view_results", project):
        return _("Results are being analysed"), reverse("findings:overview", args=[project.pk])
    return _("Results are being analysed"), detail


def home_context(request: HttpRequest) -> dict[str, Any]:
    from django.db.models import Count

    from kommunalschutz.surveys.projects.selectors import visible_projects

    user = request.user
    if not user.is_authenticated or not user.has_perm("surveys.view_projects"):
        return {}
    running = (visible_projects(user).exclude(status=SurveyProject.Status.REPORTED)
               .select_related("municipality").defer("municipality__boundary", "crest")
               .annotate(questionnaire_count=Count("questionnaires")).order_by("-year", "municipality__name", "pk"))
    items = []
    for project in running[:FIRST_FEW]:
        step, url = next_step(user, project, has_questionnaire=bool(project.questionnaire_count))
        items.append(HomeItem(f"{project.municipality.name} {project.year}: {step}", url,
                              detail=project.get_status_display()))
    office = Role.COORDINATOR in roles_of(user)
    return sections(HomeSection(
        key="surveys-next", wing="surveys", position=10, title=_("Survey projects: the next step"),
        count=running.count(), items=items, waiting=not office,
        more_url=reverse("surveys:list"), more_label=_("Citizen surveys"),
        empty=_("No survey project is running.")))
