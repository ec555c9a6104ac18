"""The membership lifecycle: recording a municipality's (or district's) dated steps and deleting one
recorded by mistake. Apps whose records follow the first contact guard the deletion (``hooks``).

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
from kommunalschutz.alliance.programme.models import STAGE_ORDER, MembershipTransition, Stage
from kommunalschutz.foundation.accounts.models import Actor, Organisation, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, raise_if_errors


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
        new_first_contact = remaining[0][1] if remaining else None
        problem = hooks.first_contact_problem(municipality, district, new_first_contact)
        if problem:
            raise ValidationError({"date": [problem]})
        audit.record_delete(actor=actor, obj=transition, summary="lifecycle step deleted (correction)")
        transition.delete()
