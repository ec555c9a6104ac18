"""Fixtures of the engagements tests: contacted municipalities and one engagement of each kind.

Records are created through the services, as the demo loader and the web pages do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from kommunalschutz.alliance.engagements import analyses, common, consultations
from kommunalschutz.alliance.engagements.coaching import create_coach, create_coaching_process
from kommunalschutz.alliance.engagements.funding import create_funding_application
from kommunalschutz.alliance.engagements.models import (
    Coach,
    CoachingProcess,
    Competence,
    Consultation,
    FundingApplication,
    OfferType,
    SecurityAnalysis,
)
from kommunalschutz.alliance.programme.models import MembershipTransition, Stage
from kommunalschutz.foundation.accounts.models import Role
from tests.conftest import World
from tests.factories import MembershipFactory, UserFactory

FIRST_CONTACT = dt.date(2019, 3, 1)


def contact(world: World, *, municipality: Any = None, district: Any = None, on: dt.date = FIRST_CONTACT) -> None:
    """The first lifecycle step (a test fixture, written directly like the factories do)."""
    MembershipTransition.objects.create(municipality=municipality, district=district, stage=Stage.CONTACTED,
                                        date=on, acting_organisation=world.coordination_office)


@pytest.fixture
def contacted(world: World) -> World:
    contact(world, municipality=world.pirna)
    contact(world, municipality=world.plauen)
    return world


def offer(kind: str) -> OfferType:
    found = OfferType.objects.filter(kind=kind).order_by("position").first()
    assert found is not None
    return found


def competence(code: str) -> Competence:
    return Competence.objects.get(code=code)


def make_coach(world: World, user: Any = None, *, competences: tuple[str, ...] = ("praeventionsrat",),
               regions: tuple[Any, ...] = (), capacity: int = 3) -> Coach:
    user = user or world.coach
    if not user.memberships.filter(role=Role.COACH).exists():
        MembershipFactory.create(user=user, organisation=world.coaching_institute, role=Role.COACH)
    return create_coach(actor=world.coordinator, user=user, institute=world.coaching_institute,
                                  competences=[competence(c) for c in competences], regions=list(regions),
                                  capacity=capacity)


def other_coach(world: World, username: str = "other-coach", **kwargs: Any) -> Coach:
    return make_coach(world, UserFactory.create(username=username), **kwargs)


def consultation(world: World, municipality: Any = None, *, on: dt.date = dt.date(2021, 5, 4),
                 title: str = "Beratung zur Allianz") -> Consultation:
    return consultations.create_consultation(actor=world.coordinator, municipality=municipality or world.pirna,
                                             title=title, started_on=on, topics="Präventionsrat, Förderung")


def coaching(world: World, coach: Coach, municipality: Any = None, *, on: dt.date = dt.date(2021, 6, 1),
             title: str = "Coaching Präventionsrat") -> CoachingProcess:
    return create_coaching_process(actor=world.coordinator, municipality=municipality or world.pirna,
                                   title=title, started_on=on, coach=coach, goals="Einen KPR gründen",
                                   needs=[competence("praeventionsrat")])


def analysis(world: World, municipality: Any = None, *, on: dt.date = dt.date(2022, 1, 10)) -> SecurityAnalysis:
    return analyses.create_security_analysis(actor=world.coordinator, municipality=municipality or world.pirna,
                                             title="Sicherheitsanalyse", started_on=on,
                                             contractor=world.analysis_contractor, sample_size=1000)


def funding(world: World, prior: Consultation, *, municipality: Any = None, **overrides: Any) -> FundingApplication:
    values: dict[str, Any] = {
        "actor": world.coordinator, "municipality": municipality or world.pirna, "funding_year": 2022,
        "project_title": "Sicherer Bahnhofsvorplatz", "total_costs": Decimal("20000"),
        "requested_amount": Decimal("18000"), "in_kind_contribution": Decimal("500"),
        "submitted_on": dt.date(2021, 9, 15), "prior_consultation": prior,
        "problem_description": "Vandalismus am Bahnhof",
    }
    values.update(overrides)
    return create_funding_application(**values)


@dataclass
class Kinds:
    consultation: Consultation
    coaching: CoachingProcess
    analysis: SecurityAnalysis
    funding: FundingApplication
    general: Any


@pytest.fixture
def pirna_engagements(contacted: World) -> Kinds:
    """One engagement of each kind for Pirna, the coaching process with the `coach` persona."""
    world = contacted
    prior = consultation(world)
    return Kinds(
        consultation=prior,
        coaching=coaching(world, make_coach(world)),
        analysis=analysis(world),
        funding=funding(world, prior),
        general=common.create_engagement(actor=world.coordinator, offer_type=offer("general"),
                                         municipality=world.pirna, title="Fachkraft für Kriminalprävention",
                                         started_on=dt.date(2021, 2, 1)),
    )
