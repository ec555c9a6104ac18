"""The national benchmark's data generator, at a tiny scale on the test database (no timings)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Min

from bench.alliance.generator import (
    END,
    GV100AD_FILE,
    NATIONAL,
    START,
    GenerationError,
    build_registry,
    data_dir,
    generate,
    read_gazetteer,
)
from kommunalschutz.alliance.councils.models import PreventionCouncil
from kommunalschutz.alliance.engagements.models import Engagement, FundingApplication
from kommunalschutz.alliance.insights.figures import figures_as_of, figures_series
from kommunalschutz.alliance.programme.models import CooperationAgreement, MembershipTransition
from kommunalschutz.foundation.registry.models import District, Municipality

TINY = 0.005  # every 200th municipality: about 55, with a few hundred alliance records


class _Rollback(Exception):
    pass


def _fingerprint() -> tuple[Any, ...]:
    return (
        list(MembershipTransition.objects.order_by("municipality__ags", "district__ags", "date", "stage")
             .values_list("municipality__ags", "district__ags", "stage", "date")),
        # Ordered by every compared column: two engagements may share all but their status (a tie PostgreSQL
        # returns in either order).
        list(Engagement.objects.order_by("municipality__ags", "district__ags", "started_on", "offer_type__code",
                                         "status")
             .values_list("municipality__ags", "district__ags", "offer_type__code", "started_on", "status")),
        list(Municipality.objects.order_by("ags").values_list("ags", "boundary")),
    )


def _generated_fingerprint() -> tuple[Any, ...]:
    try:
        with transaction.atomic():
            generate(fraction=TINY)
            fingerprint = _fingerprint()
            raise _Rollback
    except _Rollback:
        return fingerprint


def test_registry_rows_cover_every_german_municipality() -> None:
    gazetteer = read_gazetteer(data_dir() / GV100AD_FILE)
    registry = build_registry(gazetteer, gazetteer.municipalities, seed=1)

    assert (len(gazetteer.lands), len(gazetteer.districts)) == (NATIONAL["lands"], NATIONAL["districts"]) == (16, 400)
    assert len(registry.municipalities) == NATIONAL["municipalities"] == 10_953
    assert len(registry.directorates) == 16
    assert all(len(m.ags) == 8 and m.ags.isdigit() and m.boundary and m.district.ags == m.ags[:5]
               for m in registry.municipalities)
    # Three unincorporated areas lie outside every district; they get placeholder districts.
    outside = [m for m in registry.municipalities if m.ags[:5] not in gazetteer.districts]
    assert len(outside) == 3 and all(m.kind == "gemeindefreies Gebiet, unbewohnt" for m in outside)
    assert len(registry.districts) == 402
    assert all(len(key) == 5 and key.isdigit() and district.boundary for key, district in registry.districts.items())


@pytest.mark.django_db
def test_generator_writes_the_counted_rows_all_synthetic() -> None:
    report = generate(fraction=TINY)
    expected = len(read_gazetteer(data_dir() / GV100AD_FILE).municipalities[::200])

    assert report.counts["registry.Municipality"] == Municipality.objects.count() == expected
    assert report.counts["registry.District"] == District.objects.count() == len(
        {ags[:5] for ags in Municipality.objects.values_list("ags", flat=True)})
    assert not Municipality.objects.filter(boundary__isnull=True).exists()
    assert report.counts["alliance.MembershipTransition"] == MembershipTransition.objects.count() > 0
    assert report.counts["engagements.Engagement"] == Engagement.objects.count() > 0
    assert report.alliance_records == (MembershipTransition.objects.count() + CooperationAgreement.objects.count()
                                       + Engagement.objects.count() + PreventionCouncil.objects.count())
    for model in (MembershipTransition, CooperationAgreement, Engagement, PreventionCouncil):
        assert not model.objects.filter(is_synthetic=False).exists(), model


@pytest.mark.django_db
def test_generated_records_keep_the_services_rules() -> None:
    generate(fraction=TINY)
    first_contact = dict(MembershipTransition.objects.filter(municipality__isnull=False)
                         .values_list("municipality").annotate(first=Min("date")).values_list("municipality", "first"))

    for municipality_id, started_on in Engagement.objects.filter(municipality__isnull=False).values_list(
            "municipality", "started_on"):
        assert first_contact[municipality_id] <= started_on <= END
    for application in FundingApplication.objects.select_related("engagement", "prior_consultation__engagement"):
        prior = application.prior_consultation.engagement
        assert prior.started_on <= application.submitted_on
        assert (prior.municipality_id, prior.district_id) == (application.engagement.municipality_id,
                                                              application.engagement.district_id)
        assert dt.date(application.submitted_on.year, 8, 31) <= application.submitted_on <= dt.date(
            application.submitted_on.year, 10, 15)


@pytest.mark.django_db
def test_figures_on_generated_data_are_plausible() -> None:
    generate(fraction=TINY)
    before = figures_as_of(START - dt.timedelta(days=1))
    end = figures_as_of(END)

    assert all(value == 0 for value in before.values().values())
    assert 0 < end.member_municipalities <= end.contacted_municipalities
    assert end.model_municipalities <= end.contacted_municipalities
    assert end.cooperation_agreements > 0
    assert end.consultations > end.coaching_processes > 0
    assert 0 < end.municipalities_with_coaching <= min(end.coaching_processes, end.contacted_municipalities)
    assert end.prevention_councils > 0
    assert end.security_analyses > 0
    # The two ways of computing the figures agree on this data too.
    middle = START + (END - START) / 2
    assert figures_series([middle, END]) == [figures_as_of(middle), end]


@pytest.mark.django_db
def test_generator_is_deterministic() -> None:
    assert _generated_fingerprint() == _generated_fingerprint()


@pytest.mark.django_db
def test_generator_refuses_a_database_with_a_registry() -> None:
    generate(fraction=TINY)
    counts = (Municipality.objects.count(), Engagement.objects.count())

    with pytest.raises(GenerationError):
        generate(fraction=TINY)
    assert (Municipality.objects.count(), Engagement.objects.count()) == counts
