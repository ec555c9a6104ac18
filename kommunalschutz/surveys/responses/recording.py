"""Recording a submitted response: the core every channel shares (online, paper, bulk loads, the demo).

Each write is one transaction, audited (answers never enter the trail: the field is encrypted, so the
trail records only that they changed), and validated through responses.validation; bad input writes
nothing. One response per member: the OneToOne on Response.member is the final guard. Every write locks
the member row first (:func:`lock_member`), so two submissions of one code run one after the other and
the second is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import raise_if_errors
from kommunalschutz.surveys.projects.models import Questionnaire
from kommunalschutz.surveys.projects.progress import sync_phases
from kommunalschutz.surveys.responses import selectors
from kommunalschutz.surveys.responses.models import Response
from kommunalschutz.surveys.responses.validation import validate_answers
from kommunalschutz.surveys.sampling.models import SampleMember


def clean(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers without empty values (no answer is an absent key)."""
    return {code: value for code, value in answers.items() if value not in (None, "", [])}


def lock_member(member: SampleMember) -> SampleMember:
    """The member row, locked for the rest of the transaction (one write per member at a time)."""
    return SampleMember.objects.select_for_update().select_related("sample__project").get(pk=member.pk)


def mark_answered(member: SampleMember, status: str, when: dt.datetime, actor: Actor) -> None:
    """Set the letter's status to answered online or by post (audited)."""
    before = audit.snapshot(member, ["status", "answered_at"])
    member.status = status
    member.answered_at = when
    member.save(update_fields=["status", "answered_at"])
    audit.record_update(actor=actor, obj=member, before=before, summary=f"answered ({status})")


def answered_refusal(member: SampleMember, response: Response | None) -> str | None:
    """Why the member cannot answer again (None if they have not submitted yet)."""
    if response is None or response.status != Response.Status.SUBMITTED:
        return None
    if response.channel == Response.Channel.ONLINE:
        return _("Number %(number)d has already answered online.") % {"number": member.number}
    return _("Number %(number)d has already answered by post (the form was entered before).") % {
        "number": member.number}


def create_submitted(*, actor: Actor, member: SampleMember, questionnaire: Questionnaire, answers: dict[str, Any],
                     channel: str, submitted_at: dt.datetime, summary: str) -> Response:
    """Create the member's submitted response (caller holds the member lock and validated the answers).

    An online response still in progress gives way to a returned paper form: the paper form is complete,
    the online answers were not submitted.
    """
    existing = selectors.online_response(member)
    refusal = answered_refusal(member, existing)
    if refusal:
        raise ValidationError(refusal)
    if existing is not None:
        audit.record_delete(actor=actor, obj=existing, summary="unsubmitted online answers replaced by " + channel)
        existing.delete()
    try:
        with transaction.atomic():
            response = Response.objects.create(
                project=member.sample.project, questionnaire=questionnaire, member=member, channel=channel,
                status=Response.Status.SUBMITTED, answers=answers, started_at=submitted_at,
                updated_at=submitted_at, submitted_at=submitted_at,
                entered_by=actor if getattr(actor, "is_authenticated", False) else None)
    except IntegrityError as exc:  # another submission for this member won the race
        raise ValidationError(_("Number %(number)d has already answered.") % {"number": member.number}) from exc
    audit.record_create(actor=actor, obj=response, summary=summary)
    status = SampleMember.Status.ONLINE if channel == Response.Channel.ONLINE else SampleMember.Status.POST
    mark_answered(member, status, submitted_at, actor)
    sync_phases(actor=actor, project=member.sample.project)
    return response


def record_response(*, actor: Actor, member: SampleMember, answers: dict[str, Any], channel: str,
                    questionnaire: Questionnaire | None = None, submitted_at: dt.datetime | None = None) -> Response:
    """Record one submitted response for a member (bulk loads, the demo, tests).

    ``questionnaire`` defaults to the project's current frozen one. Answers are validated as on paper
    (missing answers are item non-response; answers to skipped items are refused). The member is marked
    answered online or by post; a member who answered already is refused.
    """
    if channel not in Response.Channel.values:
        raise ValidationError({"channel": [_("Unknown channel.")]})
    with transaction.atomic():
        member = lock_member(member)
        project = member.sample.project
        questionnaire = questionnaire or selectors.current_questionnaire(project)
        if questionnaire is None or questionnaire.project_id != project.pk or not questionnaire.is_frozen:
            raise ValidationError({"questionnaire": [_("The project has no frozen questionnaire to answer.")]})
        answers = clean(dict(answers))
        items = selectors.items_of(questionnaire)
        raise_if_errors(validate_answers(questionnaire, answers, partial=True, items=items))
        return create_submitted(actor=actor, member=member, questionnaire=questionnaire, answers=answers,
                                 channel=channel, submitted_at=submitted_at or timezone.now(),
                                 summary=f"response recorded ({channel})")
