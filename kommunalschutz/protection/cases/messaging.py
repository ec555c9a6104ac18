"""Messages of a case: the team to the reporter (or an internal note), a logged-in reporter to the team.

The anonymous reporter writes through intake.followup.

Permission checks (cases.work_case, cases.message_case, cases.manage_case_team) happen in the views and
the API before these functions run; the functions check the rules of the data and refuse with a
ValidationError naming the field. Every write runs in one transaction with its audit entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor, User
from kommunalschutz.foundation.core.audit import record, record_create
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case, CaseEvent, CaseMessage
from kommunalschutz.protection.cases.services import (
    add_event,
    case_url,
    mail_without_content,
    notify,
    refusal,
    reporter_users,
    team_users,
)

MESSAGE_MAX_CHARS = 10_000


def _clean_body(body: str, field: str = "body") -> str:
    text = (body or "").strip()
    if not text:
        raise refusal(field, _("Write a message."))
    if len(text) > MESSAGE_MAX_CHARS:
        raise refusal(field, _("A message can be at most %(max)d characters long.") % {"max": MESSAGE_MAX_CHARS})
    return text


@transaction.atomic
def post_message(*, actor: User, case: Case, body: str, internal: bool = False,
                 is_question: bool = False) -> CaseMessage:
    """A message of the case team: to the reporter (optionally a question) or an internal note."""
    text = _clean_body(body)
    if internal and is_question:
        raise refusal("is_question", _("An internal note cannot be a question to the reporter."))
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
        raise refusal("body", _("Only the reporter can reply here."))
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
                                       read_by_reporter_at__isnull=True).update(read_by_reporter_at=timezone.now())
    if count:
        record(actor=actor, action=AuditEvent.Action.UPDATE, obj=case, summary=f"reporter read {count} message(s)")
    return count
