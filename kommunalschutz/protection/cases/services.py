"""Writes of the cases app. Every write is audited and runs in a transaction.

The first part is the shared contract the other protection apps build on (timeline events, the
statistical record, routing and notification helpers). Encrypted fields never reach the audit trail
in plaintext (core.audit wraps them as secrets); summaries passed to audit or timeline must not
contain personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor, User
from kommunalschutz.foundation.core.audit import record, record_create, record_delete, record_update, snapshot
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.core.roles import Role
from kommunalschutz.protection.cases import hooks
from kommunalschutz.protection.cases.models import (
    Case,
    CaseEvent,
    CaseLink,
    CaseMessage,
    CaseTask,
    CaseTeamMember,
    IncidentStatistic,
    Notification,
    type_bit,
)

# --- the shared contract ------------------------------------------------------------------------------


def next_reference(reported_at: dt.datetime) -> str:
    """The next case number of the year, "2026-000123". Call inside the creating transaction."""
    prefix = f"{reported_at.year}-"
    # Lock the year's rows on PostgreSQL so two intakes cannot take the same number; SQLite
    # serialises writers anyway. The unique constraint is the final guard.
    last = (Case.objects.select_for_update().filter(reference__startswith=prefix)
            .aggregate(last=Max("reference"))["last"])
    number = int(last.split("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:06d}"


def add_event(case: Case, kind: str, summary: str = "", *, actor: Actor = None, by_reporter: bool = False,
              at: dt.datetime | None = None) -> CaseEvent:
    """Append one entry to the case timeline (call inside the writing transaction)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = CaseEvent(case=case, kind=kind, summary=summary, actor=user, by_reporter=by_reporter)
    if at is not None:
        event.at = at
    event.save(force_insert=True)
    return event


def _people(query: Q) -> list[User]:
    """Active accounts matching a membership query, each once, in a stable order."""
    return list(User.objects.filter(is_active=True, pk__in=User.objects.filter(query).values("pk")).order_by("pk"))


def _police_query(case: Case) -> Q:
    return Q(memberships__role=Role.POLICE_CONTACT,
             memberships__organisation__police_directorate_id=case.police_directorate_id)


def police_contacts(case: Case) -> list[User]:
    """The police contacts of the case's responsible directorate."""
    return _people(_police_query(case)) if case.police_directorate_id else []


def coordinators() -> list[User]:
    """The coordination office's coordinators (they take new cases from the intake queue)."""
    return _people(Q(memberships__role=Role.COORDINATOR))


def protection_officers() -> list[User]:
    """The LKA's protection officers: they join a case once protection is requested."""
    return _people(Q(memberships__role=Role.PROTECTION_OFFICER))


def reporter_users(case: Case) -> list[User]:
    """The reporter's side with an account: who entered the report and the affected official."""
    ids = {pk for pk in (case.reported_by_id, case.affected_user_id) if pk}
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def team_users(case: Case) -> list[User]:
    """Everyone on the case team (owner, assigned people, responsible police contacts, involved LKA)."""
    query = Q(case_memberships__case=case)
    if case.owner_id:
        query |= Q(pk=case.owner_id)
    if case.police_directorate_id:
        query |= _police_query(case)
    if case.lka_involved:
        query |= Q(memberships__role=Role.PROTECTION_OFFICER)
    return _people(query)


def overdue_recipients(case: Case) -> list[User]:
    """Coordinators and the responsible directorate's police contacts."""
    query = Q(memberships__role=Role.COORDINATOR)
    if case.police_directorate_id:
        query |= _police_query(case)
    return _people(query)


def notify(users: Iterable[User], case: Case | None, message: str, url: str = "") -> list[Notification]:
    """In-app notifications (no personal data in ``message``: the case number at most)."""
    rows = [Notification(user=user, case=case, message=message[:300], url=url[:300]) for user in users]
    return Notification.objects.bulk_create(rows)


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def statistic_values(case: Case) -> dict[str, Any]:
    """The categories of a case as its anonymous statistical record counts them."""
    reported_on = timezone.localtime(case.reported_at).date()
    if case.occurred_at is not None:
        occurred = timezone.localtime(case.occurred_at).date()
    else:
        occurred = case.period_start or reported_on
    type_mask = 0
    for code in case.incident_types or []:
        type_mask |= type_bit(code)
    minutes = None
    if case.acknowledged_at is not None:
        minutes = max(0, int((case.acknowledged_at - case.reported_at).total_seconds() // 60))
    return {
        "reported_on": reported_on, "occurred_month": _month(occurred), "district_id": case.district_id,
        "police_directorate_id": case.police_directorate_id, "type_mask": type_mask, "channel": case.channel,
        "affected_role": case.affected_role, "politically_motivated": case.politically_motivated,
        "intake": case.intake, "is_acute": case.is_acute, "acknowledgement_minutes": minutes,
        "measure_mask": 0, "referral_mask": 0, "closing_reason": case.closing_reason,
        "is_closed": case.status == Case.Status.CLOSED, "is_synthetic": case.is_synthetic,
        # What the apps hanging on the case count (measures: measure_mask, referral_mask).
        **hooks.statistic_contributions(case),
    }


def sync_statistic(case: Case) -> IncidentStatistic:
    """Bring the case's anonymous statistical record up to date. Call after every write that changes
    the incident's categories, acuteness, acknowledgement, measures or closing (inside the transaction)."""
    values = statistic_values(case)
    record, _created = IncidentStatistic.objects.update_or_create(case=case, defaults=values)
    return record


# --- the case workflow ---------------------------------------------------------------------------------
#
# Permission checks (cases.work_case, cases.message_case, cases.manage_case_team) happen in the views and
# the API before these functions run; the functions check the rules of the data (allowed transitions,
# who may join a team, dates) and refuse with a ValidationError naming the field.

# The open statuses in their order; "closed" is reached only through close_case.
STATUS_ORDER: list[str] = [Case.Status.NEW, Case.Status.ACKNOWLEDGED, Case.Status.ASSESSMENT,
                           Case.Status.MEASURES_AGREED, Case.Status.MONITORING]
MESSAGE_MAX_CHARS = 10_000
TAKE_REFUSED = gettext_lazy("Only coordinators, the responsible police contacts and the LKA can take a case.")
TASK_TITLE_MAX_CHARS = 300


def _refuse(field: str, message: Any) -> ValidationError:
    return ValidationError({field: [message]})


def _now() -> dt.datetime:
    return timezone.now()


def case_url(case: Case) -> str:
    return reverse("cases:case_detail", args=[case.pk])


def eligible_team_users(case: Case) -> QuerySet[User]:
    """Who may own or join a case: coordinators, the responsible directorate's police contacts, the LKA's
    protection officers (active accounts)."""
    query = Q(memberships__role=Role.COORDINATOR) | Q(memberships__role=Role.PROTECTION_OFFICER)
    if case.police_directorate_id:
        query |= Q(memberships__role=Role.POLICE_CONTACT,
                   memberships__organisation__police_directorate_id=case.police_directorate_id)
    return (User.objects.filter(is_active=True, pk__in=User.objects.filter(query).values("pk"))
            .order_by("last_name", "first_name", "username"))


def mail_without_content(users: Iterable[User], case: Case, subject: str, body: str) -> int:
    """E-mail that a case needs attention: the case number and the link, never its content."""
    addresses = sorted({user.email for user in users if user.email})
    if not addresses:
        return 0
    text = f"{body}\n\n{settings.PLATFORM_NAME}: {case_url(case)}\n"
    sent = 0
    for address in addresses:
        sent += send_mail(subject, text, None, [address])
    return sent


def locked_case(case: Case) -> Case:
    """The case row, locked for the write (PostgreSQL), read fresh."""
    return Case.objects.select_for_update().get(pk=case.pk)


def ensure_open(case: Case, field: str = "status") -> None:
    if case.status == Case.Status.CLOSED:
        raise _refuse(field, _("The case is closed. Reopen it first."))


def _do_acknowledge(case: Case, actor: User, now: dt.datetime) -> None:
    if case.owner_id is None:
        case.owner = actor
    case.acknowledged_at = now
    case.status = Case.Status.ACKNOWLEDGED


@transaction.atomic
def acknowledge(*, actor: User, case: Case) -> Case:
    """Take the case: the actor becomes its owner if it has none; the acknowledgement is recorded."""
    case = locked_case(case)
    if case.acknowledged_at is not None or case.status != Case.Status.NEW:
        raise _refuse("status", _("The case has already been acknowledged."))
    if not eligible_team_users(case).filter(pk=actor.pk).exists():
        raise _refuse("owner", TAKE_REFUSED)
    before = snapshot(case)
    _do_acknowledge(case, actor, _now())
    case.save()
    record_update(actor=actor, obj=case, before=before, summary="case acknowledged")
    add_event(case, CaseEvent.Kind.ACKNOWLEDGED, gettext("Case acknowledged"), actor=actor)
    sync_statistic(case)
    return case


@transaction.atomic
def assign_owner(*, actor: User, case: Case, owner: User | None) -> Case:
    """Make ``owner`` the case owner (a team role only); the new owner is notified."""
    case = locked_case(case)
    if owner is None:
        raise _refuse("owner", _("Choose the new case owner."))
    if not eligible_team_users(case).filter(pk=owner.pk).exists():
        raise _refuse("owner", _("Only coordinators, the responsible police contacts and the LKA can own a case."))
    if case.owner_id == owner.pk:
        raise _refuse("owner", _("This person already owns the case."))
    before = snapshot(case)
    case.owner = owner
    case.save()
    record_update(actor=actor, obj=case, before=before, summary="case owner assigned")
    add_event(case, CaseEvent.Kind.ASSIGNED, gettext("New case owner"), actor=actor)
    if owner.pk != actor.pk:
        notify([owner], case, gettext("You are now the owner of case %(reference)s.") % {"reference": case.reference},
               case_url(case))
    return case


@transaction.atomic
def add_team_member(*, actor: User, case: Case, user: User | None, function: str) -> CaseTeamMember:
    case = locked_case(case)
    if user is None:
        raise _refuse("user", _("Choose the person to add."))
    if function not in CaseTeamMember.Function.values:
        raise _refuse("function", _("Choose a function from the list."))
    if not eligible_team_users(case).filter(pk=user.pk).exists():
        raise _refuse("user", _("Only coordinators, the responsible police contacts and the LKA can join a case team."))
    if CaseTeamMember.objects.filter(case=case, user=user).exists():
        raise _refuse("user", _("This person is already on the case team."))
    member = CaseTeamMember.objects.create(case=case, user=user, function=function, added_by=actor)
    record_create(actor=actor, obj=member, summary="case team member added")
    add_event(case, CaseEvent.Kind.TEAM, gettext("Team member added: %(function)s")
              % {"function": member.get_function_display()}, actor=actor)
    if user.pk != actor.pk:
        notify([user], case, gettext("You have been added to the team of case %(reference)s.")
               % {"reference": case.reference}, case_url(case))
    return member


@transaction.atomic
def remove_team_member(*, actor: User, case: Case, member: CaseTeamMember) -> None:
    if member.case_id != case.pk:
        raise _refuse("member", _("This person is not on the case team."))
    record_delete(actor=actor, obj=member, summary="case team member removed")
    member.delete()
    add_event(case, CaseEvent.Kind.TEAM, gettext("Team member removed"), actor=actor)


def allowed_statuses(case: Case) -> list[str]:
    """The statuses a case can move to with change_status: one step forward, or back to any earlier
    step after "new" (an acknowledgement is not undone). Closed cases move only through reopen."""
    if case.status == Case.Status.CLOSED:
        return []
    index = STATUS_ORDER.index(case.status)
    allowed = list(STATUS_ORDER[1:index])
    if index + 1 < len(STATUS_ORDER):
        allowed.append(STATUS_ORDER[index + 1])
    return allowed


@transaction.atomic
def change_status(*, actor: User, case: Case, status: str) -> Case:
    case = locked_case(case)
    if status == Case.Status.CLOSED:
        raise _refuse("status", _("Close a case with a closing reason (“Close the case”)."))
    ensure_open(case)
    if status not in Case.Status.values:
        raise _refuse("status", _("Choose a status from the list."))
    if status == case.status:
        raise _refuse("status", _("The case already has this status."))
    if status not in allowed_statuses(case):
        raise _refuse("status", _("The case cannot move from “%(old)s” to “%(new)s”.")
                      % {"old": case.get_status_display(), "new": Case.Status(status).label})
    before = snapshot(case)
    if case.status == Case.Status.NEW:
        if not eligible_team_users(case).filter(pk=actor.pk).exists():
            raise _refuse("status", TAKE_REFUSED)
        _do_acknowledge(case, actor, _now())
    case.status = status
    case.save()
    record_update(actor=actor, obj=case, before=before, summary="case status changed")
    add_event(case, CaseEvent.Kind.STATUS, gettext("Status: %(status)s") % {"status": case.get_status_display()},
              actor=actor)
    sync_statistic(case)
    return case


def _clean_body(body: str, field: str = "body") -> str:
    text = (body or "").strip()
    if not text:
        raise _refuse(field, _("Write a message."))
    if len(text) > MESSAGE_MAX_CHARS:
        raise _refuse(field, _("A message can be at most %(max)d characters long.") % {"max": MESSAGE_MAX_CHARS})
    return text


@transaction.atomic
def post_message(*, actor: User, case: Case, body: str, internal: bool = False,
                 is_question: bool = False) -> CaseMessage:
    """A message of the case team: to the reporter (optionally a question) or an internal note."""
    text = _clean_body(body)
    if internal and is_question:
        raise _refuse("is_question", _("An internal note cannot be a question to the reporter."))
    message = CaseMessage.objects.create(case=case, author=actor, body=text, internal=internal,
                                         is_question=is_question)
    record_create(actor=actor, obj=message, summary="internal note" if internal else "message to the reporter")
    add_event(case, CaseEvent.Kind.MESSAGE,
              gettext("Internal note") if internal else (gettext("Question to the reporter") if is_question
                                                          else gettext("Message to the reporter")), actor=actor)
    if not internal:
        recipients = [user for user in reporter_users(case) if user.pk != actor.pk]
        notify(recipients, case, gettext("New message from the case team in case %(reference)s.")
               % {"reference": case.reference}, case_url(case))
    return message


@transaction.atomic
def reporter_reply(*, actor: User, case: Case, body: str) -> CaseMessage:
    """A logged-in reporter writes to the case team (the anonymous follow-up is the intake app's)."""
    text = _clean_body(body)
    if actor.pk not in {case.reported_by_id, case.affected_user_id}:
        raise _refuse("body", _("Only the reporter can reply here."))
    message = CaseMessage.objects.create(case=case, author=actor, body=text, from_reporter=True)
    record_create(actor=actor, obj=message, summary="message from the reporter")
    add_event(case, CaseEvent.Kind.MESSAGE, gettext("Message from the reporter"), actor=actor, by_reporter=True)
    notify_team_of_reporter_message(case, exclude=actor)
    return message


def notify_team_of_reporter_message(case: Case, *, exclude: Actor = None) -> None:
    """In the app and by e-mail (without content): the reporter wrote. The intake app calls this too."""
    team = [user for user in team_users(case) if exclude is None or user.pk != getattr(exclude, "pk", None)]
    with translation.override(settings.LANGUAGE_CODE):
        text = gettext("New message from the reporter in case %(reference)s.") % {"reference": case.reference}
        notify(team, case, text, case_url(case))
        mail_without_content(team, case, text, gettext(
            "The reporter has written in case %(reference)s. Please read the message on the platform.")
            % {"reference": case.reference})


@transaction.atomic
def mark_read_by_reporter(case: Case, *, actor: Actor = None) -> int:
    """The reporter (logged in, or anonymous: actor None) has seen the team's messages; returns how many
    were new. Audited like every write, with the count only."""
    count = CaseMessage.objects.filter(case=case, internal=False, from_reporter=False,
                                       read_by_reporter_at__isnull=True).update(read_by_reporter_at=_now())
    if count:
        record(actor=actor, action=AuditEvent.Action.UPDATE, obj=case, summary=f"reporter read {count} message(s)")
    return count


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
        raise _refuse("task", _("This task belongs to another case."))
    if task.done_at is not None:
        raise _refuse("task", _("The task is already done."))
    before = snapshot(task)
    task.done_at = _now()
    task.save()
    record_update(actor=actor, obj=task, before=before, summary="task done")
    add_event(case, CaseEvent.Kind.TASK, gettext("Task done"), actor=actor)
    return task


@transaction.atomic
def link_cases(*, actor: User, case: Case, other: Case | None, kind: str) -> CaseLink:
    """Link two related cases; the actor must be able to see the other case too."""
    from kommunalschutz.protection.cases.selectors import visible_cases

    if kind not in CaseLink.Kind.values:
        raise _refuse("kind", _("Choose the kind of link from the list."))
    if other is None or not visible_cases(actor).filter(pk=other.pk).exists():
        raise _refuse("other", _("No case with this number that you can see."))
    if other.pk == case.pk:
        raise _refuse("other", _("A case cannot be linked to itself."))
    if CaseLink.objects.filter(Q(from_case=case, to_case=other) | Q(from_case=other, to_case=case)).exists():
        raise _refuse("other", _("The two cases are already linked."))
    link = CaseLink.objects.create(from_case=case, to_case=other, kind=kind, created_by=actor)
    record_create(actor=actor, obj=link, summary="cases linked")
    for each in (case, other):
        add_event(each, CaseEvent.Kind.LINK, gettext("Linked case: %(kind)s") % {"kind": link.get_kind_display()},
                  actor=actor)
    return link


@transaction.atomic
def close_case(*, actor: User, case: Case, reason: str, note: str = "") -> Case:
    case = locked_case(case)
    if case.status == Case.Status.CLOSED:
        raise _refuse("reason", _("The case is already closed."))
    if not reason:
        raise _refuse("reason", _("Give the reason for closing the case."))
    if reason not in Case.ClosingReason.values:
        raise _refuse("reason", _("Choose a closing reason from the list."))
    before = snapshot(case)
    case.status = Case.Status.CLOSED
    case.closed_at = _now()
    case.closing_reason = reason
    case.closing_note = (note or "").strip()
    case.save()
    record_update(actor=actor, obj=case, before=before, summary="case closed")
    add_event(case, CaseEvent.Kind.CLOSED,
              gettext("Closed: %(reason)s") % {"reason": case.get_closing_reason_display()}, actor=actor)
    sync_statistic(case)
    return case


@transaction.atomic
def reopen_case(*, actor: User, case: Case, reason: str) -> Case:
    """Reopen a closed case (back to "acknowledged"); the reason becomes an internal note."""
    case = locked_case(case)
    if case.status != Case.Status.CLOSED:
        raise _refuse("reason", _("Only a closed case can be reopened."))
    text = (reason or "").strip()
    if not text:
        raise _refuse("reason", _("Give the reason for reopening the case."))
    if len(text) > MESSAGE_MAX_CHARS:
        raise _refuse("reason", _("A message can be at most %(max)d characters long.") % {"max": MESSAGE_MAX_CHARS})
    before = snapshot(case)
    case.status = Case.Status.ACKNOWLEDGED
    case.closed_at = None
    case.closing_reason = ""
    case.save()
    record_update(actor=actor, obj=case, before=before, summary="case reopened")
    note = CaseMessage.objects.create(case=case, author=actor, internal=True,
                                      body=gettext("Reopened: %(reason)s") % {"reason": text})
    record_create(actor=actor, obj=note, summary="reason for reopening")
    add_event(case, CaseEvent.Kind.REOPENED, gettext("Case reopened"), actor=actor)
    sync_statistic(case)
    return case


# --- notifications ---------------------------------------------------------------------------------------


def mark_notification_read(*, user: User, notification: Notification) -> Notification:
    if notification.user_id != user.pk:
        raise _refuse("notification", _("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = _now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_notifications_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=_now())
