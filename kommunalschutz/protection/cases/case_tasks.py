"""Tasks of a case (a due date, optionally someone of the case team); not the Huey tasks (cases.tasks).

Permission checks (cases.work_case, cases.message_case, cases.manage_case_team) happen in the views and
the API before these functions run; the functions check the rules of the data and refuse with a
ValidationError naming the field. Every write runs in one transaction with its audit entry.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core.audit import record_create, record_update, snapshot
from kommunalschutz.protection.cases.models import Case, CaseEvent, CaseTask
from kommunalschutz.protection.cases.services import add_event, case_url, notify, refusal, team_users

TASK_TITLE_MAX_CHARS = 300


@transaction.atomic
def add_task(*, actor: User, case: Case, title: str, due_on: dt.date | None,
             assignee: User | None = None) -> CaseTask:
    errors: dict[str, list[str]] = {}
    text = (title or "").strip()
    if not text:
        errors["title"] = [_("Name the task.")]
    elif len(text) > TASK_TITLE_MAX_CHARS:
        errors["title"] = [_("A task can be at most %(max)d characters long.") % {"max": TASK_TITLE_MAX_CHARS}]
    if due_on is None:
        errors["due_on"] = [_("Enter the due date.")]
    elif due_on < timezone.localdate():
        errors["due_on"] = [_("The due date lies in the past.")]
    if assignee is not None and assignee.pk not in {user.pk for user in team_users(case)}:
        errors["assignee"] = [_("Tasks can only be assigned to members of the case team.")]
    if case.status == Case.Status.CLOSED:
        errors["title"] = [_("The case is closed. Reopen it first.")]
    if errors:
        raise ValidationError(errors)
    assert due_on is not None
    task = CaseTask.objects.create(case=case, title=text, due_on=due_on, assignee=assignee, created_by=actor)
    record_create(actor=actor, obj=task, summary="task added")
    add_event(case, CaseEvent.Kind.TASK, gettext("Task added, due %(date)s") % {"date": due_on.strftime("%d.%m.%Y")},
              actor=actor)
    if assignee is not None and assignee.pk != actor.pk:
        notify([assignee], case, gettext("A task in case %(reference)s has been assigned to you.")
               % {"reference": case.reference}, case_url(case))
    return task


@transaction.atomic
def complete_task(*, actor: User, case: Case, task: CaseTask) -> CaseTask:
    task = CaseTask.objects.select_for_update().get(pk=task.pk)
    if task.case_id != case.pk:
        raise refusal("task", _("This task belongs to another case."))
    if task.done_at is not None:
        raise refusal("task", _("The task is already done."))
    before = snapshot(task)
    task.done_at = timezone.now()
    task.save()
    record_update(actor=actor, obj=task, before=before, summary="task done")
    add_event(case, CaseEvent.Kind.TASK, gettext("Task done"), actor=actor)
    return task
