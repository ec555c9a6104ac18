"""The demo data meets the published figures exactly, computed from the records (issue 3, item 8).

The demo is the session's shared demo database (``demo_db``, tests/demo/database.py); only the check that a
second run changes nothing loads it again.
"""

from __future__ import annotations

import datetime as dt

from kommunalschutz.alliance.councils.models import PreventionCouncil
from kommunalschutz.alliance.engagements.models import Engagement
from kommunalschutz.alliance.insights.figures import figures_as_of, figures_series
from kommunalschutz.alliance.programme.models import CooperationAgreement, MembershipTransition, Stage
from kommunalschutz.demo.loader import load_demo
from tests.demo.database import DemoData

PRESS_RELEASE = {  # 27 Feb 2024
    "member_municipalities": 56, "consultations": 144, "coaching_processes": 50, "prevention_councils": 41,
    "security_analyses": 26, "model_municipalities": 8,
}
NOVEMBER_2021 = {  # asskomm.sachsen.de, "ASSKomm-Standorte"
    "contacted_municipalities": 126, "cooperation_agreements": 29, "municipalities_with_coaching": 32,
    "model_municipalities": 8, "prevention_councils": 28,  # 26 towns and municipalities + 2 districts
}
JUNE_2021 = {"prevention_councils": 21, "security_analyses": 16}  # Torgau joins (lpr.sachsen.de)


def test_demo_figures_equal_the_published_ones(demo_db: DemoData) -> None:
    as_of_press = figures_as_of(dt.date(2024, 2, 27)).values()
    assert {name: as_of_press[name] for name in PRESS_RELEASE} == PRESS_RELEASE
    as_of_nov = figures_as_of(dt.date(2021, 11, 30)).values()
    assert {name: as_of_nov[name] for name in NOVEMBER_2021} == NOVEMBER_2021
    as_of_june = figures_as_of(dt.date(2021, 6, 25)).values()
    assert {name: as_of_june[name] for name in JUNE_2021} == JUNE_2021
    assert PreventionCouncil.objects.filter(district__isnull=False, established_on__lte="2021-11-30").count() == 2

    # "über 100 Kommunen beraten" by June 2021, and Seifhennersdorf was the 100th, on 18 Jan 2021.
    consulted = MembershipTransition.objects.filter(stage=Stage.CONSULTED, municipality__isnull=False)
    assert consulted.filter(date__lt="2021-01-18").count() == 99
    assert list(consulted.filter(date="2021-01-18").values_list("municipality__name", flat=True)) == [
        "Seifhennersdorf, Stadt"]
    assert consulted.filter(date__lte="2021-06-25").count() > 100

    # The real dated facts are kept as published, with their sources; all else is marked synthetic.
    signed = dict(CooperationAgreement.objects.filter(is_synthetic=False).values_list("municipality__ags", "signed_on"))
    assert signed == {
        "14626110": dt.date(2020, 7, 1), "14524330": dt.date(2020, 10, 26), "14628270": dt.date(2020, 11, 5),
        "14730310": dt.date(2021, 6, 25), "14626010": dt.date(2021, 9, 10), "14626600": dt.date(2021, 9, 10),
        "14628060": dt.date(2021, 11, 1), "14628050": dt.date(2023, 3, 1),
    }
    assert all(CooperationAgreement.objects.filter(is_synthetic=False).values_list("source_url", flat=True))
    models = MembershipTransition.objects.filter(stage=Stage.MODEL)
    assert set(models.values_list("municipality__name", flat=True)) == {
        "Chemnitz, Stadt", "Freital, Stadt", "Görlitz, Stadt, Hochschulstadt", "Leipzig, Stadt", "Pirna, Stadt",
        "Plauen, Stadt, Hochschulstadt", "Wurzen, Stadt", "Zwickau, Stadt, Hochschulstadt"}
    assert set(models.values_list("date", flat=True)) == {dt.date(2019, 2, 6)}
    assert not models.filter(is_synthetic=True).exists()
    assert Engagement.objects.filter(is_synthetic=False).count() == 1  # the 100th consultation (Seifhennersdorf)
    # Bannewitz was the 4th member in Sächsische Schweiz-Osterzgebirge.
    soe = CooperationAgreement.objects.filter(municipality__district__ags="14628", signed_on__lte="2023-03-01")
    assert soe.count() == 4

    # The series agrees with the single-date query on the published dates.
    dates = [dt.date(2021, 6, 25), dt.date(2021, 11, 30), dt.date(2024, 2, 27)]
    assert [f.values() for f in figures_series(dates)] == [figures_as_of(d).values() for d in dates]

    # A second run changes nothing.
    before = MembershipTransition.objects.count(), Engagement.objects.count()
    load_demo(force=True)
    assert (MembershipTransition.objects.count(), Engagement.objects.count()) == before


def test_demo_members_are_exactly_the_municipalities_with_an_agreement_in_force(demo_db: DemoData) -> None:
    """The map's legend says "Mitglied mit Kooperationsvereinbarung": on every date the figures can report
    (each month's end since the programme began and every day a step or an agreement changed), the
    members are exactly the municipalities with a cooperation agreement in force (issue 12, item 8)."""
    from django.db.models import Q
    from django.utils import timezone

    from kommunalschutz.alliance.programme.selectors import members_on

    today = timezone.localdate()
    dates = {dt.date(year, month, 1) - dt.timedelta(days=1) for year in range(2019, today.year + 1)
             for month in range(1, 13) if dt.date(year, month, 1) <= today}
    steps = MembershipTransition.objects.filter(stage__in=[Stage.MEMBER, Stage.LEFT])
    dates |= set(steps.values_list("date", flat=True))
    for signed, terminated in CooperationAgreement.objects.values_list("signed_on", "terminated_on"):
        dates |= {d for d in (signed, terminated) if d is not None}
    dates |= {dt.date(2021, 11, 30), dt.date(2024, 2, 27), today}
    for date in sorted(dates):
        members = set(members_on(date).values_list("pk", flat=True))
        in_force = set(CooperationAgreement.objects.filter(
            municipality__isnull=False, signed_on__lte=date,
            status__in=[CooperationAgreement.Status.SIGNED, CooperationAgreement.Status.TERMINATED],
        ).filter(Q(terminated_on__isnull=True) | Q(terminated_on__gt=date)).values_list("municipality", flat=True))
        assert members == in_force, date
        figures = figures_as_of(date)
        assert figures.member_municipalities == figures.cooperation_agreements == len(members), date
    # The one member that left did so by ending its agreement, on the same day.
    [left] = MembershipTransition.objects.filter(stage=Stage.LEFT)
    assert CooperationAgreement.objects.get(municipality=left.municipality).terminated_on == left.date
