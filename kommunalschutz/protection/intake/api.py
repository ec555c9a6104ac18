"""The intake part of the REST API (mounted under /api/v1/).

Public, without a token: the anonymous report (with an optional proof of work, whose challenge
``GET /public/reports/challenge`` hands out) and its follow-up with receipt and passphrase. Their limits
count per client (a keyed hash of the address in the volatile cache, never stored; intake.abuse), never
the platform. Answers: 422 with messages per field, 429 with Retry-After (the client's limit, a locked
receipt), 410 when retention deleted the case (only with the right passphrase), 404 for a wrong receipt or
passphrase (one answer for both), 415 for a body that is not ``application/json`` (so no web page can make
its visitors' browsers post here: a cross-site JSON post needs a CORS preflight, which is never granted).
Authenticated: a report for oneself or on someone's behalf.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.decorators import decorate_view

from kommunalschutz.foundation.accounts.auth import token_auth
from kommunalschutz.foundation.core.throttle import client_fingerprint
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.foundation.web.api import ErrorOut, ValidationErrorOut, invalid, not_found
from kommunalschutz.foundation.web.pages import request_user
from kommunalschutz.protection.cases import incidents
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.intake import abuse, followup, receipts, reporting
from kommunalschutz.protection.intake.inputs import control_character_errors
from kommunalschutz.protection.intake.schemas import (
    AnonymousReportIn,
    CaseCreatedOut,
    ChallengeOut,
    IncidentIn,
    LookupIn,
    LookupOut,
    MessageCreatedOut,
    MessageIn,
    ReceiptOut,
    ReporterMessageOut,
    ReportIn,
)

router = Router(tags=["intake"])


def json_only(run: Callable[..., Any]) -> Callable[..., Any]:
    """415 before the body is read unless it is declared ``application/json``."""

    @functools.wraps(run)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.content_type != "application/json":
            return JsonResponse({"detail": _("Please send the request body as JSON with the header "
                                             "Content-Type: application/json.")}, status=415)
        return run(request, *args, **kwargs)

    return checked


def _client(request: HttpRequest) -> str:
    return client_fingerprint(request, abuse.FINGERPRINT_PURPOSE)


def _control_characters(payload: Any) -> Status[Any] | None:
    errors = control_character_errors(payload.dict())
    return invalid(errors, detail=_("Please correct the marked fields.")) if errors else None


def _refused(error: receipts.AccessRefused, response: HttpResponse) -> Status[Any]:
    if error.retry_after_seconds:
        response["Retry-After"] = str(error.retry_after_seconds)
    return Status(error.status, ErrorOut(detail=error.message))


def _incident_data(payload: IncidentIn, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    data = payload.dict(include={*incidents.INCIDENT_FIELDS, *extra})
    ags = payload.municipality_ags.strip()
    # An unknown key still reaches the service, which names the field.
    municipality = Municipality.objects.filter(ags=ags).first() if ags else None
    data["municipality"] = municipality if municipality is not None else ("unknown" if ags else None)
    return data


def _rename_municipality(error: ValidationError) -> ValidationError:
    if hasattr(error, "error_dict") and "municipality" in error.error_dict:
        errors = dict(error.error_dict)
        errors["municipality_ags"] = errors.pop("municipality")
        return ValidationError(errors)
    return error


@router.get("/public/reports/challenge", response={200: ChallengeOut},
            summary="A proof-of-work challenge for an anonymous report (no token)")
def challenge(request: HttpRequest) -> Status[Any]:
    """Find a nonce (decimal digits) so that SHA-256 of ``"<challenge>:<nonce>"`` (UTF-8) begins with ``bits``
    zero bits, and send both with the report as ``proof_challenge`` and ``proof_nonce``. A challenge is
    valid once, for ``expires_in`` seconds, and only from the client that fetched it."""
    issued = abuse.new_challenge(_client(request))
    return Status(200, ChallengeOut(challenge=issued.challenge, bits=issued.bits, expires_in=issued.expires_in))


@router.post("/public/reports",
             response={201: ReceiptOut, 415: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
             summary="Report anonymously (no token)")
@decorate_view(json_only)
def submit_anonymous(request: HttpRequest, payload: AnonymousReportIn,
                     response: HttpResponse) -> Status[Any]:
    """Stores the report and answers with the 16-digit receipt once it is stored. Nothing about the
    request (address, user agent) is kept. Without a valid proof of work the report counts against the
    client's limit (429 beyond it); a report marking acute danger is never refused."""
    refused = _control_characters(payload)
    if refused is not None:
        return refused
    client = _client(request)
    proof = abuse.accept_proof(client, payload.proof_challenge, payload.proof_nonce)
    try:
        _case, receipt = reporting.submit_anonymous(data=_incident_data(payload), passphrase=payload.passphrase,
                                                    passphrase_repeat=payload.passphrase_repeat,
                                                    client=client, proof=proof)
    except ValidationError as exc:
        return invalid(_rename_municipality(exc), detail=_("Please correct the marked fields."))
    except receipts.AccessRefused as exc:
        return _refused(exc, response)
    return Status(201, ReceiptOut(receipt=receipt))


def _open(request: HttpRequest, payload: LookupIn) -> Case:
    return receipts.open_anonymous_case(receipt=payload.receipt, passphrase=payload.passphrase,
                                        client=_client(request))


@router.post("/public/reports/lookup",
             response={200: LookupOut, 404: ErrorOut, 410: ErrorOut, 415: ErrorOut, 422: ValidationErrorOut,
                       429: ErrorOut},
             summary="Read the status and messages of an anonymous report (no token)")
@decorate_view(json_only)
def lookup(request: HttpRequest, payload: LookupIn, response: HttpResponse) -> Status[Any]:
    """Status and the messages that are not internal notes; the team's messages count as read."""
    refused = _control_characters(payload)
    if refused is not None:
        return refused
    try:
        case = _open(request, payload)
    except ValidationError as exc:
        return invalid(exc, detail=_("Please correct the marked fields."))
    except receipts.AccessRefused as exc:
        return _refused(exc, response)
    messages = followup.visible_messages(case)
    followup.mark_read_by_reporter(case)
    return Status(200, LookupOut(
        status=case.status, status_label=str(Case.Status(case.status).label), is_acute=case.is_acute,
        messages=[ReporterMessageOut(id=m.pk, from_reporter=m.from_reporter, is_question=m.is_question,
                                     created_at=m.created_at, body=m.body) for m in messages]))


@router.post("/public/reports/messages",
             response={201: MessageCreatedOut, 404: ErrorOut, 410: ErrorOut, 415: ErrorOut, 422: ValidationErrorOut,
                       429: ErrorOut},
             summary="Answer the case team of an anonymous report (no token)")
@decorate_view(json_only)
def reply(request: HttpRequest, payload: MessageIn, response: HttpResponse) -> Status[Any]:
    refused = _control_characters(payload)
    if refused is not None:
        return refused
    try:
        case = _open(request, payload)
        message = followup.reporter_reply(case=case, body=payload.body)
    except ValidationError as exc:
        return invalid(exc, detail=_("Please correct the marked fields."))
    except receipts.AccessRefused as exc:
        return _refused(exc, response)
    return Status(201, MessageCreatedOut(id=message.pk, created_at=message.created_at))


@router.post("/reports", auth=token_auth,
             response={201: CaseCreatedOut, 404: ErrorOut, 415: ErrorOut, 422: ValidationErrorOut},
             summary="Report an incident (for oneself, or on someone's behalf)")
@decorate_view(json_only)
def create_report(request: HttpRequest, payload: ReportIn) -> Status[Any]:
    """``report_for`` "on_behalf" needs cases.report_on_behalf and the affected person's name and contact."""
    user = request_user(request)
    if not user.has_perm("cases.report_incident"):
        return not_found()
    refused = _control_characters(payload)
    if refused is not None:
        return refused
    on_behalf = payload.report_for == "on_behalf"
    if on_behalf and not user.has_perm("cases.report_on_behalf"):
        return invalid({"report_for": [_("You may report only for yourself.")]},
                       detail=_("Please correct the marked fields."))
    try:
        case = reporting.create_case(
            actor=user, data=_incident_data(payload, ("affected_name", "affected_contact")),
            intake=Case.Intake.ON_BEHALF if on_behalf else Case.Intake.SELF,
            affected_user=None if on_behalf else user)
    except ValidationError as exc:
        return invalid(_rename_municipality(exc), detail=_("Please correct the marked fields."))
    return Status(201, CaseCreatedOut(id=case.pk, reference=case.reference, is_acute=case.is_acute,
                                      acknowledgement_due_at=case.acknowledgement_due_at))
