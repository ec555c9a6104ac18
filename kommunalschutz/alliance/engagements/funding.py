"""Funding applications: the guideline's checks, the decision and the report on the use of funds.

Each write runs in one transaction with its audit events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.alliance.engagements.common import (
    audit_created,
    check_new_core,
    default_offer,
    new_engagement,
    update_engagement,
)
from kommunalschutz.alliance.engagements.models import (
    BeccariaSteps,
    Consultation,
    Engagement,
    FundingApplication,
    OfferType,
)
from kommunalschutz.foundation.accounts.models import Actor, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, day, raise_if_errors
from kommunalschutz.foundation.registry.models import District, Municipality

# Funding guideline: the municipality pays at least 10 % of the eligible costs; applications are
# accepted from 31 August to 15 October of the year before the funding year.
MIN_OWN_SHARE = Decimal("0.10")
WINDOW_OPENS = (8, 31)
WINDOW_CLOSES = (10, 15)
CENT = Decimal("0.01")


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
    *, actor: Actor, funding_year: int, project_title: str, total_costs: Decimal | int | str,
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
    offer_type = offer_type or default_offer(OfferType.Kind.FUNDING)
    title = title.strip() or project_title.strip()
    errors: Errors = {}
    check_new_core(offer_type=offer_type, kind=OfferType.Kind.FUNDING, title=title, started_on=submitted_on,
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
        engagement = new_engagement(
            offer_type=offer_type, title=title, started_on=submitted_on, municipality=municipality,
            district=district, status=status, owner=owner, ended_on=None, notes=notes,
            is_synthetic=is_synthetic, source_url=source_url)
        application = FundingApplication.objects.create(
            engagement=engagement, funding_year=funding_year, project_title=project_title.strip(),
            total_costs=total, requested_amount=requested, in_kind_contribution=in_kind,
            submitted_on=submitted_on, prior_consultation=prior_consultation, **steps)
        audit_created(actor, engagement, application)
    return application


def update_funding_application(
    *, actor: Actor, application: FundingApplication, funding_year: int, project_title: str,
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
    *, actor: Actor, application: FundingApplication, decision: str, decided_on: dt.date | None,
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
    *, actor: Actor, application: FundingApplication, report: str, submitted_on: dt.date | None,
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
