"""Every write of the engagements app: the offer catalogue, engagements of each kind, the coach pool.

Each function is keyword-only, runs in one transaction and writes its audit events naming the
actor. Callers check permissions (views and API through rules); these functions check the data
and raise ``ValidationError`` with a dict naming the fields, before anything is written.

The rules every engagement follows (``_check_core``): exactly one target (municipality or
district); the target must have been contacted (a lifecycle transition exists) and the
engagement cannot start before that first contact; an end date cannot precede the start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.alliance.engagements.models import (
    AnalysisPhase,
    BeccariaSteps,
    Coach,
    CoachingEvaluation,
    CoachingProcess,
    CoachingSession,
    Competence,
    Consultation,
    Engagement,
    FollowUpTask,
    Fulfilment,
    FundingApplication,
    OfferType,
    SecurityAnalysis,
    SuccessCondition,
)
from kommunalschutz.alliance.programme.selectors import first_contact
from kommunalschutz.foundation.accounts.models import Organisation, Role, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, day, raise_if_errors
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.registry.models import District, Municipality

# The default plan of a security analysis (DOMAIN.md 2.4): phase and its length in weeks, one after
# the other from the kick-off date, 20 weeks in all. docs/alliance/offers-and-engagements.md explains it.
DEFAULT_PHASE_WEEKS: tuple[tuple[str, int], ...] = (
    (AnalysisPhase.Phase.KICK_OFF, 1),
    (AnalysisPhase.Phase.REGISTER_EXTRACT, 2),
    (AnalysisPhase.Phase.QUESTIONNAIRE, 2),
    (AnalysisPhase.Phase.FIELDWORK, 6),
    (AnalysisPhase.Phase.RETURNS, 2),
    (AnalysisPhase.Phase.ANALYSIS, 4),
    (AnalysisPhase.Phase.FINAL_REPORT, 2),
    (AnalysisPhase.Phase.PRESENTATION, 1),
)

# Funding guideline: the municipality pays at least 10 % of the eligible costs; applications are
# accepted from 31 August to 15 October of the year before the funding year.
MIN_OWN_SHARE = Decimal("0.10")
WINDOW_OPENS = (8, 31)
WINDOW_CLOSES = (10, 15)
CENT = Decimal("0.01")

CORE_FIELDS = ("title", "status", "owner_id", "started_on", "ended_on", "notes")


def _money(value: Any, field: str, errors: Errors, *, required: bool = True) -> Decimal | None:
    if value is None or value == "":
        if required:
            add_error(errors, field, _("This field is required."))
        return None
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        add_error(errors, field, _("Enter an amount in euros."))
        return None
    if amount < 0:
        add_error(errors, field, _("The amount cannot be negative."))
        return None
    return amount


def application_window(funding_year: int) -> tuple[dt.date, dt.date]:
    """First and last day on which an application for the funding year may be submitted."""
    return (dt.date(funding_year - 1, *WINDOW_OPENS), dt.date(funding_year - 1, *WINDOW_CLOSES))


def own_share(total_costs: Decimal, requested_amount: Decimal) -> Decimal:
    return total_costs - requested_amount


# --- checks shared by every engagement ---------------------------------------------------------


def _target_field(municipality: Any, district: Any) -> str:
    return "district" if district is not None and municipality is None else "municipality"


def _check_target(municipality: Municipality | None, district: District | None, errors: Errors) -> None:
    if (municipality is None) == (district is None):
        add_error(errors, "municipality", _("Choose either a municipality or a district."))


def _check_offer(offer_type: OfferType | None, kind: str | None, errors: Errors, *, new: bool) -> None:
    if offer_type is None:
        add_error(errors, "offer_type", _("Choose an offer from the catalogue."))
        return
    if new and not offer_type.active:
        add_error(errors, "offer_type", _("This offer is no longer offered; new engagements cannot use it."))
    if kind is not None and offer_type.kind != kind:
        add_error(errors, "offer_type", _("This offer is of the kind “%(kind)s”; record it with the matching form.")
                  % {"kind": offer_type.get_kind_display()})


def _check_dates(
    *, municipality: Municipality | None, district: District | None, started_on: dt.date | None,
    ended_on: dt.date | None, errors: Errors, start_field: str = "started_on",
) -> None:
    if started_on is None:
        add_error(errors, start_field, _("This field is required."))
    if started_on is not None and ended_on is not None and ended_on < started_on:
        add_error(errors, "ended_on",
                  _("The end cannot lie before the start (%(start)s).") % {"start": day(started_on)})
    if (municipality is None) == (district is None):
        return
    contacted = first_contact(municipality=municipality, district=district)
    if contacted is None:
        message = (_("This district has never been contacted by the alliance; record the first contact before "
                     "any engagement.") if municipality is None else
                   _("This municipality has never been contacted by the alliance; record the first contact "
                     "before any engagement."))
        add_error(errors, _target_field(municipality, district), message)
    elif started_on is not None and started_on < contacted:
        message = (_("The district was first contacted on %(date)s; an engagement cannot start before that.")
                   if municipality is None else
                   _("The municipality was first contacted on %(date)s; an engagement cannot start before that."))
        add_error(errors, start_field, message % {"date": day(contacted)})


def _check_status(status: str, errors: Errors) -> None:
    if status not in Engagement.Status.values:
        add_error(errors, "status", _("Unknown status."))


def _default_offer(kind: str) -> OfferType | None:
    return OfferType.objects.filter(kind=kind, active=True).order_by("position", "pk").first()


def _new_engagement(
    *, offer_type: OfferType, title: str, started_on: dt.date, municipality: Municipality | None,
    district: District | None, status: str, owner: User | None, ended_on: dt.date | None, notes: str,
    is_synthetic: bool, source_url: str,
) -> Engagement:
    now = timezone.now()
    return Engagement.objects.create(
        offer_type=offer_type, title=title.strip(), started_on=started_on, municipality=municipality,
        district=district, status=status, owner=owner, ended_on=ended_on, notes=notes, is_synthetic=is_synthetic,
        source_url=source_url, created_at=now, updated_at=now,
    )


def _check_new_core(
    *, offer_type: OfferType | None, kind: str | None, title: str, started_on: dt.date | None,
    municipality: Municipality | None, district: District | None, status: str, ended_on: dt.date | None,
    errors: Errors, start_field: str = "started_on",
) -> None:
    _check_offer(offer_type, kind, errors, new=True)
    if not title.strip():
        add_error(errors, "title", _("This field is required."))
    _check_target(municipality, district, errors)
    _check_status(status, errors)
    _check_dates(municipality=municipality, district=district, started_on=started_on, ended_on=ended_on,
                 errors=errors, start_field=start_field)


def _audit_created(actor: Any, *objects: Any, summary: str = "") -> None:
    audit.record_many(
        audit.build(actor=actor, action=AuditEvent.Action.CREATE, obj=obj,
                    changes=audit.diff({}, audit.snapshot(obj)), summary=summary)
        for obj in objects
    )


# --- the offer catalogue -------------------------------------------------------------------------


def _check_offer_fields(
    *, code: str, name: str, kind: str, errors: Errors, exclude_pk: int | None = None,
) -> None:
    from django.utils.text import slugify

    if not code or slugify(code) != code:
        add_error(errors, "code", _("Use lower-case letters, digits and hyphens only, e.g. “regionaltreffen”."))
    if not name.strip():
        add_error(errors, "name", _("This field is required."))
    if kind not in OfferType.Kind.values:
        add_error(errors, "kind", _("Unknown kind of offer."))
    others = OfferType.objects.exclude(pk=exclude_pk) if exclude_pk else OfferType.objects.all()
    if code and others.filter(code=code).exists():
        add_error(errors, "code", _("An offer with this code already exists."))
    if name.strip() and others.filter(name__iexact=name.strip()).exists():
        add_error(errors, "name", _("An offer with this name already exists."))


def create_offer_type(
    *, actor: Any, code: str, name: str, kind: str = OfferType.Kind.GENERAL, description: str = "",
    active: bool = True, position: int = 100,
) -> OfferType:
    """Add an offer to the catalogue. Kind "general" needs no code: its engagements use the core fields."""
    errors: Errors = {}
    code = code.strip()
    _check_offer_fields(code=code, name=name, kind=kind, errors=errors)
    raise_if_errors(errors)
    with transaction.atomic():
        offer = OfferType.objects.create(code=code, name=name.strip(), kind=kind, description=description,
                                         active=active, position=position)
        audit.record_create(actor=actor, obj=offer, summary="offer type added to the catalogue")
    return offer


def update_offer_type(
    *, actor: Any, offer_type: OfferType, code: str | None = None, name: str | None = None,
    kind: str | None = None, description: str | None = None, active: bool | None = None,
    position: int | None = None,
) -> OfferType:
    """Change an offer; ``active=False`` deactivates it (its engagements stay, new ones are refused).

    The kind cannot change once engagements use the offer: their detail records belong to the kind.
    """
    errors: Errors = {}
    new_code = offer_type.code if code is None else code.strip()
    new_name = offer_type.name if name is None else name.strip()
    new_kind = offer_type.kind if kind is None else kind
    _check_offer_fields(code=new_code, name=new_name, kind=new_kind, errors=errors, exclude_pk=offer_type.pk)
    if new_kind != offer_type.kind and offer_type.engagements.exists():
        add_error(errors, "kind", _("Engagements already use this offer; its kind can no longer change."))
    raise_if_errors(errors)
    with transaction.atomic():
        before = audit.snapshot(offer_type)
        offer_type.code, offer_type.name, offer_type.kind = new_code, new_name, new_kind
        if description is not None:
            offer_type.description = description
        if active is not None:
            offer_type.active = active
        if position is not None:
            offer_type.position = position
        offer_type.save()
        audit.record_update(actor=actor, obj=offer_type, before=before)
    return offer_type


# --- engagements of any kind ------------------------------------------------------------------------


def create_engagement(
    *, actor: Any, offer_type: OfferType, title: str, started_on: dt.date, municipality: Municipality | None = None,
    district: District | None = None, status: str = Engagement.Status.PLANNED, owner: User | None = None,
    ended_on: dt.date | None = None, notes: str = "", is_synthetic: bool = False, source_url: str = "",
) -> Engagement:
    """An engagement of a "general" offer (qualification, networking event, any offer added later)."""
    errors: Errors = {}
    _check_new_core(offer_type=offer_type, kind=OfferType.Kind.GENERAL, title=title, started_on=started_on,
                    municipality=municipality, district=district, status=status, ended_on=ended_on, errors=errors)
    raise_if_errors(errors)
    with transaction.atomic():
        engagement = _new_engagement(
            offer_type=offer_type, title=title, started_on=started_on, municipality=municipality,
            district=district, status=status, owner=owner, ended_on=ended_on, notes=notes,
            is_synthetic=is_synthetic, source_url=source_url)
        _audit_created(actor, engagement)
    return engagement


def update_engagement(
    *, actor: Any, engagement: Engagement, title: str | None = None, status: str | None = None,
    owner: User | bool | None = False, started_on: dt.date | None = None, ended_on: dt.date | bool | None = False,
    notes: str | None = None, _detail: Any = None, _detail_before: Mapping[str, Any] | None = None,
    _errors: Errors | None = None, _start_field: str = "started_on",
) -> Engagement:
    """Change the core fields. ``owner``/``ended_on`` left at False stay as they are (None clears them).

    The target and the offer of an engagement do not change; record a new engagement instead.
    """
    errors: Errors = dict(_errors or {})
    new_title = engagement.title if title is None else title.strip()
    new_status = engagement.status if status is None else status
    new_start = engagement.started_on if started_on is None else started_on
    new_end = engagement.ended_on if ended_on is False else ended_on
    if not new_title:
        add_error(errors, "title", _("This field is required."))
    _check_status(new_status, errors)
    assert new_end is None or isinstance(new_end, dt.date)
    _check_dates(municipality=engagement.municipality, district=engagement.district, started_on=new_start,
                 ended_on=new_end, errors=errors, start_field=_start_field)
    raise_if_errors(errors)
    with transaction.atomic():
        before = audit.snapshot(engagement, CORE_FIELDS)
        engagement.title, engagement.status, engagement.started_on, engagement.ended_on = (
            new_title, new_status, new_start, new_end)
        if owner is not False:
            engagement.owner = owner if isinstance(owner, User) else None
        if notes is not None:
            engagement.notes = notes
        engagement.updated_at = timezone.now()
        engagement.save()
        audit.record_update(actor=actor, obj=engagement, before=before)
        if _detail is not None and _detail_before is not None:
            _detail.save()
            audit.record_update(actor=actor, obj=_detail, before=_detail_before)
    return engagement


# --- consultations -------------------------------------------------------------------------------------


def create_consultation(
    *, actor: Any, title: str, started_on: dt.date, topics: str, municipality: Municipality | None = None,
    district: District | None = None, participating_organisations: Iterable[Organisation] = (),
    other_participants: str = "", outcome: str = "", offer_type: OfferType | None = None,
    status: str = Engagement.Status.COMPLETED, owner: User | None = None, ended_on: dt.date | None = None,
    notes: str = "", is_synthetic: bool = False, source_url: str = "",
) -> Consultation:
    """A consultation held on ``started_on`` (the offer defaults to the catalogue's consultation offer)."""
    offer_type = offer_type or _default_offer(OfferType.Kind.CONSULTATION)
    errors: Errors = {}
    _check_new_core(offer_type=offer_type, kind=OfferType.Kind.CONSULTATION, title=title, started_on=started_on,
                    municipality=municipality, district=district, status=status, ended_on=ended_on, errors=errors)
    if not topics.strip():
        add_error(errors, "topics", _("This field is required."))
    raise_if_errors(errors)
    assert offer_type is not None
    organisations = list(participating_organisations)
    with transaction.atomic():
        engagement = _new_engagement(
            offer_type=offer_type, title=title, started_on=started_on, municipality=municipality,
            district=district, status=status, owner=owner, ended_on=ended_on, notes=notes,
            is_synthetic=is_synthetic, source_url=source_url)
        consultation = Consultation.objects.create(engagement=engagement, topics=topics,
                                                   other_participants=other_participants, outcome=outcome)
        if organisations:
            consultation.participating_organisations.set(organisations)
        _audit_created(actor, engagement, consultation)
    return consultation


def update_consultation(
    *, actor: Any, consultation: Consultation, topics: str, other_participants: str, outcome: str,
    participating_organisations: Iterable[Organisation], **core: Any,
) -> Consultation:
    errors: Errors = {}
    if not topics.strip():
        add_error(errors, "topics", _("This field is required."))
    before = audit.snapshot(consultation)
    consultation.topics, consultation.other_participants, consultation.outcome = topics, other_participants, outcome
    with transaction.atomic():
        update_engagement(actor=actor, engagement=consultation.engagement, _detail=consultation,
                          _detail_before=before, _errors=errors, **core)
        organisations = list(participating_organisations)
        old = set(consultation.participating_organisations.values_list("pk", flat=True))
        if old != {o.pk for o in organisations}:
            consultation.participating_organisations.set(organisations)
            audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=consultation,
                         changes={"participating_organisations": {"old": sorted(old),
                                                                  "new": sorted(o.pk for o in organisations)}})
    return consultation


def add_follow_up_task(
    *, actor: Any, consultation: Consultation, title: str, due_on: dt.date, assignee: str = "",
) -> FollowUpTask:
    errors: Errors = {}
    if not title.strip():
        add_error(errors, "title", _("This field is required."))
    if due_on is None:
        add_error(errors, "due_on", _("This field is required."))
    elif due_on < consultation.engagement.started_on:
        add_error(errors, "due_on", _("A follow-up task cannot be due before the consultation (%(date)s).")
                  % {"date": day(consultation.engagement.started_on)})
    raise_if_errors(errors)
    with transaction.atomic():
        task = FollowUpTask.objects.create(consultation=consultation, title=title.strip(), due_on=due_on,
                                           assignee=assignee.strip())
        audit.record_create(actor=actor, obj=task, summary="follow-up task added")
    return task


def complete_follow_up_task(*, actor: Any, task: FollowUpTask, completed_on: dt.date | None = None) -> FollowUpTask:
    completed_on = completed_on or timezone.localdate()
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": [_("A task cannot be completed in the future.")]})
    with transaction.atomic():
        before = audit.snapshot(task, ["completed_on"])
        task.completed_on = completed_on
        task.save(update_fields=["completed_on"])
        audit.record_update(actor=actor, obj=task, before=before, summary="follow-up task completed")
    return task


# --- the coach pool and coaching processes ----------------------------------------------------------


def create_competence(*, actor: Any, code: str, name: str) -> Competence:
    from django.utils.text import slugify

    errors: Errors = {}
    code = code.strip()
    if not code or slugify(code) != code:
        add_error(errors, "code", _("Use lower-case letters, digits and hyphens only, e.g. “regionaltreffen”."))
    elif Competence.objects.filter(code=code).exists():
        add_error(errors, "code", _("A competence with this code already exists."))
    if not name.strip():
        add_error(errors, "name", _("This field is required."))
    elif Competence.objects.filter(name__iexact=name.strip()).exists():
        add_error(errors, "name", _("A competence with this name already exists."))
    raise_if_errors(errors)
    with transaction.atomic():
        competence = Competence.objects.create(code=code, name=name.strip())
        audit.record_create(actor=actor, obj=competence)
    return competence


def _check_coach(*, capacity: int, errors: Errors) -> None:
    if capacity is None or capacity < 1 or capacity > 50:
        add_error(errors, "capacity", _("Enter a number of parallel processes between 1 and 50."))


def create_coach(
    *, actor: Any, user: User, institute: Organisation | None = None, competences: Iterable[Competence] = (),
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
    with transaction.atomic():
        coach = Coach.objects.create(user=user, institute=institute, capacity=capacity, active=active,
                                     is_synthetic=is_synthetic)
        coach.competences.set(list(competences))
        coach.regions.set(list(regions))
        audit.record_create(actor=actor, obj=coach, summary="added to the coach pool")
    return coach


def update_coach(
    *, actor: Any, coach: Coach, institute: Organisation | None, competences: Iterable[Competence],
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
    *, actor: Any, title: str, started_on: dt.date, coach: Coach | None, goals: str,
    municipality: Municipality | None = None, district: District | None = None, needs: Iterable[Competence] = (),
    offer_type: OfferType | None = None, status: str = Engagement.Status.ACTIVE, owner: User | None = None,
    ended_on: dt.date | None = None, notes: str = "", is_synthetic: bool = False, source_url: str = "",
) -> CoachingProcess:
    """A coaching process with a coach from the pool (see ``selectors.rank_coaches`` for the suggestions)."""
    offer_type = offer_type or _default_offer(OfferType.Kind.COACHING)
    errors: Errors = {}
    _check_new_core(offer_type=offer_type, kind=OfferType.Kind.COACHING, title=title, started_on=started_on,
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
        engagement = _new_engagement(
            offer_type=offer_type, title=title, started_on=started_on, municipality=municipality,
            district=district, status=status, owner=owner, ended_on=ended_on, notes=notes,
            is_synthetic=is_synthetic, source_url=source_url)
        process = CoachingProcess.objects.create(engagement=engagement, coach=coach, goals=goals)
        if needed:
            process.needs.set(needed)
        _audit_created(actor, engagement, process)
    return process


def update_coaching_process(
    *, actor: Any, process: CoachingProcess, coach: Coach, goals: str, needs: Iterable[Competence], **core: Any,
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
    *, actor: Any, process: CoachingProcess, held_on: dt.date, topics: str, duration_minutes: int = 90,
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
    *, actor: Any, process: CoachingProcess, closed_on: dt.date, summary: str,
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


# --- security analyses ---------------------------------------------------------------------------------


def default_plan(kick_off: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """(phase, planned start, planned end) of the default 20-week plan from the kick-off date."""
    plan = []
    start = kick_off
    for phase, weeks in DEFAULT_PHASE_WEEKS:
        end = start + dt.timedelta(weeks=weeks) - dt.timedelta(days=1)
        plan.append((str(phase), start, end))
        start = end + dt.timedelta(days=1)
    return plan


def create_security_analysis(
    *, actor: Any, title: str, started_on: dt.date, municipality: Municipality | None = None,
    district: District | None = None, contractor: Organisation | None = None, sample_size: int | None = None,
    offer_type: OfferType | None = None, status: str = Engagement.Status.ACTIVE, owner: User | None = None,
    ended_on: dt.date | None = None, notes: str = "", is_synthetic: bool = False, source_url: str = "",
) -> SecurityAnalysis:
    """A security analysis from its kick-off (``started_on``), with the default plan of its phases."""
    offer_type = offer_type or _default_offer(OfferType.Kind.SECURITY_ANALYSIS)
    errors: Errors = {}
    _check_new_core(offer_type=offer_type, kind=OfferType.Kind.SECURITY_ANALYSIS, title=title,
                    started_on=started_on, municipality=municipality, district=district, status=status,
                    ended_on=ended_on, errors=errors)
    if sample_size is not None and sample_size < 1:
        add_error(errors, "sample_size", _("Enter a positive number."))
    raise_if_errors(errors)
    assert offer_type is not None
    with transaction.atomic():
        engagement = _new_engagement(
            offer_type=offer_type, title=title, started_on=started_on, municipality=municipality,
            district=district, status=status, owner=owner, ended_on=ended_on, notes=notes,
            is_synthetic=is_synthetic, source_url=source_url)
        analysis = SecurityAnalysis.objects.create(engagement=engagement, contractor=contractor,
                                                   sample_size=sample_size)
        AnalysisPhase.objects.bulk_create([
            AnalysisPhase(analysis=analysis, phase=phase, planned_start=start, planned_end=end)
            for phase, start, end in default_plan(started_on)
        ])
        _audit_created(actor, engagement, analysis, summary="default plan of 20 weeks generated")
    return analysis


def update_security_analysis(
    *, actor: Any, analysis: SecurityAnalysis, contractor: Organisation | None, sample_size: int | None, **core: Any,
) -> SecurityAnalysis:
    errors: Errors = {}
    if sample_size is not None and sample_size < 1:
        add_error(errors, "sample_size", _("Enter a positive number."))
    before = audit.snapshot(analysis)
    analysis.contractor, analysis.sample_size = contractor, sample_size
    update_engagement(actor=actor, engagement=analysis.engagement, _detail=analysis, _detail_before=before,
                      _errors=errors, **core)
    return analysis


def record_phase_dates(
    *, actor: Any, phase: AnalysisPhase, actual_start: dt.date | None, actual_end: dt.date | None,
    planned_start: dt.date | None = None, planned_end: dt.date | None = None,
) -> AnalysisPhase:
    """Record when a phase really started and ended (and, optionally, move its plan)."""
    errors: Errors = {}
    today = timezone.localdate()
    new_planned_start = planned_start or phase.planned_start
    new_planned_end = planned_end or phase.planned_end
    if new_planned_end < new_planned_start:
        add_error(errors, "planned_end", _("The end cannot lie before the start (%(start)s).")
                  % {"start": day(new_planned_start)})
    if actual_end is not None and actual_start is None:
        add_error(errors, "actual_start", _("Record the actual start before the actual end."))
    if actual_start is not None and actual_end is not None and actual_end < actual_start:
        add_error(errors, "actual_end", _("The end cannot lie before the start (%(start)s).")
                  % {"start": day(actual_start)})
    for field, value in (("actual_start", actual_start), ("actual_end", actual_end)):
        if value is not None and value > today:
            add_error(errors, field, _("An actual date cannot lie in the future."))
    kick_off = phase.analysis.engagement.started_on
    if actual_start is not None and actual_start < kick_off:
        add_error(errors, "actual_start", _("The analysis started on %(date)s; a phase cannot start earlier.")
                  % {"date": day(kick_off)})
    raise_if_errors(errors)
    with transaction.atomic():
        before = audit.snapshot(phase)
        phase.actual_start, phase.actual_end = actual_start, actual_end
        phase.planned_start, phase.planned_end = new_planned_start, new_planned_end
        phase.save()
        audit.record_update(actor=actor, obj=phase, before=before)
    return phase


# --- funding applications ------------------------------------------------------------------------------


def _check_funding(
    *, municipality: Municipality | None, district: District | None, funding_year: int | None,
    project_title: str, total_costs: Any, requested_amount: Any, in_kind_contribution: Any,
    submitted_on: dt.date | None, prior_consultation: Consultation | None, errors: Errors,
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    if not project_title.strip():
        add_error(errors, "project_title", _("This field is required."))
    total = _money(total_costs, "total_costs", errors)
    requested = _money(requested_amount, "requested_amount", errors)
    in_kind = _money(in_kind_contribution or 0, "in_kind_contribution", errors)
    if total is not None and total <= 0:
        add_error(errors, "total_costs", _("The eligible costs must be more than zero."))
        total = None
    if total is not None and requested is not None:
        share = own_share(total, requested)
        minimum = (total * MIN_OWN_SHARE).quantize(CENT, rounding=ROUND_HALF_UP)
        if share < minimum:
            add_error(errors, "requested_amount", _(
                     "Own share at least 10 %%: with eligible costs of %(costs)s EUR the municipality pays at least "
                     "%(minimum)s EUR itself; the own share here is %(share)s EUR."
            ) % {"costs": total, "minimum": minimum, "share": share})
        elif in_kind is not None and in_kind > share:
            add_error(errors, "in_kind_contribution", _("The part in kind cannot exceed the own share (%(share)s EUR).")
                      % {"share": share})
    if funding_year is None:
        add_error(errors, "funding_year", _("This field is required."))
    elif not 2000 <= funding_year <= 2100:
        add_error(errors, "funding_year", _("Enter a year between 2000 and 2100."))
    elif submitted_on is not None:
        opens, closes = application_window(funding_year)
        if not opens <= submitted_on <= closes:
            add_error(errors, "submitted_on", _(
                     "Applications for %(year)s are accepted from %(opens)s to %(closes)s only."
            ) % {"year": funding_year, "opens": day(opens), "closes": day(closes)})
    if prior_consultation is None:
        add_error(errors, "prior_consultation", _(
                 "A consultation with the coordination office must precede every funding application."))
    else:
        consulted = prior_consultation.engagement
        same_target = (consulted.municipality_id == getattr(municipality, "pk", None)
                       and consulted.district_id == getattr(district, "pk", None))
        if not same_target:
            add_error(errors, "prior_consultation", _(
                     "The prior consultation must be one with the same municipality or district."))
        elif consulted.status == Engagement.Status.CANCELLED:
            add_error(errors, "prior_consultation", _("A cancelled consultation does not count."))
        elif submitted_on is not None and consulted.started_on > submitted_on:
            add_error(errors, "prior_consultation", _(
                     "The consultation of %(date)s took place after the submission; it must come first.")
                     % {"date": day(consulted.started_on)})
    return total, requested, in_kind


def create_funding_application(
    *, actor: Any, funding_year: int, project_title: str, total_costs: Decimal | int | str,
    requested_amount: Decimal | int | str, submitted_on: dt.date, prior_consultation: Consultation | None,
    municipality: Municipality | None = None, district: District | None = None,
    in_kind_contribution: Decimal | int | str = 0, title: str = "", problem_description: str = "",
    cause_analysis: str = "", goals: str = "", measures: str = "", concept_and_implementation: str = "",
    effect_check: str = "", conclusions: str = "", offer_type: OfferType | None = None,
    status: str = Engagement.Status.ACTIVE, owner: User | None = None, notes: str = "",
    is_synthetic: bool = False, source_url: str = "",
) -> FundingApplication:
    """A funding application, dated by its submission (``Engagement.started_on = submitted_on``).

    Checked: own share (costs minus requested amount) at least 10 % of the eligible costs, the part in
    kind within the own share, submission between 31 Aug and 15 Oct of the year before the funding year,
    and a prior consultation of the same municipality or district on or before the submission.
    """
    offer_type = offer_type or _default_offer(OfferType.Kind.FUNDING)
    title = title.strip() or project_title.strip()
    errors: Errors = {}
    _check_new_core(offer_type=offer_type, kind=OfferType.Kind.FUNDING, title=title, started_on=submitted_on,
                    municipality=municipality, district=district, status=status, ended_on=None, errors=errors,
                    start_field="submitted_on")
    if not title:
        errors.pop("title", None)  # the missing project title is reported on its own field
    total, requested, in_kind = _check_funding(
        municipality=municipality, district=district, funding_year=funding_year, project_title=project_title,
        total_costs=total_costs, requested_amount=requested_amount, in_kind_contribution=in_kind_contribution,
        submitted_on=submitted_on, prior_consultation=prior_consultation, errors=errors)
    raise_if_errors(errors)
    assert offer_type is not None and total is not None and requested is not None and in_kind is not None
    assert prior_consultation is not None
    steps = {"problem_description": problem_description, "cause_analysis": cause_analysis, "goals": goals,
             "measures": measures, "concept_and_implementation": concept_and_implementation,
             "effect_check": effect_check, "conclusions": conclusions}
    with transaction.atomic():
        engagement = _new_engagement(
            offer_type=offer_type, title=title, started_on=submitted_on, municipality=municipality,
            district=district, status=status, owner=owner, ended_on=None, notes=notes,
            is_synthetic=is_synthetic, source_url=source_url)
        application = FundingApplication.objects.create(
            engagement=engagement, funding_year=funding_year, project_title=project_title.strip(),
            total_costs=total, requested_amount=requested, in_kind_contribution=in_kind,
            submitted_on=submitted_on, prior_consultation=prior_consultation, **steps)
        _audit_created(actor, engagement, application)
    return application


def update_funding_application(
    *, actor: Any, application: FundingApplication, funding_year: int, project_title: str,
    total_costs: Decimal | int | str, requested_amount: Decimal | int | str, in_kind_contribution: Decimal | int | str,
    submitted_on: dt.date, prior_consultation: Consultation | None, steps: Mapping[str, str], **core: Any,
) -> FundingApplication:
    engagement = application.engagement
    errors: Errors = {}
    total, requested, in_kind = _check_funding(
        municipality=engagement.municipality, district=engagement.district, funding_year=funding_year,
        project_title=project_title, total_costs=total_costs, requested_amount=requested_amount,
        in_kind_contribution=in_kind_contribution, submitted_on=submitted_on,
        prior_consultation=prior_consultation, errors=errors)
    if (requested is not None and application.approved_amount is not None
            and application.approved_amount > requested):
        add_error(errors, "requested_amount", _("The approved amount (%(amount)s EUR) exceeds this amount.")
                  % {"amount": application.approved_amount})
    before = audit.snapshot(application)
    if not errors:
        assert total is not None and requested is not None and in_kind is not None
        assert prior_consultation is not None
        application.funding_year, application.project_title = funding_year, project_title.strip()
        application.total_costs, application.requested_amount, application.in_kind_contribution = (
            total, requested, in_kind)
        application.submitted_on, application.prior_consultation = submitted_on, prior_consultation
        for name in BeccariaSteps.BECCARIA_FIELDS:
            setattr(application, name, steps.get(name, ""))
    core["started_on"] = submitted_on
    update_engagement(actor=actor, engagement=engagement, _detail=application, _detail_before=before,
                      _errors=errors, _start_field="submitted_on", **core)
    return application


def decide_funding(
    *, actor: Any, application: FundingApplication, decision: str, decided_on: dt.date | None,
    approved_amount: Decimal | int | str | None = None,
) -> FundingApplication:
    """Record the decision; an approval names the approved amount (at most the requested amount)."""
    errors: Errors = {}
    amount: Decimal | None = None
    if decision not in FundingApplication.Decision.values:
        add_error(errors, "decision", _("Unknown decision."))
    elif decision == FundingApplication.Decision.PENDING:
        decided_on = None
    else:
        if decided_on is None:
            add_error(errors, "decided_on", _("This field is required."))
        elif decided_on < application.submitted_on:
            add_error(errors, "decided_on", _("The decision cannot precede the submission (%(date)s).")
                      % {"date": day(application.submitted_on)})
        elif decided_on > timezone.localdate():
            add_error(errors, "decided_on", _("A decision cannot be dated in the future."))
    if decision == FundingApplication.Decision.APPROVED:
        amount = _money(approved_amount, "approved_amount", errors)
        if amount is not None and amount <= 0:
            add_error(errors, "approved_amount", _("An approval needs an amount above zero."))
        elif amount is not None and amount > application.requested_amount:
            add_error(errors, "approved_amount", _("The approved amount cannot exceed the requested %(amount)s EUR.")
                      % {"amount": application.requested_amount})
    elif approved_amount not in (None, ""):
        add_error(errors, "approved_amount", _("Only an approval has an approved amount."))
    raise_if_errors(errors)
    with transaction.atomic():
        before = audit.snapshot(application, ["decision", "decided_on", "approved_amount"])
        application.decision, application.decided_on, application.approved_amount = decision, decided_on, amount
        application.save(update_fields=["decision", "decided_on", "approved_amount"])
        audit.record_update(actor=actor, obj=application, before=before, summary="funding decision recorded")
    return application


def report_use_of_funds(
    *, actor: Any, application: FundingApplication, report: str, submitted_on: dt.date | None,
) -> FundingApplication:
    errors: Errors = {}
    if application.decision != FundingApplication.Decision.APPROVED:
        add_error(errors, "use_of_funds_report", _("Only an approved application reports on the use of funds."))
    if not report.strip():
        add_error(errors, "use_of_funds_report", _("This field is required."))
    if submitted_on is None:
        add_error(errors, "report_submitted_on", _("This field is required."))
    elif application.decided_on is not None and submitted_on < application.decided_on:
        add_error(errors, "report_submitted_on", _("The report cannot precede the decision (%(date)s).")
                  % {"date": day(application.decided_on)})
    elif submitted_on > timezone.localdate():
        add_error(errors, "report_submitted_on", _("A report cannot be dated in the future."))
    raise_if_errors(errors)
    with transaction.atomic():
        before = audit.snapshot(application, ["use_of_funds_report", "report_submitted_on"])
        application.use_of_funds_report, application.report_submitted_on = report, submitted_on
        application.save(update_fields=["use_of_funds_report", "report_submitted_on"])
        audit.record_update(actor=actor, obj=application, before=before, summary="use of funds reported")
    return application

