"""Pages of the measures app (thin: reads in selectors, writes in services).

The partner directory is public; the coordination office edits it. The measures of a case are seen
by the reporter's side (a reduced view) and the case team; everyone else gets 404, also for writes
they may not make on a case they can read.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core.access import get_for_user, require_perm
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.web.pages import form_page, request_user, submit
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.measures import forms, partners, selectors, services
from kommunalschutz.protection.measures.models import Measure, MeasureKind, Partner

MANAGE_PARTNERS = "measures.manage_partners"


# --- the partner directory ---------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def partner_list(request: HttpRequest) -> HttpResponse:
    can_manage = request.user.has_perm(MANAGE_PARTNERS)
    inactive = (Partner.objects.filter(is_active=False).order_by(*german("name")) if can_manage
                else Partner.objects.none())
    return render(request, "measures/partner_list.html", {
        "groups": selectors.partners_by_category(), "inactive": inactive, "can_manage": can_manage,
    })


def _partner_form_page(request: HttpRequest, form: Any, *, title: str, partner: Partner | None) -> HttpResponse:
    return render(request, "measures/partner_form.html", {"form": form, "title": title, "partner": partner},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def partner_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, MANAGE_PARTNERS)
    form = forms.PartnerForm(request.POST or None)
    partner = submit(request, form, lambda: partners.create_partner(actor=user, **form.cleaned_data))
    if partner is not None:
        messages.success(request, _("The partner %(name)s was added to the directory.") % {"name": partner.name})
        return redirect(reverse("measures:partner_list") + f"#partner-{partner.pk}")
    return _partner_form_page(request, form, title=_("Add a counselling partner"), partner=None)


@login_required
@require_http_methods(["GET", "POST"])
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    require_perm(user, MANAGE_PARTNERS)
    partner = get_for_user(user, Partner.objects.all(), MANAGE_PARTNERS, pk=pk)
    form = forms.PartnerForm(request.POST or None, instance=partner)
    saved = submit(request, form, lambda: partners.update_partner(actor=user, partner=partner, **{
        name: form.cleaned_data[name] for name in partners.PARTNER_FIELDS}))
    if saved is not None:
        messages.success(request, _("The changes to %(name)s were saved.") % {"name": saved.name})
        return redirect(reverse("measures:partner_list") + f"#partner-{saved.pk}")
    return _partner_form_page(request, form, title=_("Edit the counselling partner"), partner=partner)


@login_required
@require_POST
def partner_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    require_perm(user, MANAGE_PARTNERS)
    partner = get_for_user(user, Partner.objects.all(), MANAGE_PARTNERS, pk=pk)
    active = request.POST.get("active") == "1"
    partner = partners.set_partner_active(actor=user, partner=partner, active=active)
    if active:
        messages.success(request, _("%(name)s is listed again.") % {"name": partner.name})
    else:
        messages.success(request, _("%(name)s was deactivated and is no longer listed.") % {"name": partner.name})
    return redirect("measures:partner_list")


# --- measures of a case ------------------------------------------------------------------------------


def _case(user: User, pk: int, permission: str = "measures.view_measures") -> Case:
    case = get_for_user(user, Case.objects.select_related("municipality"), "measures.view_measures", pk=pk)
    require_perm(user, permission, case)
    return case


def _measure(user: User, pk: int, permission: str) -> Measure:
    measure = Measure.objects.select_related("case", "partner", "owner").filter(pk=pk).first()
    if measure is None:
        raise Http404
    _case(user, measure.case_id, permission)
    return measure


@login_required
@require_http_methods(["GET", "HEAD"])
def case_measures(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = _case(user, pk)
    can_manage = user.has_perm("measures.manage_measures", case)
    measures = list(selectors.case_measures(case))
    today = timezone.localdate()
    context: dict[str, Any] = {
        "case": case, "can_manage": can_manage,
        "can_decide": user.has_perm("measures.decide_protection", case),
        "register_block_present": any(m.kind == MeasureKind.REGISTER_BLOCK for m in measures),
    }
    if can_manage:
        for measure in measures:
            measure.is_overdue = selectors.is_overdue(measure, today)  # type: ignore[attr-defined]
        context["measures"] = measures
    else:
        context["reporter_measures"] = selectors.reporter_view(measures)
    return render(request, "measures/case_measures.html", context)


def _measure_form_page(request: HttpRequest, form: Any, *, case: Case, title: str, submit: str,
                       measure: Measure | None = None, template: str = "measures/measure_form.html") -> HttpResponse:
    return form_page(request, template, form, title=title, submit=submit, case=case, measure=measure,
                     back_url=reverse("measures:case_measures", args=[case.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = _case(user, pk, "measures.manage_measures")
    initial = {"kind": request.GET["kind"]} if request.GET.get("kind") in MeasureKind.values else None
    form = forms.MeasureForm(request.POST or None, case=case, initial=initial)

    def write() -> Measure:
        data = form.cleaned_data
        return services.add_measure(actor=user, case=case, kind=data["kind"], partner=data["partner"],
                                    protection_kind=data["protection_kind"], owner=data["owner"],
                                    due_on=data["due_on"], description=data["description"],
                                    agreed_with_official=data["agreed_with_official"])

    if submit(request, form, write) is not None:
        messages.success(request, _("The measure was recorded."))
        return redirect("measures:case_measures", pk=case.pk)
    return _measure_form_page(request, form, case=case, title=_("Record a measure"), submit=_("Record the measure"))


@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    measure = _measure(user, pk, "measures.manage_measures")
    form = forms.MeasureUpdateForm(request.POST or None, measure=measure)
    if submit(request, form, lambda: services.update_measure(actor=user, measure=measure,
                                                              **form.cleaned_data)) is not None:
        messages.success(request, _("The measure was updated."))
        return redirect("measures:case_measures", pk=measure.case_id)
    return _measure_form_page(request, form, case=measure.case, measure=measure,
                              title=_("Update the measure: %(kind)s") % {"kind": measure.get_kind_display()},
                              submit=_("Save the measure"))


@login_required
@require_http_methods(["GET", "POST"])
def measure_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    measure = _measure(user, pk, "measures.decide_protection")
    if measure.kind != MeasureKind.PROTECTION_REQUEST:
        raise Http404
    form = forms.DecisionForm(request.POST or None)
    if submit(request, form, lambda: services.decide_protection(
            actor=user, measure=measure, decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"])) is not None:
        messages.success(request, _("The decision was recorded; the case team and the reporter are informed."))
        return redirect("measures:case_measures", pk=measure.case_id)
    return _measure_form_page(request, form, case=measure.case, measure=measure,
                              title=_("Decide the protection request"), submit=_("Record the decision"),
                              template="measures/decision_form.html")
