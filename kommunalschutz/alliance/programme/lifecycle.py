"""The membership lifecycle: recording a municipality's (or district's) dated steps and deleting one
recorded by mistake. Apps whose records follow the first contact guard the deletion (``hooks``).

Membership needs a cooperation agreement in force (docs/alliance/lifecycle-and-agreements.md): on no
date is a municipality a member without an agreement in force on that date. Recording "member", recording
"left" and deleting a step are refused when they would break that; signing an agreement records the
membership, terminating it records the departure (``agreements``).

Each function runs in one transaction with its audit record naming the actor (None = the system),
raises django's ValidationError with a dict naming the fields on bad input, and saves nothing then.
Callers check permissions (views and API through rules); these functions check the data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.alliance.programme import hooks
from kommunalschutz.alliance.programme.models import STAGE_ORDER, CooperationAgreement, MembershipTransition, Stage
from kommunalschutz.foundation.accounts.models import Actor, Organisation, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, day, raise_if_errors


def _target_lookup(municipality: Any, district: Any) -> dict[str, Any]:
    return {"municipality": municipality} if municipality is not None else {"district": district}


def transitions_of(municipality: Any, district: Any) -> QuerySet[MembershipTransition]:
    return MembershipTransition.objects.filter(**_target_lookup(municipality, district))


def stage_label(stage: str) -> str:
    return str(Stage(stage).label) if stage in STAGE_ORDER else stage


def step_error(previous: str | None, stage: str) -> str | None:
    """Why ``stage`` cannot follow ``previous`` (None: it can). The one rule for recording and deleting."""
    if previous is None:
        if stage == Stage.LEFT:
            return _("A municipality can only leave the alliance after it has been contacted.")
        return None
    if previous == Stage.LEFT:
        if stage != Stage.CONTACTED:
            return _("After leaving the alliance, only “contacted” can start the lifecycle again.")
        return None
    if STAGE_ORDER[stage] <= STAGE_ORDER[previous]:
        return _("The lifecycle only moves forward: “%(stage)s” cannot follow “%(current)s”.") % {
            "stage": stage_label(stage), "current": stage_label(previous)}
    return None


def agreements_in_force(municipality: Any, district: Any) -> list[tuple[dt.date, dt.date | None]]:
    """The periods [signed_on, terminated_on) in which the target's agreements were in force (None: still is)."""
    rows = CooperationAgreement.objects.filter(
        **_target_lookup(municipality, district), signed_on__isnull=False,
        status__in=[CooperationAgreement.Status.SIGNED, CooperationAgreement.Status.TERMINATED],
    ).values_list("signed_on", "terminated_on")
    return sorted((start, end) for start, end in rows if start is not None and (end is None or end > start))


def in_force_on(periods: list[tuple[dt.date, dt.date | None]], date: dt.date) -> bool:
    return any(start <= date and (end is None or end > date) for start, end in periods)


def membership_periods(history: list[tuple[dt.date, str]]) -> list[tuple[dt.date, dt.date | None]]:
    """Membership as periods [start, end) from dated steps, the one rule the figures and the map use too:
    a "left" on the day of a "member" wins, and "member" while already a member changes nothing."""
    order: dict[str, int] = {Stage.MEMBER: 0, Stage.LEFT: 1}
    periods: list[tuple[dt.date, dt.date | None]] = []
    start: dt.date | None = None
    for date, stage in sorted(((d, s) for d, s in history if s in order), key=lambda step: (step[0], order[step[1]])):
        if stage == Stage.MEMBER and start is None:
            start = date
        elif stage == Stage.LEFT and start is not None:
            if date > start:
                periods.append((start, date))
            start = None
    if start is not None:
        periods.append((start, None))
    return periods


def first_uncovered_day(history: list[tuple[dt.date, str]],
                        agreements: list[tuple[dt.date, dt.date | None]]) -> dt.date | None:
    """The first day on which the history makes the target a member without an agreement in force."""
    for start, end in membership_periods(history):
        covered_until: dt.date | None = start
        for signed, terminated in agreements:  # sorted by signing date
            if covered_until is None or (end is not None and covered_until >= end):
                break
            if signed <= covered_until and (terminated is None or terminated > covered_until):
                covered_until = terminated
        if covered_until is not None and (end is None or covered_until < end):
            return covered_until
    return None


def membership_error(municipality: Any, district: Any, history: list[tuple[dt.date, str]]) -> str | None:
    """Why this history of steps would make the target a member without an agreement in force, or None."""
    uncovered = first_uncovered_day(history, agreements_in_force(municipality, district))
    if uncovered is None:
        return None
    return _("Membership needs a cooperation agreement in force, and on %(date)s there is none. Record the "
             "signed agreement first: signing it records the membership.") % {"date": day(uncovered)}


def record_transition(
    *,
    actor: Actor,
    stage: str,
    date: dt.date,
    acting_organisation: Organisation | None,
    municipality: Any = None,
    district: Any = None,
    note: str = "",
    is_synthetic: bool = False,
    source_url: str = "",
) -> MembershipTransition:
    """Record one dated lifecycle step of a municipality or a district (exactly one of the two).

    The stage must move forward from the current one (after "left" only "contacted" restarts),
    the date may be neither before the latest step nor in the future.
    """
    errors: Errors = {}
    if (municipality is None) == (district is None):
        add_error(errors, "municipality", _("Choose either a municipality or a district."))
    if stage not in STAGE_ORDER:
        add_error(errors, "stage", _("Choose a stage of the lifecycle."))
    if not isinstance(date, dt.date):
        add_error(errors, "date", _("Enter the date of the step."))
    elif date > timezone.localdate():
        add_error(errors, "date", _("The date lies in the future; record steps when they have happened."))
    if acting_organisation is None:
        add_error(errors, "acting_organisation", _("Name the organisation that took the step."))
    raise_if_errors(errors)
    with transaction.atomic():
        target_model = type(municipality if municipality is not None else district)
        # Serialise concurrent recordings for one target, so two steps cannot both pass the order check.
        target_model.objects.select_for_update().filter(pk=(municipality or district).pk).first()
        latest = transitions_of(municipality, district).order_by("-date", "-pk").first()
        if latest is not None and date < latest.date:
            add_error(errors, "date", _("The date lies before the latest step (“%(stage)s” on %(date)s).") % {
                     "stage": latest.get_stage_display(), "date": latest.date.strftime("%d.%m.%Y")})
        problem = step_error(latest.stage if latest else None, stage)
        if problem:
            add_error(errors, "stage", problem)
        if stage == Stage.MEMBER and transitions_of(municipality, district).filter(
                stage=Stage.LEFT, date=date).exists():
            # The figures count a membership only when it began after the latest departure.
            add_error(errors, "date", _("A municipality cannot leave and become a member again on the same day."))
        if not errors and stage == Stage.LEFT and in_force_on(agreements_in_force(municipality, district), date):
            add_error(errors, "stage", _("A cooperation agreement is in force on %(date)s. A member leaves the "
                                         "alliance when its agreement ends: terminate the agreement instead.")
                      % {"date": day(date)})
        elif not errors and stage == Stage.MEMBER:
            history = [*transitions_of(municipality, district).values_list("date", "stage"), (date, stage)]
            problem = membership_error(municipality, district, history)
            if problem:
                add_error(errors, "stage", problem)
        raise_if_errors(errors)
        transition = MembershipTransition(
            municipality=municipality, district=district, stage=stage, date=date,
            acting_organisation=acting_organisation, note=note, is_synthetic=is_synthetic, source_url=source_url,
            recorded_by=actor if isinstance(actor, User) else None,
        )
        transition.full_clean()
        transition.save()
        audit.record_create(actor=actor, obj=transition, summary=f"lifecycle step {stage} on {date.isoformat()}")
    return transition


def delete_transition(*, actor: Actor, transition: MembershipTransition) -> None:
    """Remove a step recorded by mistake, unless the remaining steps would then be out of order
    or a record of another app would then lie before the first contact (``hooks.add_first_contact_guard``:
    the engagements app refuses when an engagement would)."""
    with transaction.atomic():
        municipality, district = transition.municipality, transition.district
        remaining = list(transitions_of(municipality, district).exclude(pk=transition.pk)
                         .order_by("date", "pk").values_list("stage", "date"))
        previous: str | None = None
        for stage, _date in remaining:
            if step_error(previous, stage):
                raise ValidationError({"stage": [
                    _("Deleting this step would leave the lifecycle out of order (“%(stage)s” after "
                      "“%(previous)s”). Delete the later steps first.") % {
                        "stage": stage_label(stage), "previous": stage_label(previous or "")}]})
            previous = stage
        if transition.stage == Stage.LEFT:  # only deleting a departure can lengthen a membership
            uncovered = first_uncovered_day([(date, stage) for stage, date in remaining],
                                            agreements_in_force(municipality, district))
            if uncovered is not None:
                raise ValidationError({"stage": [
                    _("Deleting this step would leave the municipality a member without a cooperation agreement "
                      "in force from %(date)s on.") % {"date": day(uncovered)}]})
        new_first_contact = remaining[0][1] if remaining else None
        problem = hooks.first_contact_problem(municipality, district, new_first_contact)
        if problem:
            raise ValidationError({"date": [problem]})
        audit.record_delete(actor=actor, obj=transition, summary="lifecycle step deleted (correction)")
        transition.delete()
