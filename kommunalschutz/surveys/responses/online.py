"""The online questionnaire's writes: saving a page and submitting, with the access code as credential.

Each write is one transaction and audited (without the answers' values); the member row is locked first
(recording.lock_member). A refused code always gets :func:`generic_refusal`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import raise_if_errors
from kommunalschutz.surveys.projects.models import Item
from kommunalschutz.surveys.projects.progress import sync_phases
from kommunalschutz.surveys.responses import selectors
from kommunalschutz.surveys.responses.models import Response
from kommunalschutz.surveys.responses.recording import clean, lock_member, mark_answered
from kommunalschutz.surveys.responses.validation import prune_hidden, validate_answers
from kommunalschutz.surveys.sampling.models import SampleMember


def generic_refusal() -> str:
    """The one message for every refused access code: it tells nobody whether a code exists."""
    return _("This access code cannot be used: it is unknown, the survey is not running at the moment, "
             "or this access code has already been used to answer.")


def save_online_page(*, member: SampleMember, page_items: list[Item], page_answers: dict[str, Any],
                     language: str) -> Response:
    """Save one page of the online questionnaire (the response stays in progress).

    The page's answers replace what was saved for its items before; answers to items the filters now
    hide are dropped (the skip logic), on this page and on later ones.
    """
    with transaction.atomic():
        member = lock_member(member)
        if selectors.online_member(member.pk) is None:
            raise ValidationError(generic_refusal())
        response = selectors.online_response(member)
        questionnaire = response.questionnaire if response else selectors.current_questionnaire(
            member.sample.project)
        assert questionnaire is not None  # online_member checked it
        items = selectors.items_of(questionnaire)
        page_codes = {item.code for item in page_items}
        previous = dict(response.answers) if response else {}
        merged = {code: value for code, value in previous.items() if code not in page_codes}
        merged.update(clean({code: value for code, value in page_answers.items() if code in page_codes}))
        answers = prune_hidden(items, merged)
        raise_if_errors(validate_answers(questionnaire, answers, partial=True, items=items))
        now = timezone.now()
        if response is None:
            response = Response.objects.create(
                project=member.sample.project, questionnaire=questionnaire, member=member,
                channel=Response.Channel.ONLINE, language=language, answers=answers, started_at=now, updated_at=now)
            audit.record_create(actor=None, obj=response, summary="online answers started with the access code")
        else:
            before = audit.snapshot(response, ["answers", "language"])
            response.answers, response.language, response.updated_at = answers, language, now
            response.save(update_fields=["answers", "language", "updated_at"])
            audit.record_update(actor=None, obj=response, before=before, summary="online page saved")
        return response


def submit_online(*, member: SampleMember, language: str) -> Response:
    """Submit the online answers once: the response is final and the access code is used up."""
    with transaction.atomic():
        member = lock_member(member)
        if selectors.online_member(member.pk) is None:
            raise ValidationError(generic_refusal())
        response = selectors.online_response(member)
        if response is None:
            raise ValidationError(_("Please answer the questionnaire before submitting it."))
        items = selectors.items_of(response.questionnaire)
        answers = prune_hidden(items, dict(response.answers))
        raise_if_errors(validate_answers(response.questionnaire, answers, partial=False, items=items))
        now = timezone.now()
        before = audit.snapshot(response, ["answers", "status", "submitted_at", "language"])
        response.answers, response.language = answers, language
        response.status, response.submitted_at, response.updated_at = Response.Status.SUBMITTED, now, now
        response.save(update_fields=["answers", "status", "submitted_at", "updated_at", "language"])
        audit.record_update(actor=None, obj=response, before=before, summary="submitted online")
        mark_answered(member, SampleMember.Status.ONLINE, now, None)
        sync_phases(actor=None, project=member.sample.project)
        return response
