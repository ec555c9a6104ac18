"""Pages of the cases app: the caseload, my reports, the case page with its actions, the intake dashboard
and the notifications. Thin: reads in selectors, writes in services.

Every case is looked up with get_for_user: a case the user may not see answers 404, and so does an
action the user may not take on a case they can see (a reporter cannot write internal notes).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core.access import get_for_user, require_perm
from kommunalschutz.foundation.web.pages import request_user, save, submit
from kommunalschutz.protection.cases import (
    case_tasks,
    case_team,
    forms,
    inbox,
    incidents,
    links,
    messaging,
    selectors,
    services,
    workflow,
)
from kommunalschutz.protection.cases.models import Case, CaseTask, CaseTeamMember, IncidentType, Notification

PAGE_SIZE = 50
WORK = "cases.work_case"
MESSAGE = "cases.message_case"
TEAM = "cases.manage_case_team"


def _case(user: User, pk: int, permission: str = "cases.view_case") -> Case:
    case = get_for_user(user, Case.objects.select_related("municipality", "owner", "police_directorate"),
                        "cases.view_case", pk=pk)
    if permission != "cases.view_case":
        require_perm(user, permission, case)
    return case


def _case_url(case: Case, section: str = "") -> str:
    return reverse("cases:case_detail", args=[case.pk]) + (f"#{section}" if section else "")


# --- lists ------------------------------------------------------------------------------------------


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, "cases.view_caseload")
    form = forms.CaseFilterForm(request.GET or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    cases = selectors.caseload(user, status=filters.get("status", ""), acute=bool(filters.get("acute")),
                               mine=bool(filters.get("mine")), unacknowledged=bool(filters.get("unacknowledged")),
                               overdue=bool(filters.get("overdue")))
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    for case in page:
        case.overdue = selectors.is_overdue(case)  # type: ignore[attr-defined]
    return render(request, "cases/case_list.html", {
        "form": form, "page": page, "filtered": any(filters.values()),
    })


@login_required
@require_GET
def my_reports(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, "cases.report_incident")
    page = Paginator(selectors.my_reports(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/my_reports.html", {"page": page})


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, "cases.view_caseload")
    return render(request, "cases/dashboard.html", selectors.dashboard(user))


# --- notifications ------------------------------------------------------------------------------------


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    page = Paginator(selectors.notifications_for(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/notifications.html", {
        "page": page, "unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
    })


def _own_notification(user: User, pk: int) -> Notification:
    notification = Notification.objects.filter(user=user, pk=pk).select_related("case").first()
    if notification is None:
        raise Http404
    return notification


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification to its case: 404 when the case is no longer visible to the user."""
    user = request_user(request)
    notification = _own_notification(user, pk)
    inbox.mark_notification_read(user=user, notification=notification)
    if notification.case_id is not None:
        case = _case(user, notification.case_id)
        return redirect(_case_url(case))
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("cases:notifications")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    inbox.mark_notification_read(user=user, notification=_own_notification(user, pk))
    return redirect("cases:notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = inbox.mark_all_notifications_read(user=request_user(request))
    messages.success(request, _("%(count)d notification(s) marked as read.") % {"count": count})
    return redirect("cases:notifications")


# --- the case page --------------------------------------------------------------------------------------


def _team_forms(user: User, case: Case, data: Any = None, bound: str = "") -> dict[str, Any]:
    """The action forms of the case page; ``bound`` names the one that carries the submitted data."""
    people = services.eligible_team_users(case)
    team = services.team_users(case)

    def pick(name: str) -> Any:
        return data if bound == name else None

    context: dict[str, Any] = {
        "status_form": forms.StatusForm(pick("status"), allowed=workflow.allowed_statuses(case)),
        "message_form": forms.MessageForm(pick("message"), allow_reporter=user.has_perm(MESSAGE, case)),
        "task_form": forms.TaskForm(pick("task"), people=team),
        "link_form": forms.LinkForm(pick("link")),
        "close_form": forms.CloseForm(pick("close")),
        "reopen_form": forms.ReopenForm(pick("reopen")),
    }
    if user.has_perm(TEAM, case):
        context["owner_form"] = forms.OwnerForm(pick("owner"), people=people)
        context["team_form"] = forms.TeamMemberForm(pick("team"), people=people)
    return context


def _detail(request: HttpRequest, case: Case, *, bound: str = "", data: Any = None,
            form: Any = None, status: int = 200) -> HttpResponse:
    user = request_user(request)
    team_view = user.has_perm(WORK, case)
    context: dict[str, Any] = {
        "case": case, "team_view": team_view,
        "can_message": user.has_perm(MESSAGE, case),
        "can_manage_team": user.has_perm(TEAM, case),
        "incident_type_labels": [IncidentType(code).label for code in case.incident_types or []
                                 if code in IncidentType.values],
        **selectors.case_sections(case, user, team_view=team_view),
    }
    if team_view:
        context.update(_team_forms(user, case))
        context["allowed_statuses"] = workflow.allowed_statuses(case)
    else:
        context["reply_form"] = forms.ReplyForm()
        if user.pk in {case.reported_by_id, case.affected_user_id}:
            messaging.mark_read_by_reporter(case, actor=request_user(request))
    if form is not None:
        context[f"{bound}_form"] = form
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _case(request_user(request), pk))


def _act(request: HttpRequest, case: Case, name: str, form: Any, write: Any, success: str,
         section: str) -> HttpResponse:
    """Validate the form, run the service write; on refusal show the case page with the error at the field.
    Every write passed here returns what it wrote (never None)."""
    if form.is_valid() and save(form, lambda: write(form.cleaned_data)) is not None:
        messages.success(request, success)
        return redirect(_case_url(case, section))
    return _detail(request, case, bound=name, form=form, status=400)


@login_required
@require_POST
def case_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = _case(user, pk, WORK)
    try:
        workflow.acknowledge(actor=user, case=case)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_case_url(case))
    messages.success(request, _("You have acknowledged the case."))
    return redirect(_case_url(case))


@login_required
@require_POST
def case_owner(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = _case(user, pk, TEAM)
    form = forms.OwnerForm(request.POST, people=services.eligible_team_users(case))
    return _act(request, case, "owner", form, lambda data: case_team.assign_owner(
        actor=user, case=case, owner=data["owner"]), _("The case owner has been changed."), "team")


@login_required
@require_POST
def case_team_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = _case(user, pk, TEAM)
    form = forms.TeamMemberForm(request.POST, people=services.eligible_team_users(case))
    return _act(request, case, "team", form, lambda data: case_team.add_team_member(
        actor=user, case=case, user=data["user"], function=data["function"]),
        _("The person has been added to the case team."), "team")


@login_required
@require_POST
def case_team_remove(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    user = request_user(request)
    case = _case(user, pk, TEAM)
    member = CaseTeamMember.objects.filter(case=case, pk=member_id).first()
    if member is None:
        raise Http404
    case_team.remove_team_member(actor=user, case=case, member=member)
    messages.success(request, _("The person has been removed from the case team."))
    return redirect(_case_url(case, "team"))


@login_required
@require_POST
def case_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = _case(user, pk, WORK)
    form = forms.StatusForm(request.POST, allowed=workflow.allowed_statuses(case))
    return _act(request, case, "status", form, lambda data: workflow.change_status(
        actor=user, case=case, status=data["status"]), _("The case status has been changed."), "")


@login_required
@require_POST
def case_message(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = _case(user, pk, WORK)
    can_message = user.has_perm(MESSAGE, case)
    form = forms.MessageForm(request.POST, allow_reporter=can_message)
    return _act(request, case, "message", form, lambda data: messaging.post_message(
        actor=user, case=case, body=data["body"], internal=data["kind"] == "internal",
        is_question=data["kind"] == "question"), _("The message has been saved."), "messages")


@login_required
@require_POST
def case_reply(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = _case(user, pk, MESSAGE)
    if user.has_perm(WORK, case) or user.pk not in {case.reported_by_id, case.affected_user_id}:
        raise Http404
    form = forms.ReplyForm(request.POST)
    if form.is_valid() and save(form, lambda: messaging.reporter_reply(
            actor=user, case=case, body=form.cleaned_data["body"])) is not None:
        messages.success(request, _("Your message has been sent to the case team."))
        return redirect(_case_url(case, "messages"))
    return _detail(request, case, bound="reply", form=form, status=400)


@login_required
@require_POST
def case_task(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = _case(user, pk, WORK)
    form = forms.TaskForm(request.POST, people=services.team_users(case))
    return _act(request, case, "task", form, lambda data: case_tasks.add_task(
        actor=user, case=case, title=data["title"], due_on=data["due_on"], assignee=data["assignee"]),
        _("The task has been added."), "tasks")


@login_required
@require_POST
def case_task_done(request: HttpRequest, pk: int, task_id: int) -> HttpResponse:
    user = request_user(request)
    case = _case(user, pk, WORK)
    task = CaseTask.objects.filter(case=case, pk=task_id).first()
    if task is None:
        raise Http404
    try:
        case_tasks.complete_task(actor=user, case=case, task=task)
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    else:
        messages.success(request, _("The task is done."))
    return redirect(_case_url(case, "tasks"))


@login_required
@require_POST
def case_link(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = _case(user, pk, WORK)
    form = forms.LinkForm(request.POST)

    def write(data: dict[str, Any]) -> Any:
        other = selectors.visible_cases(user).filter(reference=data["other"].strip()).first()
        return links.link_cases(actor=user, case=case, other=other, kind=data["kind"])

    return _act(request, case, "link", form, write, _("The cases have been linked."), "links")


@login_required
@require_POST
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = _case(user, pk, WORK)
    form = forms.CloseForm(request.POST)
    return _act(request, case, "close", form, lambda data: workflow.close_case(
        actor=user, case=case, reason=data["reason"], note=data["note"]), _("The case has been closed."), "")


@login_required
@require_POST
def case_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = _case(user, pk, WORK)
    form = forms.ReopenForm(request.POST)
    return _act(request, case, "reopen", form, lambda data: workflow.reopen_case(
        actor=user, case=case, reason=data["reason"]), _("The case has been reopened."), "")


@login_required
@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = _case(user, pk, WORK)
    form = forms.IncidentForm(request.POST or None, initial=forms.IncidentForm.initial_for(case))
    if submit(request, form, lambda: incidents.update_incident(actor=user, case=case,
                                                                data=dict(form.cleaned_data))) is not None:
        messages.success(request, _("The incident details have been saved."))
        return redirect(_case_url(case, "incident"))
    return render(request, "cases/incident_edit.html", {"case": case, "form": form},
                  status=400 if form.errors else 200)
