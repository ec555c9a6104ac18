"""The evidence part of the REST API (mounted under /api/v1/).

Everything takes a bearer token; an outsider gets 404 as on the web pages. Bad uploads and bad
online-content records give 422 with the messages per field, and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from kommunalschutz.foundation.accounts.auth import token_auth
from kommunalschutz.foundation.core.access import get_for_user, require_perm
from kommunalschutz.foundation.web.api import ErrorOut, ValidationErrorOut, invalid
from kommunalschutz.foundation.web.pages import request_user
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.evidence import package, selectors, services, store
from kommunalschutz.protection.evidence.models import EvidenceItem
from kommunalschutz.protection.evidence.schemas import EvidenceOut, OnlineIn, OnlineOut
from kommunalschutz.protection.evidence.views import ADD, EXPORT, VIEW, attachment, original_response

router = Router(tags=["evidence"])


def _case(request: HttpRequest, case_id: int, permission: str = VIEW) -> Case:
    case = get_for_user(request.user, Case.objects.all(), VIEW, pk=case_id)
    if permission != VIEW:
        require_perm(request.user, permission, case)
    return case


def _out(item: EvidenceItem, number: int) -> EvidenceOut:
    online = None
    if item.kind == EvidenceItem.Kind.ONLINE:
        online = OnlineOut(url=item.url, platform=item.platform, account_name=item.account_name,
                           profile_url=item.profile_url, posted_at=item.posted_at, captured_at=item.captured_at,
                           content_text=item.content_text, context=item.context)
    return EvidenceOut(
        id=item.pk, number=number, kind=item.kind, description=item.description, original_name=item.original_name,
        size=item.size, content_type=item.content_type, sha256=item.sha256, created_at=item.created_at,
        created_by=None if item.by_reporter or item.created_by is None else item.created_by.get_username(),
        by_reporter=item.by_reporter,
        download_url=reverse("api-v1:evidence_original", kwargs={"item_id": item.pk}) if item.stored_name else None,
        online=online,
    )


def _number(item: EvidenceItem) -> int:
    return list(selectors.case_evidence(item.case).values_list("pk", flat=True)).index(item.pk) + 1


@router.get("/cases/{case_id}/evidence", auth=token_auth, response={200: list[EvidenceOut], 404: ErrorOut},
            summary="The evidence of a case")
def list_evidence(request: HttpRequest, case_id: int) -> list[EvidenceOut]:
    case = _case(request, case_id)
    return [_out(item, number) for number, item in enumerate(selectors.case_evidence(case), start=1)]


@router.post("/cases/{case_id}/evidence/files", auth=token_auth,
             response={201: EvidenceOut, 404: ErrorOut, 422: ValidationErrorOut},
             summary="Upload an evidence file (multipart: file, description)")
def upload_file(request: HttpRequest, case_id: int, file: File[UploadedFile | None] = None,
                description: Form[str] = "") -> Status[Any]:
    """Images (JPEG, PNG, GIF, WebP), PDF, .eml and .txt; the type is detected from the bytes and the
    name's extension must fit it. Programs, HTML and SVG are refused."""
    case = _case(request, case_id, ADD)
    try:
        item = services.add_file(case=case, actor=request_user(request), upload=file, description=description)
    except ValidationError as exc:
        return invalid(exc, detail=_("The input is not valid; nothing was saved."))
    return Status(201, _out(item, _number(item)))


@router.post("/cases/{case_id}/evidence/online", auth=token_auth,
             response={201: EvidenceOut, 404: ErrorOut, 422: ValidationErrorOut},
             summary="Record online content (DOMAIN.md §2.2)")
def record_online(request: HttpRequest, case_id: int, payload: OnlineIn) -> Status[Any]:
    case = _case(request, case_id, ADD)
    try:
        item = services.add_online_content(case=case, actor=request_user(request), data=payload.dict())
    except ValidationError as exc:
        return invalid(exc, detail=_("The input is not valid; nothing was saved."))
    return Status(201, _out(item, _number(item)))


@router.get("/evidence/{item_id}/original", auth=token_auth, url_name="evidence_original",
            response={200: bytes, 404: ErrorOut, 409: ErrorOut},
            openapi_extra={"responses": {"200": {"description": "The file as uploaded, with its own type",
                                                 "content": {"*/*": {"schema": {"type": "string",
                                                                                "format": "binary"}}}}}},
            summary="The original file, byte-identical (always an attachment)")
def original(request: HttpRequest, item_id: int) -> Any:
    item = EvidenceItem.objects.filter(pk=item_id).select_related("case").first()
    if item is None or not item.stored_name:
        raise Http404
    require_perm(request.user, VIEW, item.case)
    try:
        return original_response(item)
    except store.EvidenceIntegrityError:
        return Status(409, ErrorOut(detail="The stored file no longer matches its SHA-256; it is not handed out."))


@router.get("/cases/{case_id}/evidence-package", auth=token_auth,
            response={200: bytes, 404: ErrorOut, 409: ErrorOut},
            openapi_extra={"responses": {"200": {"description": "A ZIP archive",
                                                 "content": {"application/zip": {"schema": {"type": "string",
                                                                                            "format": "binary"}}}}}},
            summary="The evidence package (ZIP: originals, manifest.json, zusammenfassung.pdf, SHA256SUMS)")
def evidence_package(request: HttpRequest, case_id: int) -> Any:
    case = _case(request, case_id, EXPORT)
    try:
        filename, content = package.build_package(case=case, actor=request_user(request))
    except store.EvidenceIntegrityError:
        return Status(409, ErrorOut(detail="A stored file no longer matches its SHA-256; no package was created."))
    response: HttpResponse = attachment(content, filename=filename, content_type="application/zip")
    return response
