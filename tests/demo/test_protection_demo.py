"""The protection demo follows the public figures for Saxony and gives every demo login something to do (issue 4,
item 10). The demo is the session's shared demo database (``demo_db``, tests/demo/database.py)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.utils import timezone

from kommunalschutz.demo import protection_plan as demo_plan
from kommunalschutz.demo.protection import load_protection_demo
from kommunalschutz.protection.assessments.models import ThreatAssessment
from kommunalschutz.protection.cases.models import Case, IncidentStatistic, type_bit
from kommunalschutz.protection.intake.receipts import open_anonymous_case
from kommunalschutz.protection.measures.models import Measure
from tests.demo.database import DemoData


def test_protection_demo_follows_the_police_figures(demo_db: DemoData) -> None:
    history = IncidentStatistic.objects.filter(occurred_month__year__lte=2024)
    # One record per offence the police counted against office and mandate holders in Saxony, per year.
    per_year = {target.year: history.filter(occurred_month__year=target.year).count() for target in demo_plan.YEARLY}
    assert per_year == {2019: 197, 2020: 241, 2021: 285, 2022: 309, 2023: 317, 2024: 369}
    assert not history.filter(is_synthetic=False).exists()
    # Violent offences as published: 3 in 2023, 10 in 2024.
    assault = type_bit("assault")
    for year, violent in demo_plan.VIOLENT.items():
        in_year = history.filter(occurred_month__year=year).annotate(bit=F("type_mask").bitand(assault))
        assert in_year.filter(bit=assault).count() == violent
    # Insults dominate as in the federal figures (47 % of the main types); a generous band around it.
    insult = type_bit("insult")
    share = history.annotate(bit=F("type_mask").bitand(insult)).filter(bit=insult).count() / history.count()
    assert 0.40 < share < 0.60
    # Cases closed longer ago than the retention period exist only as anonymous records.
    cutoff = timezone.now() - dt.timedelta(days=31 * 24)
    assert not Case.objects.filter(is_synthetic=True, closed_at__lt=cutoff).exists()
    assert history.filter(anonymised=True, case__isnull=True).count() > 1000
    assert history.filter(case__isnull=False).count() == Case.objects.filter(occurred_at__year__lte=2024).count()

    # The current cases: one in the intake queue, an acute one, a high assessment awaiting review, an LKA request.
    current = Case.objects.filter(occurred_at__year__gte=2025)
    assert current.count() == len(demo_plan.SHOWCASE)
    assert current.filter(status=Case.Status.NEW, owner__isnull=True, is_acute=True).count() == 1
    assert current.filter(status=Case.Status.NEW, owner__isnull=True, is_acute=False).count() == 1
    assert ThreatAssessment.objects.filter(case__in=current, state="awaiting_review", level="high").count() == 1
    assert Measure.objects.filter(case__in=current, kind="protection_request", decision="pending").count() == 1
    # The anonymous demo report opens with the receipt and passphrase the demo command prints.
    anonymous = open_anonymous_case(receipt=demo_plan.DEMO_RECEIPT, passphrase=demo_plan.DEMO_PASSPHRASE)
    assert anonymous.intake == Case.Intake.ANONYMOUS and anonymous.messages.filter(is_question=True).exists()

    # Loading again changes nothing.
    before = (IncidentStatistic.objects.count(), Case.objects.count())
    assert load_protection_demo() == {}
    assert (IncidentStatistic.objects.count(), Case.objects.count()) == before


def test_the_lka_sees_every_demo_case_with_a_protection_request(demo_db: DemoData) -> None:
    """docs/protection/data-protection.md: a protection request brings the LKA onto the case team."""
    from kommunalschutz.foundation.accounts.models import User
    from kommunalschutz.protection.cases.models import CaseEvent
    from kommunalschutz.protection.cases.selectors import visible_cases

    requested = Case.objects.filter(measures__kind="protection_request").distinct()
    granted = requested.filter(measures__decision="granted")
    assert granted.filter(is_synthetic=True, closed_at__isnull=False).count() > 10  # the history has some
    assert not requested.filter(lka_involved=False).exists()
    officer = User.objects.get(username="lka-schutz")
    assert set(requested.values_list("pk", flat=True)) <= set(visible_cases(officer).values_list("pk", flat=True))
    # The case timeline says when the LKA joined, as the live service writes it.
    assert not requested.exclude(events__kind=CaseEvent.Kind.TEAM).exists()
    # Cases without a request stay out of the LKA's sight unless it was involved otherwise.
    assert Case.objects.exclude(pk__in=requested).filter(lka_involved=True).count() == 0


def test_every_demo_official_has_an_office_that_her_own_reports_agree_with(demo_db: DemoData) -> None:
    """Issue 13, item 3: a self-report takes the role from the account's office; the demo officials have one,
    and the role of their own demo reports is that office."""
    from kommunalschutz.foundation.accounts.models import Membership, Office
    from kommunalschutz.protection.intake.steps import known_role

    officials = {m.user for m in Membership.objects.filter(role="official").select_related("user")}
    assert officials
    for official in officials:
        assert official.office in Office.values, official.username
        assert known_role(official) == official.office
        own = Case.objects.filter(affected_user=official, intake=Case.Intake.SELF)
        assert own.exists() and set(own.values_list("affected_role", flat=True)) == {official.office}
