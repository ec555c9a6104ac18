"""Intake pages: the report of a logged-in user, the anonymous report and the anonymous follow-up.

The anonymous pages look at the client's address only to count it per client: a keyed hash in the
volatile cache (intake.abuse, core.throttle.client_fingerprint), never stored. Every form carries a
one-time token (intake.formtokens) and every successful post redirects (post/redirect/get): a reload or a
second post of the same form writes nothing. The receipt reaches its page once, encrypted in the session,
never in a URL.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from kommunalschutz.foundation.core.access import get_for_user, require_perm
from kommunalschutz.foundation.core.forms import add_service_errors
from kommunalschutz.foundation.core.throttle import client_fingerprint
from kommunalschutz.foundation.web.guard import checks_its_own_input
from kommunalschutz.foundation.web.pages import request_user, save, submit
from kommunalschutz.protection.cases import incidents
from kommunalschutz.protection.cases.models import AffectedRole, Case
from kommunalschutz.protection.cases.rules import is_case_reporter
from kommunalschutz.protection.intake import abuse, followup, formtokens, receipts, reporting, steps
from kommunalschutz.protection.intake.forms import (
    AnonymousReportForm,
    FirstStepForm,
    FollowUpForm,
    ReporterReplyForm,
    StepForm,
    refuse_control_characters,
)
from kommunalschutz.protection.intake.models import ReporterAccess


def _add_missing_errors(form: Any, error: ValidationError) -> None:
    """Service errors at fields the form has not already marked (so no field shows two versions)."""
    if not hasattr(error, "error_dict"):
        add_service_errors(form, error)
        return
    remaining = {field: errors for field, errors in error.error_dict.items() if field not in form.errors}
    if remaining:
        add_service_errors(form, ValidationError(remaining))


REPORT_FORM = "report"
STEP_FORM = "report_step"
EVIDENCE_STEP_FORM = "report_evidence"
ANONYMOUS_FORM = "anonymous_report"
REPLY_FORM = "reporter_reply"
EVIDENCE_FORM = "reporter_evidence"


def _token_refusal(redeemed: formtokens.Redeemed) -> tuple[str, int] | None:
    """The message and status for a form token that cannot be used, None when it was fine."""
    if redeemed is formtokens.Redeemed.USED:
        return _("This form has already been sent; it was stored once and is not stored again. "
                 "Please do not send it twice."), 409
    if redeemed is formtokens.Redeemed.UNKNOWN:
        return _("This form has expired. Please check your entries and send it again."), 400
    return None


def _first_step_form(request: HttpRequest, user: Any, on_behalf_allowed: bool) -> FirstStepForm:
    posted = request.method == "POST"
    home = steps.home_municipality(user)
    return FirstStepForm(request.POST if posted else None, request.FILES if posted else None,
                         on_behalf_allowed=on_behalf_allowed, ask_role=not steps.known_role(user),
                         municipality_initial=home.pk if home is not None else None)


@checks_its_own_input
@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """Step 1 of the report: what is needed to act, and a file if there is one. Stores the case."""
    user = request_user(request)
    require_perm(user, "cases.report_incident")
    on_behalf_allowed = user.has_perm("cases.report_on_behalf")
    form = _first_step_form(request, user, on_behalf_allowed)
    status = 200
    if request.method == "POST":
        valid = form.is_valid()
        data = form.incident_data()
        on_behalf = form.on_behalf
        refusal = _token_refusal(formtokens.redeem(request, REPORT_FORM)) if valid else None
        if valid and refusal is None:
            case = save(form, lambda: steps.create_report(
                actor=user, data=data, on_behalf=on_behalf, upload=form.cleaned_data.get("evidence_file"),
                upload_description=form.cleaned_data.get("evidence_description", "")))
            if case is not None:
                return redirect("intake:report_done", pk=case.pk)
            formtokens.release(request, REPORT_FORM)
        else:
            try:
                incidents.clean_incident(steps.report_data(user, data, on_behalf=on_behalf))
            except ValidationError as exc:
                _add_missing_errors(form, exc)
        # Field errors first (422); a form without them that was already sent (409) or expired (400).
        status = 422 if form.errors or refusal is None else refusal[1]
        if refusal is not None:
            form.add_error(None, refusal[0])
    return render(request, "intake/report.html", {
        "form": form, "on_behalf_allowed": on_behalf_allowed, "person": steps.account_person(user),
        "known_role_label": _role_label(steps.known_role(user)), "office_from_account": bool(user.office),
        "max_mb": _max_mb(), "steps": steps.STEPS,
        "form_token": formtokens.issue(REPORT_FORM)}, status=status)


def _role_label(role: str) -> str:
    return str(AffectedRole(role).label) if role in AffectedRole.values else ""


def _max_mb() -> str:
    return f"{settings.EVIDENCE_UPLOAD_MAX_BYTES / 1_000_000:g}"


def _reported_case(request: HttpRequest, pk: int) -> Case:
    """The case for its reporter: 404 for everyone else (the case team works on the case page)."""
    case = get_for_user(request.user, Case.objects.select_related("municipality"), "cases.view_case", pk=pk)
    if not is_case_reporter.test(request.user, case):
        raise Http404
    return case


@login_required
def report_done(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation after step 1 and the overview of the optional steps (linked from the case page)."""
    case = _reported_case(request, pk)
    user = request_user(request)
    return render(request, "intake/report_done.html", {
        "case": case, "steps": steps.STEPS, "filled": steps.filled_steps(case),
        "can_complete": steps.may_complete(user, case),
        "submitted": steps.reporter_evidence(case, user)})


@checks_its_own_input
@login_required
@require_http_methods(["GET", "POST"])
def report_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One of the optional steps after step 1; each post is an audited update (intake.steps)."""
    chosen = steps.STEP_BY_SLUG.get(step)
    case = _reported_case(request, pk)
    user = request_user(request)
    if chosen is None or not steps.may_complete(user, case):
        raise Http404
    following = steps.next_step(chosen)
    onward = (reverse("intake:report_step", args=[case.pk, following.slug]) if following is not None
              else reverse("intake:report_done", args=[case.pk]))
    if chosen.slug == steps.EVIDENCE:
        return _evidence_step(request, user, case, chosen, onward)
    initial = {name: getattr(case, name) for name in chosen.fields}
    posted = request.method == "POST"
    form = StepForm(request.POST if posted else None, step=chosen, initial=initial)
    status = 200
    if posted:
        refusal = _token_refusal(formtokens.redeem(request, STEP_FORM)) if form.is_valid() else None
        if form.is_valid() and refusal is None:
            data = form.incident_data()
            if save(form, lambda: steps.complete_step(actor=user, case=case, step=chosen, data=data)) is not None:
                return redirect(f"{onward}?gespeichert={chosen.slug}")
            formtokens.release(request, STEP_FORM)
        status = 422 if form.errors or refusal is None else refusal[1]
        if refusal is not None:
            form.add_error(None, refusal[0])
    return render(request, "intake/report_step.html", {
        "case": case, "step": chosen, "steps": steps.STEPS, "form": form, "onward": onward,
        "saved": request.GET.get("gespeichert") in steps.STEP_BY_SLUG,
        "form_token": formtokens.issue(STEP_FORM)}, status=status)


def _evidence_step(request: HttpRequest, user: Any, case: Case, step: steps.Step, onward: str) -> HttpResponse:
    from kommunalschutz.protection.evidence.forms import EvidenceFileForm, OnlineContentForm

    here = reverse("intake:report_step", args=[case.pk, step.slug])
    file_form: Any = EvidenceFileForm()
    online_form: Any = OnlineContentForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        form: Any
        if action == "file":
            file_form = form = EvidenceFileForm(request.POST, request.FILES)
        elif action == "online":
            online_form = form = OnlineContentForm(request.POST, request.FILES)
        else:
            raise Http404
        refuse_control_characters(form)  # this view checks its own input (no guard at the door)
        refused = _token_refusal(formtokens.redeem(request, EVIDENCE_STEP_FORM)) if form.is_valid() else None
        if form.is_valid() and refused is None:
            data = dict(form.cleaned_data)
            upload = data.pop("file", None)
            if action == "file":
                def write() -> Any:
                    return steps.add_evidence_file(actor=user, case=case, upload=upload,
                                                   description=data.get("description", ""))
            else:
                def write() -> Any:
                    return steps.add_online_content(actor=user, case=case, data=data, upload=upload)
            if submit(request, form, write) is not None:
                return redirect(f"{here}?gespeichert=1#eingereicht")
            formtokens.release(request, EVIDENCE_STEP_FORM)
        elif refused is not None:
            form.add_error(None, refused[0])
        status = 422 if form.errors or refused is None else refused[1]
        if refused is not None and not form.errors:
            status = refused[1]
    return render(request, "intake/report_evidence.html", {
        "case": case, "step": step, "steps": steps.STEPS, "onward": onward,
        "file_form": file_form, "online_form": online_form, "max_mb": _max_mb(),
        "submitted": steps.reporter_evidence(case, user), "saved": bool(request.GET.get("gespeichert")),
        "form_token": formtokens.issue(EVIDENCE_STEP_FORM)}, status=status)


def _anonymous_page(request: HttpRequest, form: AnonymousReportForm, client: str, *, status: int = 200,
                    refusal: receipts.AccessRefused | None = None, notice: str = "") -> HttpResponse:
    """The anonymous form with a fresh form token and a fresh proof-of-work challenge."""
    challenge = abuse.new_challenge(client)
    response = render(request, "intake/anonymous_report.html", {
        "form": form, "refusal": refusal, "notice": notice, "challenge": challenge,
        "form_token": formtokens.issue(ANONYMOUS_FORM)}, status=status)
    if refusal is not None and refusal.retry_after_seconds:
        response["Retry-After"] = str(refusal.retry_after_seconds)
    return response


@checks_its_own_input
@never_cache
@require_http_methods(["GET", "POST"])
def anonymous_report(request: HttpRequest) -> HttpResponse:
    client = client_fingerprint(request, abuse.FINGERPRINT_PURPOSE)
    if request.method != "POST":
        return _anonymous_page(request, AnonymousReportForm(), client)
    form = AnonymousReportForm(request.POST)
    valid = form.is_valid()
    data = form.incident_data()
    passphrase = str(form.cleaned_data.get("passphrase") or "")
    repeat = str(form.cleaned_data.get("passphrase_repeat") or "")
    refused = _token_refusal(formtokens.redeem(request, ANONYMOUS_FORM)) if valid else None
    if not valid or refused is not None:
        errors: dict[str, list[str]] = {}
        try:
            incidents.clean_incident(data, anonymous=True)
        except ValidationError as exc:
            errors.update({k: list(v) for k, v in exc.message_dict.items()})
        if "passphrase" not in form.errors and "passphrase_repeat" not in form.errors:
            receipts.add_passphrase_errors(errors, passphrase, repeat)
        if errors:
            _add_missing_errors(form, ValidationError(errors))
        if refused is not None and not form.errors:
            return _anonymous_page(request, form, client, status=refused[1], notice=refused[0])
        return _anonymous_page(request, form, client, status=422, notice=refused[0] if refused else "")
    proof = abuse.accept_proof(client, str(request.POST.get("proof_challenge", "")),
                               str(request.POST.get("proof_nonce", "")))
    try:
        case, receipt = reporting.submit_anonymous(data=data, passphrase=passphrase, passphrase_repeat=repeat,
                                                   client=client, proof=proof)
    except ValidationError as exc:
        formtokens.release(request, ANONYMOUS_FORM)
        add_service_errors(form, exc)
        return _anonymous_page(request, form, client, status=422)
    except receipts.AccessRefused as exc:
        formtokens.release(request, ANONYMOUS_FORM)
        return _anonymous_page(request, form, client, status=exc.status, refusal=exc)
    formtokens.keep_receipt(request, receipt, acute=case.is_acute)
    return redirect("intake:anonymous_receipt")


@never_cache
def anonymous_receipt(request: HttpRequest) -> HttpResponse:
    """The receipt, shown once (post/redirect/get): a reload finds it gone and says so, and files nothing."""
    handed = formtokens.take_receipt(request)
    response = render(request, "intake/anonymous_receipt.html", {
        "receipt": receipts.format_receipt(handed["receipt"]) if handed else "",
        "acute": bool(handed and handed["acute"])})
    response["Cache-Control"] = "no-store"
    return response


def _visiting_case(request: HttpRequest) -> Case | None:
    """The case of this follow-up visit (the session holds its id only while the visit lasts)."""
    case_id = request.session.get(receipts.FOLLOW_UP_SESSION_KEY)
    if not case_id:
        return None
    access = ReporterAccess.objects.filter(case_id=case_id).select_related("case").first()
    if access is None:  # deleted meanwhile
        request.session.pop(receipts.FOLLOW_UP_SESSION_KEY, None)
        return None
    return access.case


def _follow_up_page(request: HttpRequest, case: Case, *, reply_form: Any = None, file_form: Any = None,
                    online_form: Any = None, status: int = 200) -> HttpResponse:
    from kommunalschutz.protection.evidence.forms import EvidenceFileForm, OnlineContentForm

    messages = followup.visible_messages(case)
    unread = {m.pk for m in messages if not m.from_reporter and m.read_by_reporter_at is None}
    followup.mark_read_by_reporter(case)
    response = render(request, "intake/follow_up_case.html", {
        "case": case, "case_messages": messages, "unread": unread,
        "reply_form": reply_form or ReporterReplyForm(),
        "reply_token": formtokens.issue(REPLY_FORM),
        "evidence_token": formtokens.issue(EVIDENCE_FORM),
        "file_form": file_form or EvidenceFileForm(),
        "online_form": online_form or OnlineContentForm(),
        "closed": case.status == Case.Status.CLOSED,
        "submitted": steps.reporter_evidence(case),
    }, status=status)
    response["Cache-Control"] = "no-store"
    return response


@checks_its_own_input
@never_cache
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest) -> HttpResponse:
    from kommunalschutz.protection.evidence.forms import EvidenceFileForm, OnlineContentForm

    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "end":
        request.session.pop(receipts.FOLLOW_UP_SESSION_KEY, None)
        request.session.cycle_key()
        return render(request, "intake/follow_up.html", {"form": FollowUpForm(), "ended": True})

    case = _visiting_case(request)
    if case is None or action == "open":
        return _open_visit(request, action)

    this_page = reverse("intake:follow_up")
    if action == "reply":
        reply_form = ReporterReplyForm(request.POST)
        if not reply_form.is_valid():
            return _follow_up_page(request, case, reply_form=reply_form, status=422)
        refused = _token_refusal(formtokens.redeem(request, REPLY_FORM))
        if refused is not None:
            reply_form.add_error(None, refused[0])
            return _follow_up_page(request, case, reply_form=reply_form, status=refused[1])
        if save(reply_form, lambda: followup.reporter_reply(
                case=case, body=reply_form.cleaned_data.get("body", ""))) is None:
            return _follow_up_page(request, case, reply_form=reply_form, status=422)
        return redirect(f"{this_page}?gesendet=1#nachrichten")
    if action == "file":
        file_form = EvidenceFileForm(request.POST, request.FILES)
        refused = _token_refusal(formtokens.redeem(request, EVIDENCE_FORM)) if file_form.is_valid() else None
        if refused is not None:
            file_form.add_error(None, refused[0])
            return _follow_up_page(request, case, file_form=file_form, status=refused[1])
        if submit(request, file_form, lambda: followup.reporter_add_file(
                case=case, upload=file_form.cleaned_data["file"],
                description=file_form.cleaned_data.get("description", ""))) is not None:
            return redirect(f"{this_page}?beweis=1#eingereicht")
        return _follow_up_page(request, case, file_form=file_form, status=422)
    if action == "online":
        online_form = OnlineContentForm(request.POST, request.FILES)
        refused = _token_refusal(formtokens.redeem(request, EVIDENCE_FORM)) if online_form.is_valid() else None
        if refused is not None:
            online_form.add_error(None, refused[0])
            return _follow_up_page(request, case, online_form=online_form, status=refused[1])
        if online_form.is_valid():
            data = dict(online_form.cleaned_data)
            upload = data.pop("file", None)
            if save(online_form, lambda: followup.reporter_add_online_content(
                    case=case, data=data, upload=upload)) is not None:
                return redirect(f"{this_page}?beweis=1#eingereicht")
        return _follow_up_page(request, case, online_form=online_form, status=422)
    return _follow_up_page(request, case)


def _open_visit(request: HttpRequest, action: str) -> HttpResponse:
    form = FollowUpForm(request.POST if action == "open" else None)
    refusal: receipts.AccessRefused | None = None
    if action == "open" and form.is_valid():
        try:
            case = receipts.open_anonymous_case(
                receipt=form.cleaned_data.get("receipt", ""), passphrase=form.cleaned_data.get("passphrase", ""),
                client=client_fingerprint(request, abuse.FINGERPRINT_PURPOSE))
        except ValidationError as exc:
            add_service_errors(form, exc)
        except receipts.AccessRefused as exc:
            refusal = exc
        else:
            request.session.cycle_key()
            request.session[receipts.FOLLOW_UP_SESSION_KEY] = case.pk
            return redirect("intake:follow_up")
    status = 200
    if refusal is not None:
        status = refusal.status
    elif form.errors:
        status = 422
    response = render(request, "intake/follow_up.html", {"form": form, "refusal": refusal}, status=status)
    if refusal is not None and refusal.retry_after_seconds:
        response["Retry-After"] = str(refusal.retry_after_seconds)
    return response
