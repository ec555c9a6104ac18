"""Files made in the background for one object (decision 0024): a button queues the work, a page shows its
progress ("wird vorbereitet …"), then links the stored file.

The file is handed out by the app's own download view, which looks the object up with the permission (404
for outsiders) and then the task among those the person started (``finished_task``): losing access to the
object also ends access to files made of it. The outcome names the stored file under ``stored`` (not
``file``), so core's generic task download, which checks only who started the task, never serves it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core.documents import html_to_pdf
from kommunalschutz.foundation.core.models import TaskRun
from kommunalschutz.foundation.core.progress import Progress

# The first step every PDF operation reports; the page says "being prepared …" until then.
PDF_STEPS = 3


def _filters(arguments: dict[str, Any]) -> dict[str, Any]:
    return {f"result__arguments__{key}": value for key, value in arguments.items()}


def latest_task(actor: Any, kind: str, **arguments: Any) -> TaskRun | None:
    """The newest task of ``kind`` that ``actor`` started with these arguments (None if none)."""
    return (TaskRun.objects.filter(kind=kind, requested_by_id=getattr(actor, "pk", None), **_filters(arguments))
            .order_by("-created_at", "-pk").first())


def start_once(*, actor: Any, kind: str, label: str, arguments: dict[str, Any]) -> TaskRun:
    """Queue ``kind`` for ``actor``; the same work already queued or running for them is returned instead."""
    from kommunalschutz.foundation.core.services import start_operation

    pending = latest_task(actor, kind, **arguments)
    if pending is not None and not pending.finished:
        return pending
    return start_operation(actor=actor, kind=kind, label=label[:200], arguments=arguments)


def finished_task(actor: Any, kind: str, pk: int, **arguments: Any) -> TaskRun:
    """The finished task ``pk`` of ``kind`` that ``actor`` started with these arguments, else 404."""
    run = (TaskRun.objects.filter(pk=pk, kind=kind, requested_by_id=getattr(actor, "pk", None),
                                  status=TaskRun.Status.DONE, **_filters(arguments)).first())
    if run is None:
        raise Http404
    return run


def stored_file_response(run: TaskRun, filename: str) -> FileResponse:
    """The stored file of a finished task as an attachment named ``filename`` (404 once it is gone)."""
    name = run.result.get("outcome", {}).get("stored")
    if not name:
        raise Http404
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=filename,
                        content_type="application/pdf" if filename.endswith(".pdf") else None)


def stored_pdf(*, progress: Progress, html: str, directory: str, stem: str) -> dict[str, Any]:
    """Store the PDF of ``html`` as ``directory/stem-<fingerprint>.pdf`` in the file store and return the
    operation's outcome. The fingerprint is the SHA-256 of the HTML: a PDF laid out from the very same HTML
    earlier is served again instead of laying it out anew (same HTML, same pages), anything changed in the
    content gives a new file."""
    fingerprint = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32]
    name = f"{directory}/{stem}-{fingerprint}.pdf"
    reused = default_storage.exists(name)
    if reused:
        progress.update(2, PDF_STEPS, _("an unchanged PDF made earlier is used"))
    else:
        progress.update(1, PDF_STEPS, _("the PDF is being laid out"))
        pdf = html_to_pdf(html)
        progress.update(2, PDF_STEPS, _("the PDF is being stored"))
        name = default_storage.save(name, ContentFile(pdf))
    progress.update(PDF_STEPS, PDF_STEPS, _("the PDF is ready"))
    size = default_storage.size(name) if reused else len(pdf)
    return {"stored": name, "fingerprint": fingerprint, "reused": reused, "bytes": size}
