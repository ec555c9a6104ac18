"""Keying returned paper forms, with the double-entry check: two people key each form, the second decides.

Each write is one transaction and audited (item codes and keyings, never values); the response itself is
made by recording.create_submitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, raise_if_errors
from kommunalschutz.surveys.projects.models import Item, SurveyProject
from kommunalschutz.surveys.responses import selectors
from kommunalschutz.surveys.responses.models import PaperEntry, Response
from kommunalschutz.surveys.responses.recording import answered_refusal, clean, create_submitted, lock_member
from kommunalschutz.surveys.responses.validation import validate_answers
from kommunalschutz.surveys.sampling.models import SampleMember


@dataclass(frozen=True)
class PaperResult:
    """What a keying led to: "created" (the response), "first_pass" (waits for the second keying) or
    "differs" (the two keyings differ; the second person decides)."""

    outcome: str
    member: SampleMember
    response: Response | None = None
    differences: list[str] | None = None


def _paper_member(project: SurveyProject, number: int | None, errors: Errors) -> SampleMember | None:
    if not selectors.accepts_paper(project):
        add_error(errors, "__all__", _("Paper forms can be entered only while the survey is in the field or "
                                       "in analysis."))
        return None
    member = selectors.member_by_number(project, number) if number is not None else None
    if member is None:
        add_error(errors, "number", _("There is no letter with this number in the sample."))
    return member


def differing_items(first: dict[str, Any], second: dict[str, Any], items: list[Item]) -> list[str]:
    """Codes of the items whose two keyings differ, in questionnaire order."""
    return [item.code for item in items if first.get(item.code) != second.get(item.code)]


def enter_paper(*, actor: Actor, project: SurveyProject, number: int | None, answers: dict[str, Any],
                key_errors: Errors | None = None) -> PaperResult:
    """One keying of a returned paper form. ``key_errors`` are problems found while reading the keyed
    codes (not numbers at all); they are reported together with the service's own checks."""
    errors: Errors = {code: list(messages) for code, messages in (key_errors or {}).items()}
    with transaction.atomic():
        member = _paper_member(project, number, errors)
        questionnaire = selectors.current_questionnaire(project)
        if questionnaire is None:
            add_error(errors, "__all__", _("The project has no frozen questionnaire."))
        if member is None or questionnaire is None:
            raise_if_errors(errors)
            raise ValidationError(errors or _("Nothing to enter."))
        member = lock_member(member)
        refusal = answered_refusal(member, selectors.online_response(member))
        if refusal:
            add_error(errors, "number", refusal)
        answers = clean(dict(answers))
        items = selectors.items_of(questionnaire)
        for code, messages in validate_answers(questionnaire, answers, partial=True, items=items).items():
            if code not in errors:
                errors[code] = messages
        entries = selectors.paper_entries(member)
        if project.double_entry and 2 in entries:
            add_error(errors, "number", _("Number %(number)d has been keyed twice already and the keyings "
                                          "differ: decide the differences first.") % {"number": member.number})
        if project.double_entry and 1 in entries and entries[1].entered_by_id == getattr(actor, "pk", None):
            add_error(errors, "number", _("You keyed number %(number)d the first time; the second keying must "
                                          "be done by another person.") % {"number": member.number})
        raise_if_errors(errors)
        if not project.double_entry:
            response = create_submitted(actor=actor, member=member, questionnaire=questionnaire, answers=answers,
                                         channel=Response.Channel.PAPER, submitted_at=timezone.now(),
                                         summary="paper form entered")
            return PaperResult("created", member, response=response)
        pass_number = 2 if 1 in entries else 1
        entry = PaperEntry.objects.create(member=member, questionnaire=questionnaire, pass_number=pass_number,
                                          answers=answers, entered_by=actor)
        audit.record_create(actor=actor, obj=entry, summary=f"paper form keyed ({pass_number}. keying)")
        if pass_number == 1:
            return PaperResult("first_pass", member)
        first = entries[1]
        if first.questionnaire_id != questionnaire.pk:
            raise ValidationError(_("The first keying used another questionnaire version."))
        differences = differing_items(dict(first.answers), answers, items)
        if differences:
            return PaperResult("differs", member, differences=differences)
        response = create_submitted(actor=actor, member=member, questionnaire=questionnaire, answers=answers,
                                     channel=Response.Channel.PAPER, submitted_at=timezone.now(),
                                     summary="paper form entered; both keyings agree")
        return PaperResult("created", member, response=response)


def resolve_paper(*, actor: Actor, project: SurveyProject, member: SampleMember, choices: dict[str, int]) -> Response:
    """Decide each differing item of two keyings (``choices``: item code -> 1 or 2) and create the response.

    Only the person who did the second keying decides (they have the form in hand). The decisions are
    audited by item code and keying, never by value.
    """
    errors: Errors = {}
    with transaction.atomic():
        member = lock_member(member)
        if member.sample.project_id != project.pk:
            raise ValidationError(_("There is no letter with this number in the sample."))
        entries = selectors.paper_entries(member)
        if 1 not in entries or 2 not in entries:
            raise ValidationError(_("There are no two keyings to compare for this number."))
        if entries[2].entered_by_id != getattr(actor, "pk", None):
            raise ValidationError(_("Only the person who keyed the form the second time decides the differences."))
        refusal = answered_refusal(member, selectors.online_response(member))
        if refusal:
            raise ValidationError(refusal)
        questionnaire = entries[2].questionnaire
        items = selectors.items_of(questionnaire)
        first, second = dict(entries[1].answers), dict(entries[2].answers)
        differences = differing_items(first, second, items)
        for code in differences:
            if choices.get(code) not in (1, 2):
                add_error(errors, code, _("Choose which keying is right."))
        raise_if_errors(errors)
        answers = dict(second)
        for code in differences:
            chosen = (first if choices[code] == 1 else second).get(code)
            if chosen is None:
                answers.pop(code, None)
            else:
                answers[code] = chosen
        raise_if_errors(validate_answers(questionnaire, answers, partial=True, items=items))
        decided = ", ".join(f"{code}: {choices[code]}" for code in differences)
        audit.record(actor=actor, action="update", obj=entries[2],
                     summary=f"differences decided (item: keying) {decided}")
        return create_submitted(actor=actor, member=member, questionnaire=questionnaire, answers=answers,
                                 channel=Response.Channel.PAPER, submitted_at=timezone.now(),
                                 summary="paper form entered; differences of the two keyings decided")
