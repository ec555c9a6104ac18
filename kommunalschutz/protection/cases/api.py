"""The cases part of the REST API (mounted under /api/v1/).

Bearer token only. Scoped like the pages: a case the caller may not see, and an action the caller may
not take on a case they see, answer 404; bad input answers 422 with the messages per field, and
nothing is saved. Reporters see what their page shows: the incident, the status and the messages that
are not internal notes. ``POST /reports`` (intake) belongs to the intake app.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kommunalschutz.foundation.accounts.auth import token_auth
from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.foundation.web.api import ErrorOut, ValidationErrorOut, invalid, not_found
from kommunalschutz.foundation.web.pages import request_user
from kommunalschutz.protection.cases import case_tasks, case_team, incidents, links, messaging, selectors, workflow
from kommunalschutz.protection.cases.models import Case, CaseMessage, CaseTask, CaseTeamMember
from kommunalschutz.protection.cases.schemas import (
    CaseDetailOut,
    CaseEventOut,
    CaseMessageIn,
    CaseOut,
    CaseQueryIn,
    CloseIn,
    IncidentOut,
    IncidentPatchIn,
    LinkIn,
    LinkOut,
    MessageOut,
    NotificationOut,
    ReopenIn,
    StatusIn,
    TaskIn,
    TaskOut,
    TeamIn,
    TeamMemberOut,
)

router = Router(tags=["cases"], auth=token_auth)

WORK = "cases.work_case"
MESSAGE = "cases.message_case"
TEAM = "cases.manage_case_team"
WRITE_RESPONSES: dict[int, Any] = {404: ErrorOut, 422: ValidationErrorOut}


def _case(user: User, case_id: int, permission: str = "cases.view_case") -> Case | None:
    case = (selectors.visible_cases(user).select_related("municipality", "owner").filter(pk=case_id).first())
    if case is None or not user.has_perm("cases.view_case", case):
        return None
    if permission != "cases.view_case" and not user.has_perm(permission, case):
        return None
    return case


def _case_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk, "reference": case.reference, "reported_at": case.reported_at, "status": case.status,
        "is_acute": case.is_acute, "municipality": case.municipality.ags if case.municipality else None,
        "municipality_name": case.municipality.name if case.municipality else None,
        "owner": case.owner.username if case.owner else None,
        "acknowledgement_due_at": case.acknowledgement_due_at, "acknowledged_at": case.acknowledged_at,
        "overdue": selectors.is_overdue(case), "is_synthetic": case.is_synthetic,
    }


def _message_out(message: CaseMessage, *, team_view: bool) -> MessageOut:
    author = message.author.username if team_view and message.author is not None else None
    return MessageOut(id=message.pk, created_at=message.created_at, from_reporter=message.from_reporter,
                      internal=message.internal, is_question=message.is_question, author=author, body=message.body)


def _task_out(task: CaseTask) -> TaskOut:
    return TaskOut(id=task.pk, title=task.title, assignee=task.assignee_id, due_on=task.due_on, done_at=task.done_at,
                   overdue=task.done_at is None and task.due_on < timezone.localdate())


def _detail(case: Case, user: User) -> CaseDetailOut:
    team_view = user.has_perm(WORK, case)
    sections = selectors.case_sections(case, user, team_view=team_view)
    incident = IncidentOut(**{name: getattr(case, name) for name in IncidentOut.model_fields})
    extra: dict[str, Any] = {}
    if team_view:
        extra = {
            "team": [TeamMemberOut(id=m.pk, user=m.user_id, username=m.user.username, function=m.function)
                     for m in sections["team"]],
            "tasks": [_task_out(task) for task in sections["tasks"]],
            "links": [LinkOut(id=row["link"].pk, kind=row["link"].kind,
                              other_id=row["other"].pk if row["other"] else None,
                              other_reference=row["other"].reference if row["other"] else None)
                      for row in sections["links"]],
            "events": [CaseEventOut(at=e.at, kind=e.kind, summary=e.summary, by_reporter=e.by_reporter,
                                actor=e.actor.username if e.actor and not e.by_reporter else None)
                       for e in sections["events"]],
        }
    return CaseDetailOut(
        **_case_out(case), team_view=team_view, intake=case.intake,
        closed_at=case.closed_at if team_view else None,
        closing_reason=case.closing_reason if team_view else "",
        incident=incident,
        messages=[_message_out(m, team_view=team_view) for m in sections["case_messages"]], **extra)


@router.get("/cases", response={200: list[CaseOut], 404: ErrorOut}, summary="The caller's caseload")
def list_cases(request: HttpRequest, filters: Query[CaseQueryIn]) -> Any:
    """Coordinators, police contacts and the LKA: the cases they may see (no free text)."""
    user = request_user(request)
    if not user.has_perm("cases.view_caseload"):
        return not_found()
    cases = selectors.caseload(user, status=filters.status or "", acute=filters.acute, mine=filters.mine,
                               unacknowledged=filters.unacknowledged, overdue=filters.overdue)
    return Status(200, [CaseOut(**_case_out(case)) for case in cases])


@router.get("/cases/{int:case_id}", response={200: CaseDetailOut, 404: ErrorOut}, summary="One case")
def get_case(request: HttpRequest, case_id: int) -> Any:
    user = request_user(request)
    case = _case(user, case_id)
    if case is None:
        return not_found()
    return Status(200, _detail(case, user))


@router.patch("/cases/{int:case_id}", response={200: CaseDetailOut, **WRITE_RESPONSES},
              summary="Correct the incident details (then triaged again)")
def patch_case(request: HttpRequest, case_id: int, payload: IncidentPatchIn) -> Any:
    user = request_user(request)
    case = _case(user, case_id, WORK)
    if case is None:
        return not_found()
    data: dict[str, Any] = payload.dict(exclude_unset=True)
    if "municipality" in data:
        ags = data["municipality"]
        municipality = Municipality.objects.defer("boundary").filter(ags=ags).first() if ags else None
        if ags and municipality is None:
            return invalid(ValidationError({"municipality": [_("No municipality with the AGS %(ags)s.")
                                                              % {"ags": ags}]}))
        data["municipality"] = municipality
    try:
        case = incidents.update_incident(actor=user, case=case, data=data)
    except ValidationError as exc:
        return invalid(exc)
    return Status(200, _detail(case, user))


@router.post("/cases/{int:case_id}/acknowledge", response={200: CaseDetailOut, **WRITE_RESPONSES},
             summary="Take the case (owner if none) and acknowledge it")
def acknowledge_case(request: HttpRequest, case_id: int) -> Any:
    user = request_user(request)
    case = _case(user, case_id, WORK)
    if case is None:
        return not_found()
    try:
        case = workflow.acknowledge(actor=user, case=case)
    except ValidationError as exc:
        return invalid(exc)
    return Status(200, _detail(case, user))


@router.post("/cases/{int:case_id}/status", response={200: CaseDetailOut, **WRITE_RESPONSES},
             summary="Change the status along the allowed steps")
def change_status(request: HttpRequest, case_id: int, payload: StatusIn) -> Any:
    user = request_user(request)
    case = _case(user, case_id, WORK)
    if case is None:
        return not_found()
    try:
        case = workflow.change_status(actor=user, case=case, status=payload.status)
    except ValidationError as exc:
        return invalid(exc)
    return Status(200, _detail(case, user))


@router.get("/cases/{int:case_id}/messages", response={200: list[MessageOut], 404: ErrorOut},
            summary="The messages of a case (the reporter: without internal notes)")
def list_messages(request: HttpRequest, case_id: int) -> Any:
    user = request_user(request)
    case = _case(user, case_id)
    if case is None:
        return not_found()
    team_view = user.has_perm(WORK, case)
    sections = selectors.case_sections(case, user, team_view=team_view)
    if not team_view and user.pk in {case.reported_by_id, case.affected_user_id}:
        messaging.mark_read_by_reporter(case, actor=request_user(request))
    return Status(200, [_message_out(m, team_view=team_view) for m in sections["case_messages"]])


@router.post("/cases/{int:case_id}/messages", response={201: MessageOut, **WRITE_RESPONSES},
             summary="Write a message: the case team to the reporter or internally; the reporter to the team")
def post_message(request: HttpRequest, case_id: int, payload: CaseMessageIn) -> Any:
    user = request_user(request)
    case = _case(user, case_id)
    if case is None:
        return not_found()
    team_view = user.has_perm(WORK, case)
    try:
        if team_view:
            if payload.kind not in {"message", "question", "internal"}:
                raise ValidationError({"kind": [_("Choose message, question or internal.")]})
            if payload.kind != "internal" and not user.has_perm(MESSAGE, case):
                raise ValidationError({"kind": [_("Only the case team writes to the reporter; take the case first.")]})
            message = messaging.post_message(actor=user, case=case, body=payload.body,
                                             internal=payload.kind == "internal",
                                             is_question=payload.kind == "question")
        elif user.has_perm(MESSAGE, case) and payload.kind == "message":
            message = messaging.reporter_reply(actor=user, case=case, body=payload.body)
        else:
            return not_found()
    except ValidationError as exc:
        return invalid(exc)
    return Status(201, _message_out(message, team_view=team_view))


@router.get("/cases/{int:case_id}/tasks", response={200: list[TaskOut], 404: ErrorOut}, summary="The case's tasks")
def list_tasks(request: HttpRequest, case_id: int) -> Any:
    user = request_user(request)
    case = _case(user, case_id, WORK)
    if case is None:
        return not_found()
    return Status(200, [_task_out(task) for task in CaseTask.objects.filter(case=case)])


@router.post("/cases/{int:case_id}/tasks", response={201: TaskOut, **WRITE_RESPONSES}, summary="Add a task")
def add_task(request: HttpRequest, case_id: int, payload: TaskIn) -> Any:
    user = request_user(request)
    case = _case(user, case_id, WORK)
    if case is None:
        return not_found()
    assignee = None
    if payload.assignee is not None:
        assignee = User.objects.filter(pk=payload.assignee).first()
        if assignee is None:
            return invalid(ValidationError({"assignee": [_("Tasks can only be assigned to members of the case "
                                                            "team.")]}))
    try:
        task = case_tasks.add_task(actor=user, case=case, title=payload.title, due_on=payload.due_on,
                                   assignee=assignee)
    except ValidationError as exc:
        return invalid(exc)
    return Status(201, _task_out(task))


@router.post("/cases/{int:case_id}/tasks/{int:task_id}/done", response={200: TaskOut, **WRITE_RESPONSES},
             summary="Mark a task as done")
def complete_task(request: HttpRequest, case_id: int, task_id: int) -> Any:
    user = request_user(request)
    case = _case(user, case_id, WORK)
    task = CaseTask.objects.filter(case=case, pk=task_id).first() if case is not None else None
    if case is None or task is None:
        return not_found()
    try:
        task = case_tasks.complete_task(actor=user, case=case, task=task)
    except ValidationError as exc:
        return invalid(exc)
    return Status(200, _task_out(task))


@router.post("/cases/{int:case_id}/links", response={201: LinkOut, **WRITE_RESPONSES},
             summary="Link a related case the caller can see")
def link_case(request: HttpRequest, case_id: int, payload: LinkIn) -> Any:
    user = request_user(request)
    case = _case(user, case_id, WORK)
    if case is None:
        return not_found()
    other = selectors.visible_cases(user).filter(reference=payload.other.strip()).first()
    try:
        link = links.link_cases(actor=user, case=case, other=other, kind=payload.kind)
    except ValidationError as exc:
        return invalid(exc)
    assert other is not None
    return Status(201, LinkOut(id=link.pk, kind=link.kind, other_id=other.pk, other_reference=other.reference))


@router.post("/cases/{int:case_id}/team", response={200: CaseDetailOut, **WRITE_RESPONSES},
             summary="Add or remove a case team member, or assign the case owner")
def change_team(request: HttpRequest, case_id: int, payload: TeamIn) -> Any:
    user = request_user(request)
    case = _case(user, case_id, TEAM)
    if case is None:
        return not_found()
    person = User.objects.filter(pk=payload.user).first()
    try:
        if payload.remove:
            member = CaseTeamMember.objects.filter(case=case, user_id=payload.user).first()
            if member is None:
                raise ValidationError({"user": [_("This person is not on the case team.")]})
            case_team.remove_team_member(actor=user, case=case, member=member)
        elif payload.owner:
            case_team.assign_owner(actor=user, case=case, owner=person)
        else:
            case_team.add_team_member(actor=user, case=case, user=person, function=payload.function)
    except ValidationError as exc:
        return invalid(exc)
    case = Case.objects.select_related("municipality", "owner").get(pk=case.pk)
    return Status(200, _detail(case, user))


@router.post("/cases/{int:case_id}/close", response={200: CaseDetailOut, **WRITE_RESPONSES},
             summary="Close the case with a closing reason")
def close_case(request: HttpRequest, case_id: int, payload: CloseIn) -> Any:
    user = request_user(request)
    case = _case(user, case_id, WORK)
    if case is None:
        return not_found()
    try:
        case = workflow.close_case(actor=user, case=case, reason=payload.reason, note=payload.note)
    except ValidationError as exc:
        return invalid(exc)
    return Status(200, _detail(case, user))


@router.post("/cases/{int:case_id}/reopen", response={200: CaseDetailOut, **WRITE_RESPONSES},
             summary="Reopen a closed case (with the reason)")
def reopen_case(request: HttpRequest, case_id: int, payload: ReopenIn) -> Any:
    user = request_user(request)
    case = _case(user, case_id, WORK)
    if case is None:
        return not_found()
    try:
        case = workflow.reopen_case(actor=user, case=case, reason=payload.reason)
    except ValidationError as exc:
        return invalid(exc)
    return Status(200, _detail(case, user))


@router.get("/notifications", response=list[NotificationOut], summary="The caller's notifications, unread first")
def list_notifications(request: HttpRequest) -> list[NotificationOut]:
    user = request_user(request)
    return [NotificationOut(id=n.pk, created_at=n.created_at, message=n.message, case=n.case_id, url=n.url,
                            read_at=n.read_at) for n in selectors.notifications_for(user)[:200]]
