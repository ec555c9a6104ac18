"""Pages of the alliance app (thin: lookups in selectors, writes in lifecycle and agreements).

Every object is looked up together with the permission to read it; an outsider gets 404.
"""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kommunalschutz.alliance.programme import agreements, forms, hooks, lifecycle, selectors
from kommunalschutz.alliance.programme.models import (
    STAGE_ORDER,
    AgreementReview,
    AgreementSignatory,
    CooperationAgreement,
    MembershipTransition,
)
from kommunalschutz.foundation.accounts.models import Membership
from kommunalschutz.foundation.core.access import get_for_user, require_perm
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.documents import PDF_CONTENT_TYPE, download, render_pdf
from kommunalschutz.foundation.core.forms import add_service_errors
from kommunalschutz.foundation.core.roles import Role
from kommunalschutz.foundation.registry.models import District, Municipality
from kommunalschutz.foundation.web.pages import request_user

PAGE_SIZE = 50
VIEW_WORK = "alliance.view_municipality_work"
VIEW_AGREEMENT = "alliance.view_agreement"
MANAGE = "alliance.manage_programme"


def _programme_office(user: Any) -> Any:
    """The organisation to preselect as acting: the coordinator's own coordination office."""
    membership = (Membership.objects.filter(user=user, role=Role.COORDINATOR).select_related("organisation")
                  .order_by("pk").first())
    return membership.organisation if membership else None


# --- The record list and the members page ---------------------------------------------------------


@login_required
@require_GET
def record_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, "alliance.view_records")
    visible_districts = selectors.visible_municipalities(user).values("district")
    form = forms.RecordFilterForm(
        request.GET or None,
        districts=District.objects.filter(pk__in=visible_districts, land=selectors.programme_land())
        .order_by(*german("name")).defer("boundary"))
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selectors.municipality_records(user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    districts = list(selectors.district_records(user, filters))
    is_office = user.has_perm("alliance.view_programme")
    reviews = (list(selectors.open_reviews(within_days=settings.AGREEMENT_REVIEW_REMINDER_DAYS))
               if is_office else [])
    return render(request, "alliance/record_list.html", {
        "form": form, "page": page, "districts": districts, "reviews": reviews, "is_office": is_office,
        "today": timezone.localdate(), "filtered": bool(filters and any(filters.values())),
    })


@login_required
@require_GET
def members(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "alliance.view_programme")
    form = forms.MembersForm(request.GET or {"as_of": timezone.localdate().isoformat()})
    as_of = form.cleaned_data["as_of"] if form.is_valid() else None
    rows = list(selectors.members_on(as_of)) if as_of else []
    return render(request, "alliance/members.html", {"form": form, "as_of": as_of, "rows": rows})


# --- One municipality's or district's record -------------------------------------------------------


def _record(request: HttpRequest, target: Any, kind: str) -> HttpResponse:
    user = request_user(request)
    can_manage = user.has_perm(MANAGE)
    form = None
    status = 200
    if can_manage:
        form = forms.TransitionForm(request.POST or None, initial={
            "date": timezone.localdate(), "acting_organisation": _programme_office(user)})
        if request.method == "POST":
            if form.is_valid():
                lookup = {"municipality": target} if kind == "municipality" else {"district": target}
                try:
                    transition = lifecycle.record_transition(actor=user, **lookup, **form.cleaned_data)
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _("The step “%(stage)s” on %(date)s has been recorded.") % {
                        "stage": transition.get_stage_display(), "date": transition.date.strftime("%d.%m.%Y")})
                    return redirect(request.path)
            status = 400
    elif request.method == "POST":
        raise Http404
    steps = selectors.timeline(target)
    current = steps[-1].stage if steps else None
    return render(request, "alliance/record_detail.html", {
        "target": target, "kind": kind, "steps": steps, "current_stage": steps[-1] if steps else None,
        "next_stages": [s for s in STAGE_ORDER if lifecycle.step_error(current, s) is None],
        "form": form, "can_manage": can_manage,
        "agreements": selectors.agreements_of(target, user),
        **hooks.record_context(target, user),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def municipality_record(request: HttpRequest, ags: str) -> HttpResponse:
    municipality = get_for_user(request.user, Municipality.objects.select_related("district").defer("boundary"),
                                VIEW_WORK, ags=ags)
    return _record(request, municipality, "municipality")


@login_required
@require_http_methods(["GET", "POST"])
def district_record(request: HttpRequest, ags: str) -> HttpResponse:
    district = get_for_user(request.user, District.objects.defer("boundary"), VIEW_WORK, ags=ags)
    return _record(request, district, "district")


def _record_url(target: Any) -> str:
    from django.urls import reverse

    if isinstance(target, Municipality):
        return reverse("alliance:municipality_record", args=[target.ags])
    return reverse("alliance:district_record", args=[target.ags])


@login_required
@require_http_methods(["GET", "POST"])
def transition_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    require_perm(user, MANAGE)
    transition = get_for_user(user, MembershipTransition.objects.select_related(
        "municipality", "district", "acting_organisation"), MANAGE, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            lifecycle.delete_transition(actor=user, transition=transition)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The step has been deleted."))
            return redirect(_record_url(transition.target))
    return render(request, "alliance/transition_delete.html", {
        "transition": transition, "error": error, "record_url": _record_url(transition.target),
    }, status=400 if error else 200)


# --- Agreements ---------------------------------------------------------------------------------------


def _sections(agreement: CooperationAgreement) -> list[tuple[str, str]]:
    """(heading, text) of the six sections in document order."""
    return [(str(getattr(CooperationAgreement._meta.get_field(name), "verbose_name", name)), getattr(agreement, name))
            for name in CooperationAgreement.SECTIONS]


def _agreement(request: HttpRequest, pk: int, permission: str = VIEW_AGREEMENT) -> CooperationAgreement:
    agreement = get_for_user(request.user, selectors.agreements_for(request.user), VIEW_AGREEMENT, pk=pk)
    if permission != VIEW_AGREEMENT:
        require_perm(request.user, permission, agreement)
    return agreement


@login_required
@require_GET
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    can_manage = request.user.has_perm(MANAGE)
    return render(request, "alliance/agreement_detail.html", {
        "agreement": agreement, "target": agreement.target, "record_url": _record_url(agreement.target),
        "signatories": list(agreement.signatories.all()), "reviews": list(agreement.reviews.all()),
        "sections": _sections(agreement),
        "can_manage": can_manage, "today": timezone.localdate(),
        "sign_form": forms.SignForm(initial={"signed_on": timezone.localdate()}) if can_manage else None,
        "review_form": forms.ReviewForm() if can_manage else None,
        "terminate_form": forms.TerminateForm(initial={"terminated_on": timezone.localdate()}) if can_manage else None,
        "document_form": forms.DocumentForm() if can_manage else None,
        "max_mb": settings.AGREEMENT_UPLOAD_MAX_BYTES // 1_000_000,
    })


def _agreement_form(request: HttpRequest, *, target: Any, agreement: CooperationAgreement | None) -> HttpResponse:
    user = request_user(request)
    initial: dict[str, Any]
    rows: list[dict[str, Any]]
    if agreement is None:
        initial = {
            "title": _("Cooperation agreement %(name)s") % {"name": target.name},
            "police_directorate": (target.district.police_directorate if isinstance(target, Municipality)
                                   else target.police_directorate),
            "coordination_office": agreements.default_coordination_office(),
        }
        rows = [{"party": party} for party in AgreementSignatory.Party.values]
    else:
        initial = {name: getattr(agreement, name) for name in forms.AGREEMENT_FORM_FIELDS}
        rows = [dict(row) for row in agreement.signatories.values("party", "name", "function", "signed_on")]
        rows.append({"party": AgreementSignatory.Party.MUNICIPALITY})
    form = forms.AgreementForm(request.POST or None, initial=initial)
    formset = forms.SignatoryFormSet(request.POST or None, initial=rows, prefix="signatories")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = dict(form.cleaned_data)
        try:
            if agreement is None:
                lookup: dict[str, Any] = (
                    {"municipality": target} if isinstance(target, Municipality) else {"district": target})
                agreement = agreements.create_agreement(actor=user, **lookup, **data,
                                                        signatories=forms.signatory_rows(formset))
                messages.success(request, _("The draft agreement has been saved."))
            else:
                agreements.update_agreement(actor=user, agreement=agreement, signatories=forms.signatory_rows(formset),
                                            **data)
                messages.success(request, _("The changes have been saved."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("alliance:agreement_detail", pk=agreement.pk)
    return render(request, "alliance/agreement_form.html", {
        "form": form, "formset": formset, "target": target, "agreement": agreement,
        "record_url": _record_url(target),
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest, ags: str) -> HttpResponse:
    require_perm(request.user, MANAGE)
    queryset: Any = Municipality.objects if len(ags) == 8 else District.objects
    target = get_for_user(request.user, queryset.defer("boundary"), VIEW_WORK, ags=ags)
    return _agreement_form(request, target=target, agreement=None)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk, MANAGE)
    if agreement.status != CooperationAgreement.Status.DRAFT:
        messages.error(request, _("Only a draft can be edited; this agreement has been signed."))
        return redirect("alliance:agreement_detail", pk=agreement.pk)
    return _agreement_form(request, target=agreement.target, agreement=agreement)


def _action(request: HttpRequest, agreement: CooperationAgreement, form: Any, title: str,
            action: Any, success: str) -> HttpResponse:
    """A small coordinator form about one agreement: sign, terminate, add a review, attach the PDF."""
    if request.method == "POST" and form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("alliance:agreement_detail", pk=agreement.pk)
    return render(request, "alliance/agreement_action.html", {
        "agreement": agreement, "form": form, "title": title, "action_url": request.path,
        "multipart": any(isinstance(f, django_forms.FileField) for f in form.fields.values()),
        "max_mb": settings.AGREEMENT_UPLOAD_MAX_BYTES // 1_000_000,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_sign(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk, MANAGE)
    form = forms.SignForm(request.POST or None, request.FILES or None,
                          initial={"signed_on": timezone.localdate(), "record_membership": True})
    return _action(request, agreement, form, _("Sign the agreement"),
                   lambda data: agreements.sign_agreement(actor=request_user(request), agreement=agreement, **data),
                   _("The agreement has been recorded as signed."))


@login_required
@require_http_methods(["GET", "POST"])
def agreement_document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk, MANAGE)
    form = forms.DocumentForm(request.POST or None, request.FILES or None)
    return _action(request, agreement, form, _("Upload the signed agreement"),
                   lambda data: agreements.attach_signed_document(actor=request_user(request), agreement=agreement,
                                                                  **data),
                   _("The signed PDF has been stored."))


@login_required
@require_http_methods(["GET", "POST"])
def agreement_terminate(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk, MANAGE)
    form = forms.TerminateForm(request.POST or None, initial={"terminated_on": timezone.localdate()})
    return _action(request, agreement, form, _("Terminate the agreement"),
                   lambda data: agreements.terminate_agreement(actor=request_user(request), agreement=agreement,
                                                               **data),
                   _("The agreement has been recorded as terminated."))


@login_required
@require_http_methods(["GET", "POST"])
def review_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk, MANAGE)
    form = forms.ReviewForm(request.POST or None)
    return _action(request, agreement, form, _("Agree a review date"),
                   lambda data: agreements.add_review(actor=request_user(request), agreement=agreement, **data),
                   _("The review date has been added."))


@login_required
@require_http_methods(["GET", "POST"])
def review_complete(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request.user, MANAGE)
    review = AgreementReview.objects.filter(pk=pk).select_related("agreement").first()
    if review is None:
        raise Http404
    agreement = _agreement(request, review.agreement_id, MANAGE)
    form = forms.ReviewCompleteForm(request.POST or None)
    return _action(request, agreement, form,
                   _("Complete the review of %(date)s") % {"date": review.due_on.strftime("%d.%m.%Y")},
                   lambda data: agreements.complete_review(actor=request_user(request), review=review, **data),
                   _("The review has been completed."))


@login_required
@require_GET
def agreement_document(request: HttpRequest, pk: int) -> FileResponse:
    """The signed PDF, only for those who may read the agreement; always a download, never rendered inline."""
    agreement = _agreement(request, pk)
    if not agreement.signed_document:
        raise Http404
    try:
        handle = agreement.signed_document.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, content_type=PDF_CONTENT_TYPE,
                            filename=agreement.signed_document_name or "vereinbarung.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def agreement_draft_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A PDF of the entered sections, marked as a draft, with the three parties and signature lines."""
    agreement = _agreement(request, pk)
    target = agreement.target
    parties = {party: [s for s in agreement.signatories.all() if s.party == party]
               for party in AgreementSignatory.Party.values}
    pdf = render_pdf("alliance/agreement_draft_pdf.html", {
        "agreement": agreement, "target": target,
        "sections": _sections(agreement),
        "party_rows": [
            (AgreementSignatory.Party.MUNICIPALITY.label, str(target), parties["municipality"]),
            (AgreementSignatory.Party.POLICE.label,
             f"{agreement.police_station} ({agreement.police_directorate.name})" if agreement.police_station
             else agreement.police_directorate.name, parties["police"]),
            (AgreementSignatory.Party.COORDINATION_OFFICE.label, agreement.coordination_office.name,
             parties["coordination_office"]),
        ],
        "generated": timezone.localdate(),
    })
    response = download(pdf, filename=f"vereinbarung-{agreement.pk}-entwurf.pdf", content_type=PDF_CONTENT_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    return response
