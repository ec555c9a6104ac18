"""Writing responses: online pages and submission, paper entry with the double-entry check, and
record_response for bulk and demo use. Each call is one transaction, audited (answers never enter the
trail: the field is encrypted, so the trail records only that they changed), and validated through
responses.validation; bad input writes nothing.

One response per member: the OneToOne on Response.member is the final guard. Every write locks the
member row first, so two submissions of one code run one after the other and the second is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, raise_if_errors
from kommunalschutz.surveys.projects.models import Item, Questionnaire, SurveyProject
from kommunalschutz.surveys.projects.progress import sync_phases
from kommunalschutz.surveys.responses import selectors
from kommunalschutz.surveys.responses.models import PaperEntry, Response
from kommunalschutz.surveys.responses.validation import prune_hidden, validate_answers
from kommunalschutz.surveys.sampling.models import SampleMember


def generic_refusal() -> str:
    """The one message for every refused access code: it tells nobody whether a code exists."""
    return _("This access code cannot be used: it is unknown, the survey is not running at the moment, "
             "or this access code has already been used to answer.")


def clean(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers without empty values (no answer is an absent key)."""
    return {code: value for code, value in answers.items() if value not in (None, "", [])}


def _lock(member: SampleMember) -> SampleMember:
    return SampleMember.objects.select_for_update().select_related("sample__project").get(pk=member.pk)


def _items(questionnaire: Questionnaire) -> list[Item]:
    return selectors.items_of(questionnaire)


def _mark_answered(member: SampleMember, status: str, when: dt.datetime, actor: Actor) -> None:
    before = audit.snapshot(member, ["status", "answered_at"])
    member.status = status
    member.answered_at = when
    member.save(update_fields=["status", "answered_at"])
    audit.record_update(actor=actor, obj=member, before=before, summary=f"answered ({status})")


# --- online --------------------------------------------------------------------------------------


def save_online_page(*, member: SampleMember, page_items: list[Item], page_answers: dict[str, Any],
                     language: str) -> Response:
    """Save one page of the online questionnaire (the response stays in progress).

    The page's answers replace what was saved for its items before; answers to items the filters now
    hide are dropped (the skip logic), on this page and on later ones.
    """
    with transaction.atomic():
        member = _lock(member)
        if selectors.online_member(member.pk) is None:
            raise ValidationError(generic_refusal())
        response = selectors.online_response(member)
        questionnaire = response.questionnaire if response else selectors.current_questionnaire(
            member.sample.project)
        assert questionnaire is not None  # online_member checked it
        items = _items(questionnaire)
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
                channel=Response.Channel.ONLINE, language=language, answers=answers, started_at=now, updated_at=now)  # type: ignore[misc]
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
        member = _lock(member)
        if selectors.online_member(member.pk) is None:
            raise ValidationError(generic_refusal())
        response = selectors.online_response(member)
        if response is None:
            raise ValidationError(_("Please answer the questionnaire before submitting it."))
        items = _items(response.questionnaire)
        answers = prune_hidden(items, dict(response.answers))
        raise_if_errors(validate_answers(response.questionnaire, answers, partial=False, items=items))
        now = timezone.now()
        before = audit.snapshot(response, ["answers", "status", "submitted_at", "language"])
        response.answers, response.language = answers, language
        response.status, response.submitted_at, response.updated_at = Response.Status.SUBMITTED, now, now
        response.save(update_fields=["answers", "status", "submitted_at", "updated_at", "language"])
        audit.record_update(actor=None, obj=response, before=before, summary="submitted online")
        _mark_answered(member, SampleMember.Status.ONLINE, now, None)
        sync_phases(actor=None, project=member.sample.project)
        return response


# --- one submitted response (paper, bulk, demo) ------------------------------------------------------


def _answered_refusal(member: SampleMember, response: Response | None) -> str | None:
    if response is None or response.status != Response.Status.SUBMITTED:
        return None
    if response.channel == Response.Channel.ONLINE:
        return _("Number %(number)d has already answered online.") % {"number": member.number}
    return _("Number %(number)d has already answered by post (the form was entered before).") % {
        "number": member.number}


def _create_submitted(*, actor: Actor, member: SampleMember, questionnaire: Questionnaire, answers: dict[str, Any],
                      channel: str, submitted_at: dt.datetime, summary: str) -> Response:
    """Create the member's submitted response (caller holds the member lock and validated the answers).

    An online response still in progress gives way to a returned paper form: the paper form is complete,
    the online answers were not submitted.
    """
    existing = selectors.online_response(member)
    refusal = _answered_refusal(member, existing)
    if refusal:
        raise ValidationError(refusal)
    if existing is not None:
        audit.record_delete(actor=actor, obj=existing, summary="unsubmitted online answers replaced by " + channel)
        existing.delete()
    try:
        with transaction.atomic():
            response = Response.objects.create(
                project=member.sample.project, questionnaire=questionnaire, member=member, channel=channel,
                status=Response.Status.SUBMITTED, answers=answers, started_at=submitted_at,  # type: ignore[misc]
                updated_at=submitted_at, submitted_at=submitted_at,
                entered_by=actor if getattr(actor, "is_authenticated", False) else None)
    except IntegrityError as exc:  # another submission for this member won the race
        raise ValidationError(_("Number %(number)d has already answered.") % {"number": member.number}) from exc
    audit.record_create(actor=actor, obj=response, summary=summary)
    status = SampleMember.Status.ONLINE if channel == Response.Channel.ONLINE else SampleMember.Status.POST
    _mark_answered(member, status, submitted_at, actor)
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
        member = _lock(member)
        project = member.sample.project
        questionnaire = questionnaire or selectors.current_questionnaire(project)
        if questionnaire is None or questionnaire.project_id != project.pk or not questionnaire.is_frozen:
            raise ValidationError({"questionnaire": [_("The project has no frozen questionnaire to answer.")]})
        answers = clean(dict(answers))
        items = _items(questionnaire)
        raise_if_errors(validate_answers(questionnaire, answers, partial=True, items=items))
        return _create_submitted(actor=actor, member=member, questionnaire=questionnaire, answers=answers,
                                 channel=channel, submitted_at=submitted_at or timezone.now(),
                                 summary=f"response recorded ({channel})")


# --- paper entry -----------------------------------------------------------------------------------


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
        member = _lock(member)
        refusal = _answered_refusal(member, selectors.online_response(member))
        if refusal:
            add_error(errors, "number", refusal)
        answers = clean(dict(answers))
        items = _items(questionnaire)
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
            response = _create_submitted(actor=actor, member=member, questionnaire=questionnaire, answers=answers,
                                         channel=Response.Channel.PAPER, submitted_at=timezone.now(),
                                         summary="paper form entered")
            return PaperResult("created", member, response=response)
        pass_number = 2 if 1 in entries else 1
        entry = PaperEntry.objects.create(member=member, questionnaire=questionnaire, pass_number=pass_number,
                                          answers=answers, entered_by=actor)  # type: ignore[misc]
        audit.record_create(actor=actor, obj=entry, summary=f"paper form keyed ({pass_number}. keying)")
        if pass_number == 1:
            return PaperResult("first_pass", member)
        first = entries[1]
        if first.questionnaire_id != questionnaire.pk:
            raise ValidationError(_("The first keying used another questionnaire version."))
        differences = differing_items(dict(first.answers), answers, items)
        if differences:
            return PaperResult("differs", member, differences=differences)
        response = _create_submitted(actor=actor, member=member, questionnaire=questionnaire, answers=answers,
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
        member = _lock(member)
        if member.sample.project_id != project.pk:
            raise ValidationError(_("There is no letter with this number in the sample."))
        entries = selectors.paper_entries(member)
        if 1 not in entries or 2 not in entries:
            raise ValidationError(_("There are no two keyings to compare for this number."))
        if entries[2].entered_by_id != getattr(actor, "pk", None):
            raise ValidationError(_("Only the person who keyed the form the second time decides the differences."))
        refusal = _answered_refusal(member, selectors.online_response(member))
        if refusal:
            raise ValidationError(refusal)
        questionnaire = entries[2].questionnaire
        items = _items(questionnaire)
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
        return _create_submitted(actor=actor, member=member, questionnaire=questionnaire, answers=answers,
                                 channel=Response.Channel.PAPER, submitted_at=timezone.now(),
                                 summary="paper form entered; differences of the two keyings decided")
