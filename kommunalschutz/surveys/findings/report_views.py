"""Pages of the discrepancy view and the final report (thin: computing in findings.report).

Every page looks the project up with the permission in one step: outsiders get 404, never 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kommunalschutz.foundation.core.access import get_for_user
from kommunalschutz.foundation.web.pages import request_user, submit
from kommunalschutz.surveys.findings import report
from kommunalschutz.surveys.findings.report_forms import RecommendationsForm
from kommunalschutz.surveys.projects.models import SurveyProject

VIEW = "findings.view_results"
EDIT = "findings.weight"


def _project(request: HttpRequest, project_pk: int, permission: str) -> SurveyProject:
    return get_for_user(request.user, SurveyProject.objects.select_related("municipality__district"),
                        permission, pk=project_pk)


@login_required
@require_GET
def discrepancy(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk, VIEW)
    return render(request, "findings/discrepancy.html", {
        "project": project, "d": report.discrepancy(project),
    })


@login_required
@require_GET
def report_page(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk, VIEW)
    return render(request, "findings/report.html", {
        "project": project, "can_edit": request.user.has_perm(EDIT, project),
        "released": project.status == SurveyProject.Status.REPORTED,
    })


@login_required
@require_http_methods(["GET", "POST"])
def report_pdf(request: HttpRequest, project_pk: int) -> HttpResponse | FileResponse:
    """The final report as PDF. The report the system rendered after the weighting is served at once
    while it is current (report.report_key). Otherwise rendering takes 10-20 seconds, so a POST queues it
    (decision 0024) and the page shows its progress and then the download (the user's own newest report
    of the project)."""
    project = _project(request, project_pk, VIEW)
    user = request_user(request)
    name = report.stored_report_file(project)
    if request.method == "POST":
        if name is None:
            report.start_report(actor=user, project=project)
        return redirect("findings:report_pdf", project_pk=project.pk)
    if name is not None:
        try:
            handle = default_storage.open(name, "rb")
        except FileNotFoundError as exc:  # removed between the look-up and now
            raise Http404 from exc
        return FileResponse(handle, as_attachment=True, filename=name.rsplit("/", 1)[-1],
                            content_type="application/pdf")
    return render(request, "findings/report_pdf_task.html", {
        "project": project, "run": report.latest_report_task(user, project)})


@login_required
@require_http_methods(["GET", "POST"])
def recommendations(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk, EDIT)
    form = RecommendationsForm(request.POST or None, initial={"recommendations": project.recommendations})
    if submit(request, form, lambda: report.save_recommendations(
            actor=request_user(request), project=project, text=form.cleaned_data["recommendations"])) is not None:
        messages.success(request, _("The recommendations have been saved."))
        return redirect("findings:report", project_pk=project.pk)
    return render(request, "findings/report_recommendations.html", {"project": project, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def release(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk, EDIT)
    try:
        report.release_report(actor=request_user(request), project=project)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The final report has been released."))
    return redirect("findings:report", project_pk=project.pk)
