"""Online hate: the import page (pasted list, export file, screenshots), the column dialog, the triage page
with the decisions, and the export of corrections. Outsiders get 404 for every page (the case decides)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kommunalschutz.foundation.core.access import get_for_user, require_perm
from kommunalschutz.foundation.web.pages import request_user, save
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.cases.rules import is_case_reporter
from kommunalschutz.protection.evidence import store
from kommunalschutz.protection.evidence.views import attachment
from kommunalschutz.protection.onlinehate import forms, importing, presentation, selectors, services
from kommunalschutz.protection.onlinehate.models import ThreadImport

IMPORT, VIEW, DECIDE, EXPORT = ("onlinehate.import_online_content", "onlinehate.view_triage",
                                "onlinehate.decide_triage", "onlinehate.export_corrections")
PAGE_SIZE = 50


def _case(request: HttpRequest, pk: int, permission: str) -> Case:
    """The case if the user may open it (else 404) and holds ``permission`` on it (else 404 too)."""
    case = get_for_user(request.user, Case.objects.select_related("municipality"), "cases.view_case", pk=pk)
    require_perm(request.user, permission, case)
    return case


def _after_import(request: HttpRequest, case: Case, written: int, already: int) -> HttpResponse:
    text = ngettext("%(count)s comment has been imported as evidence.",
                    "%(count)s comments have been imported as evidence.", written) % {"count": written}
    if already:
        text += " " + ngettext("%(count)s was already in the case and was skipped.",
                               "%(count)s were already in the case and were skipped.", already) % {"count": already}
    messages.success(request, text)
    if request.user.has_perm(VIEW, case):
        return redirect("onlinehate:triage", pk=case.pk)
    return redirect("evidence:case_evidence", pk=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, IMPORT)
    user = request_user(request)
    by_reporter = bool(is_case_reporter(request.user, case)) and not request.user.has_perm(DECIDE, case)
    which = request.POST.get("form") if request.method == "POST" else None
    paste = forms.PasteForm(request.POST if which == "paste" else None)
    export = forms.ExportForm(request.POST if which == "export" else None,
                              request.FILES if which == "export" else None)
    shots = forms.ScreenshotsForm(request.POST if which == "screenshots" else None,
                                  request.FILES if which == "screenshots" else None)
    report: dict[str, Any] | None = None
    if which == "paste" and paste.is_valid():
        data = paste.cleaned_data
        result = save(paste, lambda: services.import_paste(
            case=case, actor=user, text=data["text"], platform=data["platform"], url=data["url"],
            posted_at=data.get("posted_at"), captured_at=data.get("captured_at"), by_reporter=by_reporter))
        if result is not None:
            thread_import, outcome = result
            if thread_import is not None:
                return _after_import(request, case, thread_import.item_count, thread_import.duplicate_count)
            report = services.report_dict(outcome.report)
            paste.add_error(None, _("Nothing was imported: the check found %(count)s problems. Please correct the "
                                    "lines named in the check report and try again.")
                            % {"count": outcome.report.problem_count})
    elif which == "export" and export.is_valid():
        data = export.cleaned_data
        thread_import = save(export, lambda: services.upload_export(
            case=case, actor=user, upload=data.get("file"), platform=data.get("platform", ""),
            url=data.get("url", ""), captured_at=data.get("captured_at"), by_reporter=by_reporter))
        if thread_import is not None:
            return redirect("onlinehate:mapping", pk=case.pk, import_pk=thread_import.pk)
    elif which == "screenshots" and shots.is_valid():
        data = shots.cleaned_data
        thread_import = save(shots, lambda: services.import_screenshots(
            case=case, actor=user, rows=shots.rows(), platform=data["platform"],
            captured_at=data.get("captured_at"), by_reporter=by_reporter))
        if thread_import is not None:
            return _after_import(request, case, thread_import.item_count, thread_import.duplicate_count)
    bound = which in ("paste", "export", "screenshots")
    return render(request, "onlinehate/import.html", {
        "case": case, "paste_form": paste, "export_form": export, "shots_form": shots, "open": which or "",
        "report": presentation.report(report), "imports": selectors.imports_of(case)[:20],
        "max_items": importing.max_items(), "max_mb": f"{services.max_bytes() / 1_000_000:g}",
    }, status=400 if bound else 200)


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: HttpRequest, pk: int, import_pk: int) -> HttpResponse:
    case = _case(request, pk, IMPORT)
    thread_import = selectors.import_for(case, import_pk)
    if thread_import.status != ThreadImport.Status.UPLOADED:
        return redirect("onlinehate:import", pk=case.pk)
    user = request_user(request)
    form = forms.MappingForm(request.POST or None, header=thread_import.header,
                             initial_mapping=thread_import.mapping)
    if request.method == "POST" and form.is_valid():
        outcome = save(form, lambda: services.import_export(thread_import=thread_import, actor=user,
                                                            mapping=form.mapping()))
        thread_import.refresh_from_db()
        if outcome is not None:
            return _after_import(request, case, thread_import.item_count, thread_import.duplicate_count)
    try:
        rows = services.preview(thread_import)
    except (store.EvidenceIntegrityError, importing.FormatError):  # the check names the problem
        rows = []
    return render(request, "onlinehate/mapping.html", {
        "case": case, "thread_import": thread_import, "form": form, "preview": rows,
        "report": presentation.report(presentation.stored_report(thread_import.report)),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def discard(request: HttpRequest, pk: int, import_pk: int) -> HttpResponse:
    case = _case(request, pk, IMPORT)
    thread_import = selectors.import_for(case, import_pk)
    try:
        services.discard_upload(thread_import=thread_import, actor=request_user(request))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("onlinehate:import", pk=case.pk)
    messages.success(request, _("The uploaded file has been removed; nothing was imported from it."))
    return redirect("onlinehate:import", pk=case.pk)


def _triage_page(request: HttpRequest, case: Case, *, failed: Any = None, status: int = 200) -> HttpResponse:
    source = request.GET if request.method == "GET" else request.POST
    show = source.get("zeigen", "offen")
    show = show if show in selectors.SHOWS else "offen"
    page = Paginator(selectors.triage_rows(case, show), PAGE_SIZE).get_page(source.get("seite"))
    can_decide = request.user.has_perm(DECIDE, case)
    return render(request, "onlinehate/triage.html", {
        "case": case, "show": show, "page": page, "counts": selectors.triage_counts(case),
        "rows": presentation.triage_rows(page.object_list, can_decide=can_decide, failed=failed),
        "can_decide": can_decide, "can_import": request.user.has_perm(IMPORT, case),
        "can_export": request.user.has_perm(EXPORT, case), "model": presentation.model_status(),
        "shows": presentation.show_choices(), "page_number": page.number,
    }, status=status)


@login_required
@require_http_methods(["GET"])
def triage(request: HttpRequest, pk: int) -> HttpResponse:
    return _triage_page(request, _case(request, pk, VIEW))


def _back(request: HttpRequest, case: Case, anchor: str) -> HttpResponse:
    """Back to the triage page as it was (the filter and page come with the form)."""
    show = request.POST.get("zeigen", "offen")
    query = {"zeigen": show if show in selectors.SHOWS else "offen"}
    number = request.POST.get("seite", "")
    if number.isdigit():
        query["seite"] = number
    return redirect(reverse("onlinehate:triage", args=[case.pk]) + "?" + urlencode(query) + f"#{anchor}")


@login_required
@require_POST
def decide(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """One decision: the labels and legal category as chosen, or the model's labels taken over ("accept")."""
    case = _case(request, pk, DECIDE)
    triaged = selectors.triaged_for(case, item_pk)
    form = forms.DecisionForm(request.POST, prefix=f"d{triaged.pk}")
    user = request_user(request)
    if request.POST.get("accept"):
        form.is_valid()
        form.errors.clear()
        done = save(form, lambda: services.confirm_suggestion(triaged=triaged, actor=user))
    elif form.is_valid():
        data = form.cleaned_data
        done = save(form, lambda: services.decide(triaged=triaged, actor=user, task1=data["task1"],
                                                  task2=data.get("task2", ""),
                                                  legal_category=data.get("legal_category", "")))
    else:
        done = None
    if done is not None:
        messages.success(request, _("The decision on comment %(number)s has been saved.") % {"number": triaged.pk})
        return _back(request, case, f"kommentar-{triaged.pk}")
    return _triage_page(request, case, failed=(triaged.pk, form), status=400)


@login_required
@require_POST
def rank(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, DECIDE)
    try:
        count = services.rank_case(case=case, actor=request_user(request))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("onlinehate:triage", pk=case.pk)
    messages.success(request, ngettext("%(count)s item has been ranked by the current model.",
                                       "%(count)s items have been ranked by the current model.", count)
                     % {"count": count})
    return redirect("onlinehate:triage", pk=case.pk)


@login_required
@require_http_methods(["GET"])
def corrections(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, EXPORT)
    filename, content, _count = services.corrections_file(case=case, actor=request_user(request),
                                                           only_changed=request.GET.get("nur") == "korrekturen")
    return attachment(content, filename=filename, content_type="text/plain; charset=utf-8")
