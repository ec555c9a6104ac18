"""Every write of the assessments app: recording a threat assessment, the second review, reminders.

Structured professional judgement (DOMAIN.md §2.1), never a computed score: the eight warning behaviours
are rated and documented, but the level of concern is what the assessor decides and writes a rationale
for. Nothing here derives a level, a sum or a colour from the ratings.

Each function runs in one transaction with its audit events; callers check permissions (views and API
through assessments.assess); these functions check the data and raise ``ValidationError`` with a dict
naming the fields before anything is saved. Assessments are never edited in place: a re-assessment is
a new row, the one it replaces becomes "superseded".

Choices (docs/protection/threat-assessment.md):
- a high level waits for a second reviewer (a different person on the case team) before it is in force;
  while it waits, no further assessment can be recorded for the case;
- the re-assessment date lies after today and at most six months ahead; the form proposes 14 days for
  a high, 6 weeks for a moderate and 3 months for a low level;
- a reminder goes to the case team once per assessment, from three days before its due date on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.dates import add_months
from kommunalschutz.foundation.core.errors import Errors, add_error, day
from kommunalschutz.protection.assessments.models import BehaviourRating, Rating, ThreatAssessment, WarningBehaviour
from kommunalschutz.protection.cases.models import Case, CaseEvent
from kommunalschutz.protection.cases.rules import is_case_team
from kommunalschutz.protection.cases.services import add_event, notify, team_users

# A rationale must at least be a sentence: the level of concern is a judgement that has to be explained.
RATIONALE_MIN_CHARS = 30
TEXT_MAX_CHARS = 20_000
NOTE_MAX_CHARS = 5_000
# The re-assessment may be set at most this many months ahead.
REVIEW_MAX_MONTHS = 6
# Reminders start this many days before the due date (and continue to list overdue ones on the page).
REMINDER_DAYS_BEFORE = 3
# The date the form proposes per level (the assessor may change it within the limits).
DEFAULT_REVIEW_AFTER: dict[str, tuple[int, int]] = {  # level -> (days, months)
    ThreatAssessment.Level.HIGH: (14, 0),
    ThreatAssessment.Level.MODERATE: (42, 0),
    ThreatAssessment.Level.LOW: (0, 3),
}
# Ratings that need evidence notes: what was observed, where it is documented.
NEEDS_NOTES = frozenset({Rating.PRESENT, Rating.PARTLY})


# --- helpers -------------------------------------------------------------------------------------


def default_review_on(level: str, today: dt.date | None = None) -> dt.date:
    """The re-assessment date the form proposes for a level (high 14 days, moderate 6 weeks, low 3 months)."""
    today = today or timezone.localdate()
    days, months = DEFAULT_REVIEW_AFTER.get(level, DEFAULT_REVIEW_AFTER[ThreatAssessment.Level.MODERATE])
    return add_months(today, months) + dt.timedelta(days=days)


def latest_review_on(today: dt.date | None = None) -> dt.date:
    return add_months(today or timezone.localdate(), REVIEW_MAX_MONTHS)


def field_name(behaviour: str, part: str) -> str:
    """The name of one part of a behaviour's rating in forms and error messages: "pathway_rating"."""
    return f"{behaviour}_{part}"


def _page_path(case: Case) -> str:
    return reverse("assessments:case_assessments", args=[case.pk])


def _others(case: Case, actor: Actor) -> list[User]:
    return [user for user in team_users(case) if user.pk != getattr(actor, "pk", None)]


def _as_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return dt.date.min  # marks an unreadable date; reported below


# --- validation ----------------------------------------------------------------------------------


def _check_ratings(ratings: Any, errors: Errors, today: dt.date) -> list[BehaviourRating]:
    """The eight ratings as unsaved rows; problems go to ``errors`` under "<behaviour>_<part>" or "ratings"."""
    rows: list[BehaviourRating] = []
    if ratings is None or isinstance(ratings, str | bytes) or not isinstance(ratings, Iterable):
        add_error(errors, "ratings", _("Rate each of the eight warning behaviours."))
        return rows
    seen: dict[str, Mapping[str, Any]] = {}
    for entry in ratings:
        if not isinstance(entry, Mapping):
            add_error(errors, "ratings", _("Each rating needs a behaviour and a rating."))
            continue
        code = str(entry.get("behaviour") or "")
        if code not in WarningBehaviour.values:
            add_error(errors, "ratings", _("“%(code)s” is not one of the eight warning behaviours.")
                      % {"code": code[:40]})
            continue
        if code in seen:
            add_error(errors, "ratings", _("“%(behaviour)s” is rated twice.") % {
                     "behaviour": WarningBehaviour(code).label})
            continue
        seen[code] = entry
    for code in WarningBehaviour.values:
        entry = seen.get(code)
        label = WarningBehaviour(code).label
        if entry is None:
            add_error(errors, field_name(code, "rating"), _("Rate “%(behaviour)s”: present, partly present, absent or "
                                                            "not known.") % {"behaviour": label})
            continue
        rating = str(entry.get("rating") or "")
        notes = str(entry.get("evidence_notes") or "").strip()
        observed_on = _as_date(entry.get("observed_on"))
        if rating not in Rating.values:
            add_error(errors, field_name(code, "rating"), _("Rate “%(behaviour)s”: present, partly present, absent or "
                                                            "not known.") % {"behaviour": label})
        elif rating in NEEDS_NOTES and not notes:
            add_error(errors, field_name(code, "evidence_notes"),
                      _("Describe the evidence for “%(behaviour)s”: what was observed, and where it is documented.")
                      % {"behaviour": label})
        if len(notes) > NOTE_MAX_CHARS:
            add_error(errors, field_name(code, "evidence_notes"),
                      _("Keep the evidence notes under %(max)d characters.") % {"max": NOTE_MAX_CHARS})
        if observed_on == dt.date.min:
            add_error(errors, field_name(code, "observed_on"), _("Enter the date as YYYY-MM-DD."))
            observed_on = None
        elif observed_on is not None and observed_on > today:
            add_error(errors, field_name(code, "observed_on"),
                      _("The observation date lies in the future; enter the day it was observed."))
        rows.append(BehaviourRating(behaviour=code, rating=rating, evidence_notes=notes, observed_on=observed_on))
    return rows


def _check_assessment(*, level: str, rationale: str, route: str, next_review_on: Any, errors: Errors,
                      today: dt.date) -> dt.date | None:
    if level not in ThreatAssessment.Level.values:
        add_error(errors, "level", _("Choose the level of concern: low, moderate or high."))
    if route not in ThreatAssessment.Route.values:
        add_error(errors, "route", _("Choose the route: police, health, or both."))
    if not rationale:
        add_error(errors, "rationale", _("Explain in writing why you chose this level of concern."))
    elif len(rationale) < RATIONALE_MIN_CHARS:
        add_error(errors, "rationale",
                  _("Explain the level in at least one full sentence (%(min)d characters or more).")
                  % {"min": RATIONALE_MIN_CHARS})
    elif len(rationale) > TEXT_MAX_CHARS:
        add_error(errors, "rationale", _("Keep the rationale under %(max)d characters.") % {"max": TEXT_MAX_CHARS})
    review_on = _as_date(next_review_on)
    latest = latest_review_on(today)
    if review_on is None:
        add_error(errors, "next_review_on", _("Enter the date by which the case must be assessed again."))
    elif review_on == dt.date.min:
        add_error(errors, "next_review_on", _("Enter the date as YYYY-MM-DD."))
        review_on = None
    elif review_on <= today:
        add_error(errors, "next_review_on", _("The re-assessment date must lie after today."))
    elif review_on > latest:
        add_error(errors, "next_review_on", _("Re-assess within six months at the latest (by %(date)s).")
                  % {"date": day(latest)})
    return review_on


# --- recording -----------------------------------------------------------------------------------


def _supersede(case: Case, actor: Actor, keep: ThreatAssessment) -> None:
    for previous in ThreatAssessment.objects.select_for_update().filter(
            case=case, state=ThreatAssessment.State.IN_FORCE).exclude(pk=keep.pk):
        before = audit.snapshot(previous, ["state"])
        previous.state = ThreatAssessment.State.SUPERSEDED
        previous.save(update_fields=["state"])
        audit.record_update(actor=actor, obj=previous, before=before, summary="superseded by a later assessment")


@transaction.atomic
def record_assessment(*, case: Case, actor: Actor, level: str, rationale: str, route: str, next_review_on: Any,
                      ratings: Any) -> ThreatAssessment:
    """Record a threat assessment of ``case`` with the eight ratings.

    ``ratings``: one mapping per warning behaviour with ``behaviour``, ``rating`` (present, partly, absent,
    unknown), ``evidence_notes`` (required when present or partly) and ``observed_on`` (optional, not in
    the future). A high level waits for a second reviewer; low and moderate are in force at once.
    """
    today = timezone.localdate()
    case = Case.objects.select_for_update().get(pk=case.pk)
    errors: Errors = {}
    level, route = str(level or ""), str(route or "")
    rationale = str(rationale or "").strip()
    if case.status == Case.Status.CLOSED:
        add_error(errors, "__all__", _("The case is closed; reopen it before assessing it again."))
    if ThreatAssessment.objects.filter(case=case, state=ThreatAssessment.State.AWAITING_REVIEW).exists():
        add_error(errors, "__all__", _("A high level of concern awaits its second reviewer; it must be confirmed or "
                                       "rejected before a new assessment is recorded."))
    review_on = _check_assessment(level=level, rationale=rationale, route=route, next_review_on=next_review_on,
                                  errors=errors, today=today)
    rows = _check_ratings(ratings, errors, today)
    if errors:
        raise ValidationError(errors)
    assert review_on is not None
    high = level == ThreatAssessment.Level.HIGH
    assessment = ThreatAssessment(
        case=case, assessed_by=actor if getattr(actor, "is_authenticated", False) else None,
        assessed_at=timezone.now(), level=level, rationale=rationale, route=route, next_review_on=review_on,
        state=ThreatAssessment.State.AWAITING_REVIEW if high else ThreatAssessment.State.IN_FORCE,
    )
    assessment.save(force_insert=True)
    audit.record_create(actor=actor, obj=assessment)
    for row in rows:
        row.assessment = assessment
        row.save(force_insert=True)
        audit.record_create(actor=actor, obj=row)
    level_label = ThreatAssessment.Level(level).label
    with translation.override(settings.LANGUAGE_CODE):
        if high:
            summary = _("Threat assessment recorded: %(level)s, awaiting a second reviewer") % {"level": level_label}
            message = _("Case %(reference)s: a high level of concern awaits confirmation by a second reviewer.") % {
                "reference": case.reference}
        else:
            summary = _("Threat assessment recorded: %(level)s, in force") % {"level": level_label}
            message = _("Case %(reference)s: a new threat assessment is in force.") % {"reference": case.reference}
    if not high:
        _supersede(case, actor, assessment)
    add_event(case, CaseEvent.Kind.ASSESSMENT, summary, actor=actor)
    if case.status == Case.Status.ACKNOWLEDGED:
        before = audit.snapshot(case, ["status"])
        case.status = Case.Status.ASSESSMENT
        case.save(update_fields=["status", "updated_at"])
        audit.record_update(actor=actor, obj=case, before=before, summary="status moved by a threat assessment")
        with translation.override(settings.LANGUAGE_CODE):
            status_summary = _("Status: %(status)s") % {"status": Case.Status.ASSESSMENT.label}
        add_event(case, CaseEvent.Kind.STATUS, status_summary, actor=actor)
    notify(_others(case, actor), case, message, _page_path(case))
    return assessment


@transaction.atomic
def review_assessment(*, assessment: ThreatAssessment, actor: Actor, confirm: bool, note: str) -> ThreatAssessment:
    """The second reviewer confirms (in force, superseding the previous one) or rejects (with a note;
    the previous assessment stays in force) a high level of concern."""
    locked = ThreatAssessment.objects.select_for_update().select_related("case").get(pk=assessment.pk)
    case = locked.case
    note = str(note or "").strip()
    errors: Errors = {}
    if locked.state != ThreatAssessment.State.AWAITING_REVIEW:
        add_error(errors, "__all__", _("This assessment does not await a review (it is “%(state)s”).")
                  % {"state": locked.get_state_display()})
    elif actor is None or not getattr(actor, "is_authenticated", False) or actor.pk == locked.assessed_by_id:
        add_error(errors, "__all__", _("The second reviewer must be someone other than the assessor: four eyes see "
                                       "more than two."))
    elif not is_case_team(actor, case):
        add_error(errors, "__all__", _("Only a member of the case team can review the assessment."))
    if not confirm and not note:
        add_error(errors, "note", _("Explain why you do not confirm the high level of concern."))
    if len(note) > NOTE_MAX_CHARS:
        add_error(errors, "note", _("Keep the note under %(max)d characters.") % {"max": NOTE_MAX_CHARS})
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(locked, ["state", "reviewed_by_id", "reviewed_at", "review_note"])
    locked.state = ThreatAssessment.State.IN_FORCE if confirm else ThreatAssessment.State.REJECTED
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.review_note = note
    locked.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])
    outcome = "confirmed" if confirm else "not confirmed"
    audit.record_update(actor=actor, obj=locked, before=before, summary=f"{outcome} by the second reviewer")
    if confirm:
        _supersede(case, actor, locked)
    with translation.override(settings.LANGUAGE_CODE):
        if confirm:
            summary = _("High level of concern confirmed by the second reviewer; in force")
            message = _("Case %(reference)s: the high level of concern has been confirmed and is in force.") % {
                "reference": case.reference}
        else:
            summary = _("High level of concern not confirmed by the second reviewer")
            message = _("Case %(reference)s: the high level of concern was not confirmed by the second reviewer.") % {
                "reference": case.reference}
    add_event(case, CaseEvent.Kind.ASSESSMENT, summary, actor=actor)
    notify(_others(case, actor), case, message, _page_path(case))
    return locked


# --- reminders -----------------------------------------------------------------------------------


def due_for_reminder(today: dt.date | None = None) -> Any:
    """In-force assessments of open cases due within REMINDER_DAYS_BEFORE days (or overdue) without a reminder."""
    today = today or timezone.localdate()
    return (ThreatAssessment.objects
            .filter(state=ThreatAssessment.State.IN_FORCE, reminder_sent_on__isnull=True,
                    next_review_on__lte=today + dt.timedelta(days=REMINDER_DAYS_BEFORE))
            .exclude(case__status=Case.Status.CLOSED)
            .select_related("case").order_by("next_review_on", "pk"))


def send_reassessment_reminders(today: dt.date | None = None) -> int:
    """Remind the case team (in the app and by e-mail) of every re-assessment due within three days or
    overdue, once per assessment (``reminder_sent_on``). The messages carry the case number, the due
    date and the path of the page, nothing else. Each assessment in its own transaction: if sending
    fails it stays unmarked and the next run tries again. Returns the number of assessments reminded."""
    today = today or timezone.localdate()
    sent = 0
    for candidate in due_for_reminder(today):
        with transaction.atomic():
            locked = ThreatAssessment.objects.select_for_update().filter(
                pk=candidate.pk, reminder_sent_on__isnull=True, state=ThreatAssessment.State.IN_FORCE).first()
            if locked is None:
                continue
            case = candidate.case
            users = team_users(case)
            path = _page_path(case)
            with translation.override(settings.LANGUAGE_CODE):
                context = {"reference": case.reference, "due_on": day(locked.next_review_on), "path": path,
                           "overdue": locked.next_review_on < today, "platform_name": settings.PLATFORM_NAME}
                message = _("Case %(reference)s: the threat assessment is due for re-assessment on %(date)s.") % {
                    "reference": case.reference, "date": context["due_on"]}
                subject = " ".join(render_to_string("assessments/email/reminder_subject.txt", context).split())
                body = render_to_string("assessments/email/reminder.txt", context)
            notify(users, case, message, path)
            for user in users:
                if user.email:
                    # One message per person: the recipients do not see each other's addresses.
                    send_mail(subject, body, None, [user.email])
            before = audit.snapshot(locked, ["reminder_sent_on"])
            locked.reminder_sent_on = today
            locked.save(update_fields=["reminder_sent_on"])
            audit.record_update(actor=None, obj=locked, before=before,
                                summary=f"re-assessment reminder sent to {len(users)} team member(s)")
            sent += 1
    return sent
