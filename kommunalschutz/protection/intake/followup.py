"""The anonymous reporter's follow-up, once receipt and passphrase opened the case (intake.receipts):
messages both ways and further evidence, each write audited with actor None and told to the case team.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core import audit
from kommunalschutz.protection.cases import messaging
from kommunalschutz.protection.cases import services as case_services
from kommunalschutz.protection.cases.incidents import clean_text
from kommunalschutz.protection.cases.models import Case, CaseEvent, CaseMessage
from kommunalschutz.protection.evidence import services as evidence_services
from kommunalschutz.protection.evidence.models import EvidenceItem

MESSAGE_MAX_CHARS = 20_000


def visible_messages(case: Case) -> list[CaseMessage]:
    """The messages the reporter sees: everything that is not an internal note."""
    return list(CaseMessage.objects.filter(case=case, internal=False).order_by("created_at", "pk"))


def _team_to_tell(case: Case) -> list[User]:
    people = {user.pk: user for user in case_services.team_users(case)}
    if case.owner_id is None:
        people.update({user.pk: user for user in case_services.coordinators()})
    return list(people.values())


@transaction.atomic
def reporter_reply(*, case: Case, body: str) -> CaseMessage:
    """A message of the anonymous reporter to the case team."""
    text = clean_text(body)
    if not text:
        raise ValidationError({"body": [_("Please write your message.")]})
    if len(text) > MESSAGE_MAX_CHARS:
        raise ValidationError({"body": [_("Please shorten your message to at most %(limit)d characters.") % {
            "limit": MESSAGE_MAX_CHARS}]})
    message = CaseMessage.objects.create(case=case, from_reporter=True, body=text)
    case_services.add_event(case, CaseEvent.Kind.MESSAGE, _("Message from the reporter"), by_reporter=True)
    audit.record_create(actor=None, obj=message, summary="message from the anonymous reporter")
    team = _team_to_tell(case)
    subject = _("New message from the reporter of case %(reference)s") % {"reference": case.reference}
    case_services.notify(team, case, subject, case_services.case_url(case))
    # The same content-free e-mail as for a logged-in reporter's message, once the message is stored.
    body = _("The reporter has written. Please read the message on the platform.")
    transaction.on_commit(lambda: case_services.mail_without_content(team, case, subject, body))
    return message


def mark_read_by_reporter(case: Case) -> int:
    """The anonymous reporter has seen the team's messages (cases.services does it for every reporter)."""
    return messaging.mark_read_by_reporter(case)


def reporter_add_file(*, case: Case, upload: Any, description: str = "") -> EvidenceItem:
    """Evidence file from the anonymous reporter (through the evidence app), and the team is told."""
    with transaction.atomic():
        item = evidence_services.add_file(case=case, actor=None, upload=upload, description=description,
                                          by_reporter=True)
        case_services.notify(_team_to_tell(case), case,
                             _("New evidence from the reporter of case %(reference)s") % {"reference": case.reference},
                             case_services.case_url(case))
    return item


def reporter_add_online_content(*, case: Case, data: Mapping[str, Any], upload: Any = None) -> EvidenceItem:
    """An online-content record from the anonymous reporter (through the evidence app)."""
    with transaction.atomic():
        item = evidence_services.add_online_content(case=case, actor=None, data=data, upload=upload,
                                                    by_reporter=True)
        case_services.notify(_team_to_tell(case), case,
                             _("New evidence from the reporter of case %(reference)s") % {"reference": case.reference},
                             case_services.case_url(case))
    return item
