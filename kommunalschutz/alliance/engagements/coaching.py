"""The coach pool (competences, coaches) and coaching processes: sessions and the closing evaluation.

Each write runs in one transaction with its audit events; ``selectors.rank_coaches`` suggests the coach.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.alliance.engagements.common import (
    CORE_FIELDS,
    audit_created,
    check_new_core,
    default_offer,
    new_engagement,
    update_engagement,
)
from kommunalschutz.alliance.engagements.models import (
    Coach,
    CoachingEvaluation,
    CoachingProcess,
    CoachingSession,
    Competence,
    Engagement,
    Fulfilment,
    OfferType,
    SuccessCondition,
)
from kommunalschutz.foundation.accounts.models import Actor, Organisation, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, day, raise_if_errors
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.core.roles import Role
from kommunalschutz.foundation.registry.models import District, Municipality


def _check_competence(code: str, name: str) -> Errors:
    from django.utils.text import slugify

    errors: Errors = {}
    if not code or slugify(code) != code:
        add_error(errors, "code", _("Use lower-case letters, digits and hyphens only, e.g. “regionaltreffen”."))
    elif Competence.objects.filter(code=code).exists():
        add_error(errors, "code", _("A competence with this code already exists."))
    if not name.strip():
        add_error(errors, "name", _("This field is required."))
    elif Competence.objects.filter(name__iexact=name.strip()).exists():
        add_error(errors, "name", _("A competence with this name already exists."))
    return errors


def create_competence(*, actor: Actor, code: str, name: str) -> Competence:
    code = code.strip()
    raise_if_errors(_check_competence(code, name))
    try:
        with transaction.atomic():
            competence = Competence.objects.create(code=code, name=name.strip())
            audit.record_create(actor=actor, obj=competence)
    except IntegrityError:
        # A concurrent request added the same code or name first (the constraints held): say which.
        raise_if_errors(_check_competence(code, name))
        raise
    return competence


def _check_coach(*, capacity: int, errors: Errors) -> None:
    if capacity is None or capacity < 1 or capacity > 50:
        add_error(errors, "capacity", _("Enter a number of parallel processes between 1 and 50."))


def create_coach(
    *, actor: Actor, user: User, institute: Organisation | None = None, competences: Iterable[Competence] = (),
    regions: Iterable[District] = (), capacity: int = 3, active: bool = True, is_synthetic: bool = False,
) -> Coach:
    """Add a person with the role "coach" to the coach pool."""
    errors: Errors = {}
    if not user.memberships.filter(role=Role.COACH).exists():
        add_error(errors, "user", _("Only a person with the role “coach” can join the coach pool."))
    elif Coach.objects.filter(user=user).exists():
        add_error(errors, "user", _("This person is already in the coach pool."))
    _check_coach(capacity=capacity, errors=errors)
    raise_if_errors(errors)
    try:
        with transaction.atomic():
            coach = Coach.objects.create(user=user, institute=institute, capacity=capacity, active=active,
                                         is_synthetic=is_synthetic)
            coach.competences.set(list(competences))
            coach.regions.set(list(regions))
            audit.record_create(actor=actor, obj=coach, summary="added to the coach pool")
    except IntegrityError as exc:
        if Coach.objects.filter(user=user).exists():  # a concurrent request added the person first
            raise ValidationError({"user": [_("This person is already in the coach pool.")]}) from exc
        raise
    return coach


def update_coach(
    *, actor: Actor, coach: Coach, institute: Organisation | None, competences: Iterable[Competence],
    regions: Iterable[District], capacity: int, active: bool,
) -> Coach:
    errors: Errors = {}
    _check_coach(capacity=capacity, errors=errors)
    raise_if_errors(errors)
    with transaction.atomic():
        before = audit.snapshot(coach)
        before["competences"] = sorted(coach.competences.values_list("pk", flat=True))
        before["regions"] = sorted(coach.regions.values_list("pk", flat=True))
        coach.institute, coach.capacity, coach.active = institute, capacity, active
        coach.save()
        coach.competences.set(list(competences))
        coach.regions.set(list(regions))
        after = audit.snapshot(coach)
        after["competences"] = sorted(coach.competences.values_list("pk", flat=True))
        after["regions"] = sorted(coach.regions.values_list("pk", flat=True))
        changes = audit.diff(before, after)
        if changes:
            audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=coach, changes=changes)
    return coach


def create_coaching_process(
    *, actor: Actor, title: str, started_on: dt.date, coach: Coach | None, goals: str,
    municipality: Municipality | None = None, district: District | None = None, needs: Iterable[Competence] = (),
    offer_type: OfferType | None = None, status: str = Engagement.Status.ACTIVE, owner: User | None = None,
    ended_on: dt.date | None = None, notes: str = "", is_synthetic: bool = False, source_url: str = "",
) -> CoachingProcess:
    """A coaching process with a coach from the pool (see ``selectors.rank_coaches`` for the suggestions)."""
    offer_type = offer_type or default_offer(OfferType.Kind.COACHING)
    errors: Errors = {}
    check_new_core(offer_type=offer_type, kind=OfferType.Kind.COACHING, title=title, started_on=started_on,
                   municipality=municipality, district=district, status=status, ended_on=ended_on, errors=errors)
    if coach is None:
        add_error(errors, "coach", _("Choose a coach from the pool."))
    elif not coach.active:
        add_error(errors, "coach", _("This coach is currently not available."))
    if not goals.strip():
        add_error(errors, "goals", _("This field is required."))
    raise_if_errors(errors)
    assert offer_type is not None and coach is not None
    needed = list(needs)
    with transaction.atomic():
        engagement = new_engagement(
            offer_type=offer_type, title=title, started_on=started_on, municipality=municipality,
            district=district, status=status, owner=owner, ended_on=ended_on, notes=notes,
            is_synthetic=is_synthetic, source_url=source_url)
        process = CoachingProcess.objects.create(engagement=engagement, coach=coach, goals=goals)
        if needed:
            process.needs.set(needed)
        audit_created(actor, engagement, process)
    return process


def update_coaching_process(
    *, actor: Actor, process: CoachingProcess, coach: Coach, goals: str, needs: Iterable[Competence], **core: Any,
) -> CoachingProcess:
    errors: Errors = {}
    if coach is None:
        add_error(errors, "coach", _("Choose a coach from the pool."))
    elif coach.pk != process.coach_id and not coach.active:
        add_error(errors, "coach", _("This coach is currently not available."))
    if not goals.strip():
        add_error(errors, "goals", _("This field is required."))
    before = audit.snapshot(process)
    if coach is not None:
        process.coach = coach
    process.goals = goals
    with transaction.atomic():
        update_engagement(actor=actor, engagement=process.engagement, _detail=process, _detail_before=before,
                          _errors=errors, **core)
        process.needs.set(list(needs))
    return process


def record_coaching_session(
    *, actor: Actor, process: CoachingProcess, held_on: dt.date, topics: str, duration_minutes: int = 90,
    notes: str = "",
) -> CoachingSession:
    errors: Errors = {}
    start = process.engagement.started_on
    if held_on is None:
        add_error(errors, "held_on", _("This field is required."))
    elif held_on < start:
        add_error(errors, "held_on", _("The coaching process started on %(date)s; a session cannot be earlier.")
                  % {"date": day(start)})
    elif process.closed_on is not None and held_on > process.closed_on:
        add_error(errors, "held_on", _("The coaching process was closed on %(date)s; a session cannot be later.")
                  % {"date": day(process.closed_on)})
    if duration_minutes is None or not 1 <= duration_minutes <= 24 * 60:
        add_error(errors, "duration_minutes", _("Enter a duration between 1 and 1440 minutes."))
    if not topics.strip():
        add_error(errors, "topics", _("This field is required."))
    raise_if_errors(errors)
    with transaction.atomic():
        session = CoachingSession.objects.create(process=process, held_on=held_on, topics=topics,
                                                 duration_minutes=duration_minutes, notes=notes)
        audit.record_create(actor=actor, obj=session, summary="coaching session recorded")
    return session


def close_coaching_process(
    *, actor: Actor, process: CoachingProcess, closed_on: dt.date, summary: str,
    evaluations: Mapping[str, tuple[str, str]],
) -> CoachingProcess:
    """The closing evaluation: every success condition rated met / partly / not met with a comment.

    ``evaluations`` maps each ``SuccessCondition`` value to ``(fulfilment, comment)``. Closing again
    replaces the evaluation. The engagement is completed and ends on ``closed_on``.
    """
    errors: Errors = {}
    start = process.engagement.started_on
    if closed_on is None:
        add_error(errors, "closed_on", _("This field is required."))
    elif closed_on < start:
        add_error(errors, "closed_on", _("The end cannot lie before the start (%(start)s).") % {"start": day(start)})
    elif closed_on > timezone.localdate():
        add_error(errors, "closed_on", _("A process cannot be closed in the future."))
    for condition in SuccessCondition.values:
        fulfilment = evaluations.get(condition, ("", ""))[0]
        if fulfilment not in Fulfilment.values:
            add_error(errors, condition, _("Rate this condition: met, partly met or not met."))
    unknown = set(evaluations) - set(SuccessCondition.values)
    if unknown:
        add_error(errors, "evaluations",
                  _("Unknown success conditions: %(names)s") % {"names": ", ".join(sorted(unknown))})
    if not summary.strip():
        add_error(errors, "evaluation_summary", _("This field is required."))
    raise_if_errors(errors)
    engagement = process.engagement
    with transaction.atomic():
        # Closing again replaces the evaluation: two closings at once run one after the other, or the
        # second would insert its rows beside the first's (one row per condition is the rule).
        CoachingProcess.objects.select_for_update().filter(pk=process.pk).first()
        before = audit.snapshot(process)
        before_engagement = audit.snapshot(engagement, CORE_FIELDS)
        process.closed_on, process.evaluation_summary = closed_on, summary
        process.save(update_fields=["closed_on", "evaluation_summary"])
        process.evaluations.all().delete()
        rows = CoachingEvaluation.objects.bulk_create([
            CoachingEvaluation(process=process, condition=condition, fulfilment=evaluations[condition][0],
                               comment=evaluations[condition][1])
            for condition in SuccessCondition.values
        ])
        engagement.ended_on, engagement.status, engagement.updated_at = (
            closed_on, Engagement.Status.COMPLETED, timezone.now())
        engagement.save(update_fields=["ended_on", "status", "updated_at"])
        events = [audit.build(actor=actor, action=AuditEvent.Action.UPDATE, obj=process,
                              changes=audit.diff(before, audit.snapshot(process)), summary="coaching closed"),
                  audit.build(actor=actor, action=AuditEvent.Action.UPDATE, obj=engagement,
                              changes=audit.diff(before_engagement, audit.snapshot(engagement, CORE_FIELDS)))]
        events += [audit.build(actor=actor, action=AuditEvent.Action.CREATE, obj=row,
                               object_type="engagements.coachingevaluation",
                               changes=audit.diff({}, {"condition": row.condition, "fulfilment": row.fulfilment,
                                                       "comment": row.comment}))
                   for row in rows]
        audit.record_many(events)
    return process
