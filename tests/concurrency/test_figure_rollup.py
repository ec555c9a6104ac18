"""Writers in parallel threads, each with its own database connection and transaction, leave the figures'
roll-up equal to a full recount, without a deadlock (decision 0032: per-source locks taken by key, day rows
by a fixed order). On PostgreSQL the writers truly overlap; on SQLite (a file database shared by the
threads, tests/concurrency/conftest.py) they queue at BEGIN IMMEDIATE, as the platform's workers do."""

from __future__ import annotations

import datetime as dt
import random
import threading
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from kommunalschutz.alliance.councils.models import PreventionCouncil
from kommunalschutz.alliance.engagements.models import Engagement
from kommunalschutz.alliance.insights import figures, rollup
from kommunalschutz.alliance.insights.models import FigureDelta, PendingFigureDelta
from kommunalschutz.alliance.programme.models import CooperationAgreement, MembershipTransition, Stage
from tests.alliance.insights.conftest import agreement, council, engagement, programme, step
from tests.conftest import World

THREADS = 4
ROUNDS = 40
# Few days and two municipalities: the writers meet on the same day rows and the same sources.
DAYS = [dt.date(2021, 1, 4) + dt.timedelta(days=7 * i) for i in range(4)]


def _round(rng: random.Random, targets: list[Any]) -> None:
    """One transaction as a service writes it: an agreement before the municipality's steps, engagements
    with their municipality, a council; sometimes an edit or a deletion of an earlier record."""
    target = rng.choice(targets)
    day = rng.choice(DAYS)
    choice = rng.randrange(5)
    if choice == 0:
        agreement(target, day, status="signed")
        step(target, Stage.MEMBER, day)
    elif choice == 1:
        step(target, rng.choice([Stage.CONTACTED, Stage.MODEL, Stage.LEFT]), day)
        engagement(target, rng.choice(["coaching", "consultation", "security_analysis"]), day)
    elif choice == 2:
        council(target, day, dissolved_on=day + dt.timedelta(days=rng.randrange(1, 30)))
    elif choice == 3:
        found = Engagement.objects.filter(municipality=target).order_by("?").first()
        if found is not None:
            found.status = rng.choice(["cancelled", "active"])
            found.started_on = rng.choice(DAYS)
            found.save()
        for terminated in CooperationAgreement.objects.filter(municipality=target, status="signed")[:1]:
            terminated.status, terminated.terminated_on = "terminated", day + dt.timedelta(days=3)
            terminated.save()
    else:
        found_step = MembershipTransition.objects.filter(municipality=target).order_by("?").first()
        if found_step is not None:
            found_step.delete()
        council_found = PreventionCouncil.objects.filter(municipality=target).order_by("?").first()
        if council_found is not None:
            council_found.delete()


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_leave_the_rollup_equal_to_a_recount(world: World) -> None:
    programme()
    targets = [world.pirna, world.plauen]
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            start.wait()
            for _ in range(ROUNDS):
                try:
                    with transaction.atomic():
                        _round(rng, targets)
                except IntegrityError:
                    pass  # a second open council refused: rolled back with its roll-up changes
        except BaseException as exc:  # reported below, deadlocks above all
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert MembershipTransition.objects.exists() and Engagement.objects.exists()
    assert not PendingFigureDelta.objects.exists()  # every commit folded its deltas into the day rows
    assert FigureDelta.objects.exists()
    assert rollup.check() == []
    for day in [*DAYS, *(d + dt.timedelta(days=3) for d in DAYS), dt.date(2030, 1, 1)]:
        assert figures.figures_as_of(day) == figures.figures_by_recount(day)
