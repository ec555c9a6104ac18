"""Pages of the engagements app (thin: lookups in selectors, writes in the topic modules: offers, common,
consultations, coaching, analyses, funding).

Lookups go through scoped selectors, so an engagement the user may not see answers 404, and so does
a write the user may not make (the police read consultations, but record nothing).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kommunalschutz.alliance.engagements import (
    analyses,
    coaching,
    common,
    consultations,
    forms,
    funding,
    offers,
    selectors,
)
from kommunalschutz.alliance.engagements.models import (
    AnalysisPhase,
    Coach,
    CoachingProcess,
    Competence,
    Engagement,
    FollowUpTask,
    FundingApplication,
    OfferType,
)
from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core.access import require_perm
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.registry.models import District, Municipality
from kommunalschutz.foundation.web.pages import form_page, request_user, save, submit

PAGE_SIZE = 50
MANAGE = "alliance.manage_programme"
EDIT_COACHING = "engagements.edit_coaching_process"
FORM = "engagements/form.html"


# --- the offer catalogue ----------------------------------------------------------------------------------


@login_required
@require_GET
def offer_list(request: HttpRequest) -> HttpResponse:
    require_perm(request_user(request), MANAGE)
    return render(request, "engagements/offer_list.html", {"offers": list(selectors.offer_types_with_counts())})


@login_required
@require_http_methods(["GET", "POST"])
def offer_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, MANAGE)
    form = forms.OfferTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        offer = save(form, lambda: offers.create_offer_type(actor=user, **form.cleaned_data))
        if offer is not None:
            messages.success(request, _("The offer “%(name)s” has been added to the catalogue.") % {"name": offer})
            return redirect("engagements:offer_list")
    return form_page(request, FORM, form, title=_("New offer"), back_url=reverse("engagements:offer_list"),
                     submit=_("Add offer"), intro=_(
                         "An offer of the kind “general offer” works at once: its engagements are recorded "
                         "with the common fields. The other kinds have forms of their own."))


@login_required
@require_http_methods(["GET", "POST"])
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    require_perm(user, MANAGE)
    offer = get_object_or_404(OfferType, pk=pk)
    initial = {name: getattr(offer, name) for name in ("name", "code", "kind", "description", "position", "active")}
    form = forms.OfferTypeForm(request.POST or None, initial=initial)
    if submit(request, form, lambda: offers.update_offer_type(actor=user, offer_type=offer, **form.cleaned_data)):
        messages.success(request, _("The offer “%(name)s” has been saved.") % {"name": offer})
        return redirect("engagements:offer_list")
    return form_page(request, FORM, form, title=_("Edit offer “%(name)s”") % {"name": offer},
                     back_url=reverse("engagements:offer_list"), submit=_("Save"), intro=_(
                         "Untick “offered” to deactivate the offer: its engagements stay, new ones are refused."))


# --- engagements ----------------------------------------------------------------------------------------------


@login_required
@require_GET
def engagement_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, "alliance.view_records")
    municipalities, districts = selectors.filter_targets(user)
    form = forms.EngagementFilterForm(request.GET or None, years=selectors.engagement_years(),
                                      municipalities=municipalities, districts=districts)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.engagement_rows(
        user, offer=filters.get("offer"), status=filters.get("status") or "",
        municipality=filters.get("municipality"), district=filters.get("district"), year=filters.get("year"),
        overdue=bool(filters.get("overdue")))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = user.has_perm(MANAGE)
    return render(request, "engagements/engagement_list.html", {
        "form": form, "page": page, "filtered": any(filters.values()) if filters else False,
        "can_manage": can_manage,
        "offers": list(selectors.offer_types(active_only=True)) if can_manage else [],
    })


def _funding_figures(application: FundingApplication) -> dict[str, Any]:
    share = funding.own_share(application.total_costs, application.requested_amount)
    total = application.total_costs
    return {
        "own_share": share,
        "own_share_percent": (share / total * 100).quantize(Decimal("0.1")) if total else None,
        "funding_rate": (application.requested_amount / total * 100).quantize(Decimal("0.1")) if total else None,
        "cash_share": share - application.in_kind_contribution,
        "window": funding.application_window(application.funding_year),
    }


@login_required
@require_GET
def engagement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    engagement = selectors.engagement_for(user, pk)
    details = selectors.details_of(engagement)
    can_manage = user.has_perm(MANAGE)
    context: dict[str, Any] = {
        "engagement": engagement, "details": details, "kind": engagement.offer_type.kind,
        "can_manage": can_manage, "today": selectors.today(),
    }
    if details.coaching is not None:
        context["can_edit_coaching"] = user.has_perm(EDIT_COACHING, details.coaching)
        context["session_form"] = forms.SessionForm()
        context["evaluations"] = list(details.coaching.evaluations.all())
    if details.consultation is not None and can_manage:
        context["task_form"] = forms.FollowUpTaskForm()
    if details.funding is not None:
        context["figures"] = _funding_figures(details.funding)
        context["steps"] = [
            (getattr(FundingApplication._meta.get_field(name), "verbose_name", name), getattr(details.funding, name))
            for name in FundingApplication.BECCARIA_FIELDS]
    if details.analysis is not None:
        context["phase_rows"] = [
            {"phase": phase, "overdue": phase.actual_end is None and phase.planned_end < context["today"]
             and engagement.status not in selectors.FINISHED}
            for phase in details.phases]
        # The survey project whose progress drives the phases (surveys.progress), if the user may see it.
        survey = getattr(details.analysis, "survey_project", None)
        context["survey_project"] = survey if survey is not None and user.has_perm("surveys.view_project",
                                                                                   survey) else None
        context["survey_linked"] = survey is not None
    return render(request, "engagements/engagement_detail.html", context)


def _target_initial(request: HttpRequest) -> dict[str, Any]:
    """Prefill the target from ?municipality=<AGS> or ?district=<AGS> (links from a municipality's page)."""
    initial: dict[str, Any] = {}
    for name in ("municipality", "district"):
        value = request.GET.get(name, "")
        if value.isdigit():
            initial[name] = value
    return initial


def _suggestions(request: HttpRequest) -> list[selectors.Suggestion]:
    data = request.POST if request.method == "POST" else request.GET
    needs = Competence.objects.filter(pk__in=[v for v in data.getlist("needs") if v.isdigit()])
    district_id: int | None = None
    if data.get("municipality"):
        district_id = (Municipality.objects.filter(ags=data["municipality"])
                       .values_list("district_id", flat=True).first())
    elif data.get("district"):
        district_id = District.objects.filter(ags=data["district"]).values_list("pk", flat=True).first()
    return selectors.rank_coaches(needs=list(needs), district_id=district_id)


def _create(user: User, offer: OfferType, form: Any) -> Engagement:
    data = form.cleaned_data
    target = {"municipality": data.get("municipality"), "district": data.get("district")}
    core = {"title": data.get("title", ""), "status": data.get("status"), "owner": data.get("owner"),
            "notes": data.get("notes", ""), "offer_type": offer}
    kind = offer.kind
    if kind == OfferType.Kind.CONSULTATION:
        return consultations.create_consultation(
            actor=user, started_on=data["started_on"], ended_on=data.get("ended_on"), topics=data["topics"],
            participating_organisations=data.get("participating_organisations") or [],
            other_participants=data.get("other_participants", ""), outcome=data.get("outcome", ""),
            **target, **core).engagement
    if kind == OfferType.Kind.COACHING:
        return coaching.create_coaching_process(
            actor=user, started_on=data["started_on"], ended_on=data.get("ended_on"), coach=data.get("coach"),
            goals=data["goals"], needs=data.get("needs") or [], **target, **core).engagement
    if kind == OfferType.Kind.SECURITY_ANALYSIS:
        return analyses.create_security_analysis(
            actor=user, started_on=data["started_on"], ended_on=data.get("ended_on"),
            contractor=data.get("contractor"), sample_size=data.get("sample_size"), **target, **core).engagement
    if kind == OfferType.Kind.FUNDING:
        return funding.create_funding_application(
            actor=user, **form.funding_values(), **form.steps(), **target, **core).engagement
    return common.create_engagement(actor=user, started_on=data["started_on"], ended_on=data.get("ended_on"),
                                    **target, **core)


@login_required
@require_http_methods(["GET", "POST"])
def engagement_create(request: HttpRequest, offer: str) -> HttpResponse:
    user = request_user(request)
    require_perm(user, MANAGE)
    offer_type = get_object_or_404(OfferType, code=offer, active=True)
    create_form, _edit_form = forms.FORMS[offer_type.kind]
    suggest = request.method == "POST" and "suggest" in request.POST
    if suggest:
        # Only re-rank the coaches: keep what was entered, validate nothing yet.
        values: dict[str, Any] = {key: request.POST.get(key) for key in request.POST if key != "csrfmiddlewaretoken"}
        values["needs"] = request.POST.getlist("needs")
        form = create_form(initial=values)
    else:
        form = create_form(request.POST or None, initial=_target_initial(request))
    if request.method == "POST" and not suggest and form.is_valid():
        engagement = save(form, lambda: _create(user, offer_type, form))
        if engagement is not None:
            messages.success(request, _("“%(title)s” has been recorded.") % {"title": engagement})
            return redirect("engagements:engagement_detail", pk=engagement.pk)
    extra: dict[str, Any] = {"offer": offer_type}
    template = FORM
    if offer_type.kind == OfferType.Kind.COACHING:
        extra["suggestions"] = _suggestions(request)
        template = "engagements/coaching_form.html"
    return form_page(request, template, form, title=_("New engagement: %(offer)s") % {"offer": offer_type},
                      back_url=reverse("engagements:engagement_list"), submit=_("Record"), **extra)


def _edit_initial(engagement: Engagement, details: selectors.Details) -> dict[str, Any]:
    initial = forms.core_initial(engagement)
    if details.consultation is not None:
        c = details.consultation
        initial |= {"topics": c.topics, "other_participants": c.other_participants, "outcome": c.outcome,
                    "participating_organisations": [o.pk for o in c.participating_organisations.all()]}
    if details.coaching is not None:
        p = details.coaching
        initial |= {"coach": p.coach_id, "goals": p.goals, "needs": [n.pk for n in p.needs.all()]}
    if details.analysis is not None:
        a = details.analysis
        initial |= {"contractor": a.contractor_id, "sample_size": a.sample_size}
    if details.funding is not None:
        f = details.funding
        initial |= {name: getattr(f, name) for name in (
            "funding_year", "project_title", "total_costs", "requested_amount", "in_kind_contribution",
            "submitted_on", *FundingApplication.BECCARIA_FIELDS)}
        initial["prior_consultation"] = f.prior_consultation_id
    return initial


def _update(user: User, engagement: Engagement, details: selectors.Details, form: Any) -> Engagement:
    data = form.cleaned_data
    core = forms.core_values(data)
    if details.consultation is not None:
        consultations.update_consultation(
            actor=user, consultation=details.consultation, topics=data["topics"],
            other_participants=data.get("other_participants", ""), outcome=data.get("outcome", ""),
            participating_organisations=data.get("participating_organisations") or [], **core)
    elif details.coaching is not None:
        coaching.update_coaching_process(actor=user, process=details.coaching, coach=data.get("coach"),
                                         goals=data["goals"], needs=data.get("needs") or [], **core)
    elif details.analysis is not None:
        analyses.update_security_analysis(actor=user, analysis=details.analysis, contractor=data.get("contractor"),
                                          sample_size=data.get("sample_size"), **core)
    elif details.funding is not None:
        core.pop("started_on", None)
        core.pop("ended_on", None)
        funding.update_funding_application(actor=user, application=details.funding, steps=form.steps(),
                                           **form.funding_values(), **core)
    else:
        common.update_engagement(actor=user, engagement=engagement, **core)
    return engagement


@login_required
@require_http_methods(["GET", "POST"])
def engagement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    engagement = selectors.engagement_for(user, pk)
    require_perm(user, MANAGE)
    details = selectors.details_of(engagement)
    _create_form, edit_form = forms.FORMS[engagement.offer_type.kind]
    kwargs: dict[str, Any] = {}
    if details.funding is not None:
        kwargs["consultations"] = selectors.consultations_for_funding(
            municipality=engagement.municipality, district=engagement.district)
    form = edit_form(request.POST or None, initial=_edit_initial(engagement, details), **kwargs)
    if submit(request, form, lambda: _update(user, engagement, details, form)):
        messages.success(request, _("“%(title)s” has been saved.") % {"title": engagement})
        return redirect("engagements:engagement_detail", pk=engagement.pk)
    return form_page(request, FORM, form, title=_("Edit “%(title)s”") % {"title": engagement},
                     back_url=reverse("engagements:engagement_detail", args=[engagement.pk]), submit=_("Save"),
                     engagement=engagement)


# --- consultations: follow-up tasks ------------------------------------------------------------------------


def _managed(request: HttpRequest, pk: int, kind: str) -> tuple[User, Engagement, selectors.Details]:
    user = request_user(request)
    engagement = selectors.engagement_for(user, pk)
    require_perm(user, MANAGE)
    if engagement.offer_type.kind != kind:
        raise Http404
    return user, engagement, selectors.details_of(engagement)


@login_required
@require_http_methods(["GET", "POST"])
def task_add(request: HttpRequest, pk: int) -> HttpResponse:
    user, engagement, details = _managed(request, pk, OfferType.Kind.CONSULTATION)
    consultation = details.consultation
    if consultation is None:
        raise Http404
    form = forms.FollowUpTaskForm(request.POST or None)
    if submit(request, form, lambda: consultations.add_follow_up_task(
            actor=user, consultation=consultation, **form.cleaned_data)):
        messages.success(request, _("The follow-up task has been added."))
        return redirect(reverse("engagements:engagement_detail", args=[pk]) + "#tasks")
    return form_page(request, FORM, form, title=_("New follow-up task"), engagement=engagement,
                     back_url=reverse("engagements:engagement_detail", args=[pk]), submit=_("Add task"))


@login_required
@require_POST
def task_complete(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    user, _engagement, details = _managed(request, pk, OfferType.Kind.CONSULTATION)
    task = get_object_or_404(FollowUpTask, pk=task_pk, consultation=details.consultation)
    consultations.complete_follow_up_task(actor=user, task=task)
    messages.success(request, _("The task “%(task)s” is done.") % {"task": task})
    return redirect(reverse("engagements:engagement_detail", args=[pk]) + "#tasks")


# --- coaching ------------------------------------------------------------------------------------------------


def _coaching(request: HttpRequest, pk: int) -> tuple[User, Engagement, CoachingProcess]:
    user = request_user(request)
    engagement = selectors.engagement_for(user, pk)
    process = selectors.details_of(engagement).coaching
    if process is None:
        raise Http404
    require_perm(user, EDIT_COACHING, process)
    return user, engagement, process


@login_required
@require_GET
def coaching_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, "engagements.view_coaching_processes")
    open_only = request.GET.get("open") == "1"
    page = Paginator(selectors.coaching_rows(user, open_only=open_only), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "engagements/coaching_list.html", {
        "page": page, "open_only": open_only, "sees_all": user.has_perm("alliance.view_programme"),
        "can_manage": user.has_perm(MANAGE),
    })


@login_required
@require_http_methods(["GET", "POST"])
def session_add(request: HttpRequest, pk: int) -> HttpResponse:
    user, engagement, process = _coaching(request, pk)
    form = forms.SessionForm(request.POST or None)
    if submit(request, form, lambda: coaching.record_coaching_session(
            actor=user, process=process, **form.cleaned_data)):
        messages.success(request, _("The session has been recorded."))
        return redirect(reverse("engagements:engagement_detail", args=[pk]) + "#sessions")
    return form_page(request, FORM, form, title=_("Record a coaching session"), engagement=engagement,
                     back_url=reverse("engagements:engagement_detail", args=[pk]), submit=_("Record session"))


@login_required
@require_http_methods(["GET", "POST"])
def coaching_close(request: HttpRequest, pk: int) -> HttpResponse:
    user, engagement, process = _coaching(request, pk)
    initial: dict[str, Any] = {"closed_on": process.closed_on or selectors.today(),
                               "evaluation_summary": process.evaluation_summary}
    for row in process.evaluations.all():
        initial[row.condition] = row.fulfilment
        initial[f"{row.condition}_comment"] = row.comment
    form = forms.CloseCoachingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = save(form, lambda: coaching.close_coaching_process(
            actor=user, process=process, closed_on=form.cleaned_data["closed_on"],
            summary=form.cleaned_data["evaluation_summary"], evaluations=form.evaluations()))
        if done:
            messages.success(request, _("The coaching process has been closed with its evaluation."))
            return redirect("engagements:engagement_detail", pk=pk)
    return form_page(request, "engagements/coaching_close.html", form, title=_("Close the coaching process"),
                     engagement=engagement, back_url=reverse("engagements:engagement_detail", args=[pk]),
                     submit=_("Close the process"), intro=_(
                          "Rate each of the five success conditions seen in the programme's review."))


@login_required
@require_http_methods(["GET", "POST"])
def coach_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, MANAGE)
    form = forms.CompetenceForm(request.POST or None)
    if submit(request, form, lambda: coaching.create_competence(actor=user, **form.cleaned_data)):
        messages.success(request, _("The competence has been added."))
        return redirect("engagements:coach_list")
    return render(request, "engagements/coach_list.html", {
        "coaches": list(selectors.coach_pool()), "form": form,
        "competences": list(Competence.objects.order_by(*german("name"))),
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def coach_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, MANAGE)
    form = forms.CoachForm(request.POST or None)
    if submit(request, form, lambda: coaching.create_coach(actor=user, **form.cleaned_data)):
        messages.success(request, _("The coach has been added to the pool."))
        return redirect("engagements:coach_list")
    return form_page(request, FORM, form, title=_("Add a coach to the pool"),
                     back_url=reverse("engagements:coach_list"), submit=_("Add coach"), intro=_(
                         "Only people with the role “coach” can be chosen; give them the role on their "
                         "organisation's page first."))


@login_required
@require_http_methods(["GET", "POST"])
def coach_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    require_perm(user, MANAGE)
    coach = get_object_or_404(Coach.objects.select_related("user"), pk=pk)
    initial = {"institute": coach.institute_id, "capacity": coach.capacity, "active": coach.active,
               "competences": list(coach.competences.values_list("pk", flat=True)),
               "regions": list(coach.regions.values_list("pk", flat=True))}
    form = forms.CoachForm(request.POST or None, initial=initial, editing=True)
    if submit(request, form, lambda: coaching.update_coach(actor=user, coach=coach, **form.cleaned_data)):
        messages.success(request, _("The coach's profile has been saved."))
        return redirect("engagements:coach_list")
    return form_page(request, FORM, form, title=_("Coach profile: %(name)s") % {"name": coach.user.get_full_name()},
                     back_url=reverse("engagements:coach_list"), submit=_("Save"))


# --- security analyses --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def phase_edit(request: HttpRequest, pk: int, phase_pk: int) -> HttpResponse:
    user, engagement, details = _managed(request, pk, OfferType.Kind.SECURITY_ANALYSIS)
    phase = get_object_or_404(AnalysisPhase.objects.select_related("analysis__engagement"), pk=phase_pk,
                              analysis=details.analysis)
    initial = {name: getattr(phase, name) for name in ("planned_start", "planned_end", "actual_start", "actual_end")}
    form = forms.PhaseForm(request.POST or None, initial=initial)
    if submit(request, form, lambda: analyses.record_phase_dates(actor=user, phase=phase, **form.cleaned_data)):
        messages.success(request, _("The dates of the phase “%(phase)s” have been saved.") % {"phase": phase})
        return redirect(reverse("engagements:engagement_detail", args=[pk]) + "#phases")
    return form_page(request, FORM, form, title=_("Phase “%(phase)s”") % {"phase": phase}, engagement=engagement,
                     back_url=reverse("engagements:engagement_detail", args=[pk]), submit=_("Save dates"))


# --- funding applications --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def funding_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user, engagement, details = _managed(request, pk, OfferType.Kind.FUNDING)
    application = details.funding
    if application is None:
        raise Http404
    form = forms.DecisionForm(request.POST or None, initial={
        "decision": application.decision, "decided_on": application.decided_on,
        "approved_amount": application.approved_amount})
    if submit(request, form, lambda: funding.decide_funding(
            actor=user, application=application, **form.cleaned_data)):
        messages.success(request, _("The decision has been recorded."))
        return redirect("engagements:engagement_detail", pk=pk)
    return form_page(request, FORM, form, title=_("Decision on the application"), engagement=engagement,
                     back_url=reverse("engagements:engagement_detail", args=[pk]), submit=_("Save decision"))


@login_required
@require_http_methods(["GET", "POST"])
def funding_report(request: HttpRequest, pk: int) -> HttpResponse:
    user, engagement, details = _managed(request, pk, OfferType.Kind.FUNDING)
    application = details.funding
    if application is None:
        raise Http404
    form = forms.UseOfFundsForm(request.POST or None, initial={
        "use_of_funds_report": application.use_of_funds_report,
        "report_submitted_on": application.report_submitted_on})
    if submit(request, form, lambda: funding.report_use_of_funds(
            actor=user, application=application, report=form.cleaned_data["use_of_funds_report"],
            submitted_on=form.cleaned_data["report_submitted_on"])):
        messages.success(request, _("The report on the use of funds has been saved."))
        return redirect("engagements:engagement_detail", pk=pk)
    return form_page(request, FORM, form, title=_("Report on the use of funds"), engagement=engagement,
                     back_url=reverse("engagements:engagement_detail", args=[pk]), submit=_("Save report"))
