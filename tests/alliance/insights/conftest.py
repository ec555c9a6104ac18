"""Helpers that write alliance records directly (fixtures, not user actions) for the insights tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from kommunalschutz.alliance.engagements.models import Engagement, OfferType
from kommunalschutz.alliance.insights import charts, selectors
from kommunalschutz.alliance.programme.models import MembershipTransition, Programme
from kommunalschutz.foundation.accounts.models import Organisation
from kommunalschutz.foundation.registry import geo
from tests.factories import AgreementFactory, CouncilFactory, EngagementFactory, OrganisationFactory

START = dt.date(2019, 2, 6)


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    charts.clear_cache()
    geo.clear_local_cache()
    selectors._layers.clear()
    yield
    charts.clear_cache()
    geo.clear_local_cache()
    selectors._layers.clear()


def office() -> Organisation:
    found = Organisation.objects.filter(kind=Organisation.Kind.COORDINATION_OFFICE).first()
    return found or OrganisationFactory.create(kind=Organisation.Kind.COORDINATION_OFFICE, name="Koordinierungsstelle")


def programme() -> Programme:
    return Programme.objects.get_or_create(code="asskomm", defaults={
        "name": "Allianz Sichere Sächsische Kommunen", "started_on": START})[0]


def step(target: Any, stage: str, date: dt.date, **extra: Any) -> MembershipTransition:
    field = "municipality" if target._meta.model_name == "municipality" else "district"
    return MembershipTransition.objects.create(**{field: target}, stage=stage, date=date,
                                               acting_organisation=office(), **extra)


def engagement(target: Any, kind: str, started_on: dt.date, **extra: Any) -> Engagement:
    field = "municipality" if target._meta.model_name == "municipality" else "district"
    # Migration 0002 seeds the offer types; a transactional test's flush removes them again.
    offer = OfferType.objects.filter(kind=kind).order_by("position").first() or OfferType.objects.create(
        code=f"test-{kind}", name=f"Test {kind}", kind=kind)
    extra.setdefault(field, target)
    if field == "district":
        extra["municipality"] = None
    return EngagementFactory.create(offer_type=offer, started_on=started_on, **extra)


def agreement(target: Any, signed_on: dt.date | None, **extra: Any) -> Any:
    if target._meta.model_name == "municipality":
        return AgreementFactory.create(municipality=target, signed_on=signed_on, **extra)
    return AgreementFactory.create(municipality=None, district=target, title=f"KV {target.name}", signed_on=signed_on,
                                   **extra)


def council(target: Any, established_on: dt.date, **extra: Any) -> Any:
    if target._meta.model_name == "municipality":
        return CouncilFactory.create(municipality=target, established_on=established_on, **extra)
    return CouncilFactory.create(municipality=None, district=target, name=f"Präventionsrat {target.name}",
                                 established_on=established_on, **extra)
