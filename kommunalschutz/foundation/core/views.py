from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kommunalschutz.foundation.core import audit_display, services
from kommunalschutz.foundation.core.access import get_for_user, require_perm
from kommunalschutz.foundation.core.audit import is_confidential_type, visible_events
from kommunalschutz.foundation.core.home import home_context
from kommunalschutz.foundation.core.models import AuditEvent, AuditVerification, SiteState, TaskRun


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {**home_context(request), "state": SiteState.load(), "today": timezone.localdate()}
    # Administrators and auditors see the last check of the audit chain where they start.
    if request.user.has_perm("core.view_audit_trail") and request.user.has_perm("core.export_audit_trail"):
        context.update(show_audit_check=True, audit_check=AuditVerification.objects.first())
    return render(request, "core/home.html", context)


def imprint(request: HttpRequest) -> HttpResponse:
    return render(request, "core/imprint.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html")


def data_sources(request: HttpRequest) -> HttpResponse:
    return render(request, "core/data_sources.html")


def _filtered_events(request: HttpRequest) -> tuple[QuerySet[AuditEvent], dict[str, str]]:
    events = visible_events(request.user, AuditEvent.objects.all())
    filters = {key: request.GET.get(key, "").strip() for key in ("object_type", "actor", "action")}
    if filters["object_type"]:
        events = events.filter(object_type=filters["object_type"])
    if filters["actor"]:
        events = events.filter(actor_label__icontains=filters["actor"])
    if filters["action"]:
        events = events.filter(action=filters["action"])
    return events, filters


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "core.view_audit_trail")
    events, filters = _filtered_events(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    types = visible_events(request.user, AuditEvent.objects.all()).order_by().values_list("object_type", flat=True)
    return render(request, "core/audit_log.html", {
        "page": page, "shown": audit_display.show_all(page), "filters": filters, "actions": AuditEvent.Action.choices,
        "object_types": audit_display.type_choices(types.distinct()),
        "audit_check": AuditVerification.objects.first(),
        "can_export": request.user.has_perm("core.export_audit_trail"),
    })


@login_required
@require_GET
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    require_perm(request.user, "core.export_audit_trail")
    events, _filters = _filtered_events(request)

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    language = translation.get_language()

    def rows() -> Iterator[str]:
        # The rows are written after the view has returned: in the request's language, whatever is active then.
        with translation.override(language):
            for row in itertools.chain([services.audit_export_header()], services.audit_rows(events.order_by("id"))):
                yield writer.writerow(row)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.now():%Y%m%d}.csv"'
    return response


@login_required
@require_GET
def object_history(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    require_perm(request.user, "core.view_audit_trail")
    if is_confidential_type(object_type):
        require_perm(request.user, "core.view_confidential_audit")
    events = AuditEvent.objects.filter(object_type=object_type, object_id=object_id)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/object_history.html", {
        "page": page, "shown": audit_display.show_all(page), "object_type": object_type,
        "type_label": audit_display.type_label(object_type), "object_id": object_id,
        "object_repr": events.values_list("object_repr", flat=True).first()
        or f"{audit_display.type_label(object_type)} {object_id}",
    })


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "core.view_task_runs")
    runs = TaskRun.objects.select_related("requested_by")[:50]
    return render(request, "core/task_list.html", {"runs": runs})


@login_required
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = services.recover_if_stale(get_for_user(request.user, TaskRun.objects.all(), "core.view_task_run", pk=pk))
    template = "core/_task_progress.html" if request.headers.get("HX-Request") else "core/task_detail.html"
    return render(request, template, {"run": run})


@login_required
@require_POST
def audit_export_start(request: HttpRequest) -> HttpResponse:
    """Queue a full export; for trails too large to stream in one request."""
    require_perm(request.user, "core.export_audit_trail")
    run = services.start_operation(actor=request.user, kind="core.audit_export", label=_("Audit trail export"))
    return redirect("core:task_detail", pk=run.pk)


@login_required
@require_GET
def task_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file a finished task produced, for whoever may see the task (files live outside the web root)."""
    run = get_for_user(request.user, TaskRun.objects.all(), "core.download_task_result", pk=pk)
    name = run.result.get("outcome", {}).get("file") if run.status == TaskRun.Status.DONE else None
    if not name:
        raise Http404
    try:  # removed meanwhile (retention, minimisation): "not found", never an error page
        handle = default_storage.open(name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=name.rsplit("/", 1)[-1])
