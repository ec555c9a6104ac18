"""Evidence: the evidence page of a case, downloads of originals and the evidence package.

Outsiders get 404 for every page and download. Originals always leave as attachments with
X-Content-Type-Options: nosniff, so a browser never renders or runs anything from the evidence store.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kommunalschutz.foundation.core import downloads
from kommunalschutz.foundation.core.access import get_for_user, require_perm
from kommunalschutz.foundation.web.pages import request_user, submit
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.evidence import forms, package, selectors, services, store, uploads
from kommunalschutz.protection.evidence.models import EvidenceItem

VIEW, ADD, EXPORT = "evidence.view_evidence", "evidence.add_evidence", "evidence.export_evidence"


def _case(request: HttpRequest, pk: int, permission: str = VIEW) -> Case:
    case = get_for_user(request.user, Case.objects.select_related("municipality"), VIEW, pk=pk)
    if permission != VIEW:
        require_perm(request.user, permission, case)
    return case


def attachment(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """A download that is never shown inline and never sniffed."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def original_response(item: EvidenceItem) -> HttpResponse:
    """The original bytes of an item (checked against its SHA-256) as an attachment."""
    content = store.read_original(item)
    content_type = item.content_type if item.content_type in uploads.SAFE_DOWNLOAD_TYPES \
        else "application/octet-stream"
    return attachment(content, filename=package.safe_name(item.original_name, fallback=f"beweis-{item.pk}"),
                      content_type=content_type)


@login_required
@require_http_methods(["GET", "POST"])
def case_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    can_add = request.user.has_perm(ADD, case)
    file_form = forms.EvidenceFileForm()
    online_form = forms.OnlineContentForm()
    status = 200
    if request.method == "POST":
        require_perm(request.user, ADD, case)
        which = request.POST.get("form")
        if which == "file":
            file_form = forms.EvidenceFileForm(request.POST, request.FILES)
            form: Any = file_form
        elif which == "online":
            online_form = forms.OnlineContentForm(request.POST, request.FILES)
            form = online_form
        else:
            raise Http404
        user = request_user(request)

        def write() -> EvidenceItem:
            data = dict(form.cleaned_data)
            upload = data.pop("file", None)
            if which == "file":
                return services.add_file(case=case, actor=user, upload=upload,
                                         description=data.get("description", ""))
            return services.add_online_content(case=case, actor=user, data=data, upload=upload)

        if submit(request, form, write) is not None:
            messages.success(request, _("The evidence has been stored.") if which == "file"
                             else _("The online content has been recorded."))
            return redirect("evidence:case_evidence", pk=case.pk)
        status = 400
    return render(request, "evidence/case_evidence.html", {
        "case": case,
        "items": selectors.case_evidence(case),
        "can_add": can_add,
        "can_export": request.user.has_perm(EXPORT, case),
        "file_form": file_form,
        "online_form": online_form,
        "max_mb": f"{settings.EVIDENCE_UPLOAD_MAX_BYTES / 1_000_000:g}",
        "type_labels": uploads.TYPE_LABELS,
    }, status=status)


@login_required
@require_http_methods(["GET"])
def download_original(request: HttpRequest, pk: int) -> HttpResponse:
    item = EvidenceItem.objects.filter(pk=pk).select_related("case").first()
    if item is None or not item.stored_name:
        raise Http404
    require_perm(request.user, VIEW, item.case)
    try:
        return original_response(item)
    except store.EvidenceIntegrityError:
        messages.error(request, _("The stored file no longer matches the checksum taken at upload. It is not "
                                  "handed out; please inform the platform's operators."))
        return redirect("evidence:case_evidence", pk=item.case_id)


@login_required
@require_http_methods(["GET", "POST"])
def evidence_package(request: HttpRequest, pk: int) -> HttpResponse:
    """The evidence package: a POST queues it (decision 0024), the page shows the progress and then the
    download of the person's own newest package of this case."""
    case = _case(request, pk, EXPORT)
    user = request_user(request)
    page = reverse("evidence:evidence_package", args=[case.pk])
    if request.method == "POST":
        package.start_package(actor=user, case=case)
        return redirect(page)
    run = package.latest_package_task(user, case)
    download_url = (reverse("evidence:evidence_package_download", args=[case.pk, run.pk])
                    if run is not None and run.status == run.Status.DONE else "")
    context = {"case": case, "run": run, "page_url": page, "download_url": download_url,
               "retention_hours": int(store.PACKAGE_RETENTION.total_seconds() // 3600)}
    if request.headers.get("HX-Request") and run is not None:
        return render(request, "core/_task_progress.html", {**context, "poll_url": page, "reload_url": page})
    return render(request, "evidence/package_task.html", context)


@login_required
@require_http_methods(["GET"])
def evidence_package_download(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    """The finished package, for the person who asked for it while they may export the case's evidence
    (else 404); decrypted, checked and audited (package.hand_out_package)."""
    case = _case(request, pk, EXPORT)
    user = request_user(request)
    run = downloads.finished_task(user, package.PACKAGE_OPERATION, run_pk, case_id=case.pk)
    try:
        filename, content = package.hand_out_package(actor=user, case=case, run=run)
    except FileNotFoundError:
        messages.error(request, _("This evidence package has been removed after %(hours)s hours. Please put "
                                  "together a new one.") % {"hours": int(store.PACKAGE_RETENTION.total_seconds()
                                                                         // 3600)})
        return redirect("evidence:evidence_package", pk=case.pk)
    except store.EvidenceIntegrityError:
        messages.error(request, _("The stored evidence package no longer matches its checksum. It is not handed "
                                  "out; please inform the platform's operators."))
        return redirect("evidence:evidence_package", pk=case.pk)
    return attachment(content, filename=filename, content_type="application/zip")
