"""Pages of the sampling app under /stichprobe/<project>/ (thin: reads in selectors, writes in services).

Only the project team (sampling.manage_sample) gets any page; everyone else gets 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kommunalschutz.foundation.core.documents import download, table_download
from kommunalschutz.foundation.core.errors import messages_by_field
from kommunalschutz.foundation.web.pages import request_user, save
from kommunalschutz.surveys.sampling import forms, minimisation, register, register_format, selectors, synthetic
from kommunalschutz.surveys.sampling.draw import draw_sample
from kommunalschutz.surveys.sampling.letters import (
    MAX_REMINDERS,
    mark_undeliverable,
    reminder_members,
    reminder_rounds,
    send_letters,
    send_reminders,
    start_rendering,
)
from kommunalschutz.surveys.sampling.models import RegisterExtract

PAGE_SIZE = 200


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    for field_messages in messages_by_field(exc).values():
        for message in field_messages:
            messages.error(request, message)


@login_required
@require_GET
def overview(request: HttpRequest, project_pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, project_pk)
    extracts = list(project.register_extracts.all()[:10])
    sample = selectors.sample_of(project)
    return render(request, "sampling/overview.html", {
        "project": project, "extracts": extracts, "current": register.current_extract(project),
        "sample": sample, "tracking": selectors.tracking(project) if sample else None,
        "upload_form": forms.UploadForm() if sample is None else None,
        "draw_form": forms.DrawForm() if sample is None else None,
        "reminder_count": reminder_members(sample).count() if sample else 0,
        "reminder_rounds": selectors.reminder_round_sizes(sample) if sample else [],
        "letter_runs": selectors.letter_runs(user, project) if sample else [],
        "max_reminders": MAX_REMINDERS,
        "cells": project.population_cells.filter(source="register").count(),
    })


@login_required
@require_POST
def upload(request: HttpRequest, project_pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, project_pk)
    form = forms.UploadForm(request.POST, request.FILES)
    if form.is_valid():
        uploaded = form.cleaned_data["file"]
        extract = save(form, lambda: register.upload_register(
            actor=user, project=project, data=uploaded.file, file_name=uploaded.name))
        if extract is not None:
            return redirect("sampling:mapping", project_pk=project.pk, pk=extract.pk)
    return render(request, "sampling/upload.html", {"project": project, "form": form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: HttpRequest, project_pk: int, pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, project_pk)
    extract = selectors.extract_for(project, pk)
    if extract.status not in (RegisterExtract.Status.UPLOADED, RegisterExtract.Status.INVALID):
        return redirect("sampling:report", project_pk=project.pk, pk=extract.pk)
    form = forms.MappingForm(request.POST or None, header=extract.header, initial_mapping=extract.mapping)
    if request.method == "POST" and form.is_valid():
        checked = save(form, lambda: register.import_extract(actor=user, extract=extract,
                                                              mapping=form.mapping()))
        if checked is not None:
            if checked.status == RegisterExtract.Status.IMPORTED:
                messages.success(request, _("The register extract has been imported: %(count)s persons in the "
                                            "sampling frame.") % {"count": checked.rows_in_frame})
            return redirect("sampling:report", project_pk=project.pk, pk=extract.pk)
    return render(request, "sampling/mapping.html", {
        "project": project, "extract": extract, "form": form,
        "delimiter_label": {";": _("semicolon"), ",": _("comma"), "\t": _("tab")}.get(extract.delimiter, ""),
    }, status=400 if form.errors else 200)


@login_required
@require_GET
def report(request: HttpRequest, project_pk: int, pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, project_pk)
    extract = selectors.extract_for(project, pk)
    data = extract.report or {}
    labels = register_format.target_labels()
    kind_labels = register_format.problem_kind_labels()
    return render(request, "sampling/report.html", {
        "project": project, "extract": extract, "report": data,
        "mapped": [(labels.get(t, t), extract.header[i] if i < len(extract.header) else i)
                   for t, i in extract.mapping.items()],
        "kinds": [(kind_labels.get(kind, kind), count) for kind, count in sorted((data.get("by_kind") or {}).items())],
    })


@login_required
@require_GET
def report_csv(request: HttpRequest, project_pk: int, pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, project_pk)
    extract = selectors.extract_for(project, pk)
    data = extract.report or {}
    rows = [(p["line"], p["column"], p["message"]) for p in data.get("problems", [])]
    listed, total = len(rows), data.get("error_count", 0)
    if total > listed:
        rows.append(("", "", _("%(listed)s of %(total)s problems listed.") % {"listed": listed, "total": total}))
    return table_download("csv", [_("Line"), _("Column"), _("Problem")], rows,
                          basename=f"pruefbericht-melderegister-{extract.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def extract_delete(request: HttpRequest, project_pk: int, pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, project_pk)
    extract = selectors.extract_for(project, pk)
    form = forms.ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and save(
            form, lambda: register.delete_extract(actor=user, extract=extract)):
        messages.success(request, _("The register extract has been deleted."))
        return redirect("sampling:overview", project_pk=project.pk)
    return render(request, "sampling/confirm.html", {
        "project": project, "form": form, "title": _("Delete the register extract “%(name)s”") % {
            "name": extract.file_name},
        "intro": _("The uploaded file and its rows are deleted. The population counts per cell stay for "
                   "weighting."),
        "submit": _("Delete the register extract"),
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def draw(request: HttpRequest, project_pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, project_pk)
    form = forms.DrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sample = save(form, lambda: draw_sample(actor=user, project=project, **form.cleaned_data))
        if sample is not None:
            messages.success(request, _("The sample of %(size)s persons has been drawn (seed %(seed)s).")
                             % {"size": sample.size, "seed": sample.seed})
            return redirect("sampling:overview", project_pk=project.pk)
    return render(request, "sampling/draw.html", {
        "project": project, "form": form, "current": register.current_extract(project),
    }, status=400 if form.errors else 200)


def _start_rendering(request: HttpRequest, project: Any, send: Callable[[], Any] | None,
                     round_: Callable[[], int]) -> HttpResponse:
    """Do the state change (if any) at once and queue the PDF; show its progress."""
    user = request_user(request)
    try:
        with transaction.atomic():
            if send is not None:
                send()
            run = start_rendering(actor=user, project=project, round=round_(),
                                           site_url=_site_url(request))
    except ValidationError as exc:
        _flash_errors(request, exc)
        return redirect("sampling:overview", project_pk=project.pk)
    return redirect("sampling:rendering", project_pk=project.pk, pk=run.pk)


@login_required
@require_POST
def letters(request: HttpRequest, project_pk: int) -> HttpResponse:
    """Send the cover letters (the first time) and render them; later: render them again."""
    user = request_user(request)
    project = selectors.project_for(user, project_pk)
    sample = selectors.sample_of(project)
    first = sample is not None and sample.letters_produced_at is None and sample.addresses_deleted_at is None
    send = (lambda: send_letters(actor=user, project=project)) if first else None
    return _start_rendering(request, project, send, lambda: 0)


@login_required
@require_POST
def reminders(request: HttpRequest, project_pk: int) -> HttpResponse:
    """Send a new reminder round and render it."""
    user = request_user(request)
    project = selectors.project_for(user, project_pk)

    def round_() -> int:
        sample = selectors.sample_of(project)
        return reminder_rounds(sample) if sample is not None else 1

    return _start_rendering(request, project, lambda: send_reminders(actor=user, project=project),
                            round_)


@login_required
@require_POST
def reminders_again(request: HttpRequest, project_pk: int, round_: int) -> HttpResponse:
    """Render a reminder round that has been sent already (same recipients)."""
    user = request_user(request)
    project = selectors.project_for(user, project_pk)
    return _start_rendering(request, project, None, lambda: round_)


@login_required
@require_GET
def rendering(request: HttpRequest, project_pk: int, pk: int) -> HttpResponse:
    """Progress of a letters rendering and, when done, its download (only for whoever started it)."""
    user = request_user(request)
    project = selectors.project_for(user, project_pk)
    run = selectors.letter_run_for(user, project, pk)
    return render(request, "sampling/rendering.html", {"project": project, "run": run})


@login_required
@require_http_methods(["GET", "POST"])
def tracking(request: HttpRequest, project_pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, project_pk)
    form = forms.UndeliverableForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member = save(form, lambda: mark_undeliverable(actor=user, project=project,
                                                                 number=form.cleaned_data["number"]))
        if member is not None:
            messages.success(request, _("Letter %(number)s is marked undeliverable.") % {"number": member.number})
            return redirect("sampling:tracking", project_pk=project.pk)
    status = request.GET.get("status", "")
    page = Paginator(selectors.members_page(project, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "sampling/tracking.html", {
        "project": project, "form": form, "page": page, "status": status, "tracking": selectors.tracking(project),
    }, status=400 if form.errors else 200)


@login_required
@require_GET
def member_detail(request: HttpRequest, project_pk: int, number: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, project_pk)
    member = selectors.member_for(project, number)
    return render(request, "sampling/member_detail.html", {"project": project, "member": member})


@login_required
@require_http_methods(["GET", "POST"])
def addresses_delete(request: HttpRequest, project_pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, project_pk)
    form = forms.ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and save(
            form, lambda: minimisation.delete_addresses(actor=user, project=project)) is not None:
        messages.success(request, _("Names, addresses and access codes of the sample have been deleted."))
        return redirect("sampling:overview", project_pk=project.pk)
    return render(request, "sampling/confirm.html", {
        "project": project, "form": form, "title": _("Delete the addresses of the sample"),
        "intro": _("Names, addresses and access codes of every member are deleted. No more letters can be "
                   "printed and the access codes no longer work. Strata, design weights and status stay for "
                   "weighting and the response rate. This happens by itself the night after the field period "
                   "ends."),
        "submit": _("Delete the addresses"),
    }, status=400 if form.errors else 200)


# --- practice project ------------------------------------------------------------------------------


@login_required
@require_GET
def practice_register(request: HttpRequest, pk: int) -> HttpResponse:
    """The synthetic register extract of a practice project, to try the upload (Windows-1252, ';').

    Mounted as surveys:demo_register under the project page (/befragungen/<pk>/demo/melderegister.csv)."""
    project = selectors.practice_project_for(request_user(request), pk)
    return download(synthetic.register_file(project),
                    filename=f"melderegister-synthetisch-{project.municipality.ags}.csv",
                    content_type="text/csv; charset=windows-1252")
