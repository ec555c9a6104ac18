"""``kommunalschutz rebuild-figures``: rebuilds the programme figures' roll-up from the records, and with
``--check`` compares it with a full recount, exiting non-zero (in German) when they differ."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import translation

from kommunalschutz.alliance.engagements.models import Engagement, OfferType
from kommunalschutz.alliance.insights import figures
from kommunalschutz.alliance.insights.models import FigureDelta, FigureSource, PendingFigureDelta
from kommunalschutz.alliance.programme.models import Stage
from tests.alliance.insights.conftest import agreement, council, engagement, programme, step
from tests.conftest import World
from tests.german import english_in

DAY = dt.date(2023, 6, 30)


def _records(world: World) -> None:
    programme()
    step(world.pirna, Stage.CONTACTED, dt.date(2020, 1, 10))
    step(world.pirna, Stage.MEMBER, dt.date(2021, 6, 25))
    step(world.plauen, Stage.MODEL, dt.date(2020, 3, 1))
    agreement(world.pirna, dt.date(2021, 6, 25))
    engagement(world.pirna, "coaching", dt.date(2022, 2, 1))
    engagement(world.plauen, "consultation", dt.date(2022, 5, 1))
    council(world.pirna, dt.date(2020, 10, 26))


def _check() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):  # a caller that speaks English still gets German
        call_command("rebuild_figures", "--check", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _refused() -> tuple[str, str]:
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("rebuild_figures", "--check", stdout=io.StringIO(), stderr=err)
    return str(refused.value), err.getvalue()


@pytest.mark.django_db
def test_check_passes_on_the_rollup_kept_on_write(world: World) -> None:
    _records(world)
    out, _err = _check()
    assert "stimmen mit einer vollständigen Neuzählung überein" in out
    assert figures.figures_as_of(DAY).values() == {
        "member_municipalities": 1, "model_municipalities": 1, "contacted_municipalities": 2,
        "cooperation_agreements": 1, "consultations": 1, "coaching_processes": 1,
        "municipalities_with_coaching": 1, "prevention_councils": 1, "security_analyses": 0}


@pytest.mark.django_db
def test_a_corrupted_day_row_is_found_and_the_rebuild_repairs_it(world: World) -> None:
    _records(world)
    before = figures.figures_as_of(DAY)
    # The day row may still wait in PendingFigureDelta (PostgreSQL, inside the test's transaction).
    corrupted = FigureDelta.objects.filter(day=dt.date(2022, 5, 1), figure="consultations")
    if not corrupted.update(delta=F("delta") + 3):
        FigureDelta.objects.create(day=dt.date(2022, 5, 1), figure="consultations", delta=3)
    assert figures.figures_as_of(DAY).consultations == 4  # the roll-up is what figures_as_of answers from
    message, err = _refused()
    assert "unterscheiden sich an 1 Stelle(n) von einer vollständigen Neuzählung" in message
    assert "rebuild-figures" in message
    assert "Tag 2022-05-01 consultations: Zwischensumme 4, Neuzählung 1" in err
    assert not english_in(message.replace("rebuild-figures", "")), message

    out = io.StringIO()
    call_command("rebuild_figures", stdout=out)
    assert "neu aufgebaut" in out.getvalue()
    assert figures.figures_as_of(DAY) == before == figures.figures_by_recount(DAY)
    _check()


@pytest.mark.django_db
def test_records_written_past_the_signals_are_found_and_counted_by_the_rebuild(world: World) -> None:
    _records(world)
    offer = OfferType.objects.filter(kind="security_analysis").order_by("position").first()
    # bulk_create sends no signals (the bench generator's path): the roll-up misses this analysis.
    Engagement.objects.bulk_create([Engagement(municipality=world.plauen, offer_type=offer, title="Analyse",
                                               status="active", started_on=dt.date(2023, 1, 5))])
    FigureSource.objects.filter(key__startswith="c:").delete()  # and a record's stored contribution is lost
    message, err = _refused()
    assert "an 3 Stelle(n)" in message  # the analysis' day, its record, the council's record
    assert "Datensatz c:" in err
    assert figures.figures_as_of(DAY).security_analyses == 0
    call_command("rebuild_figures", stdout=io.StringIO())
    assert figures.figures_as_of(DAY).security_analyses == 1
    assert figures.figures_as_of(DAY) == figures.figures_by_recount(DAY)
    _check()


@pytest.mark.django_db
def test_rebuilding_an_empty_rollup_gives_what_was_kept_on_write(world: World) -> None:
    _records(world)
    kept = _stored()
    assert kept
    FigureDelta.objects.all().delete()
    PendingFigureDelta.objects.all().delete()
    FigureSource.objects.all().delete()
    call_command("rebuild_figures", stdout=io.StringIO())
    assert _stored() == kept
    assert not PendingFigureDelta.objects.exists()


def _stored() -> dict[tuple[dt.date, str], int]:
    stored: Counter[tuple[dt.date, str]] = Counter()
    for model in (FigureDelta, PendingFigureDelta):  # pending: PostgreSQL, before the test's (never) commit
        for day, figure, delta in model.objects.values_list("day", "figure", "delta"):
            stored[(day, figure)] += delta
    return {key: delta for key, delta in stored.items() if delta}


@pytest.mark.django_db
def test_a_database_migrated_with_records_gets_its_rollup_after_migrate(world: World) -> None:
    """The roll-up arrived by migration into databases that already held records: `migrate`'s post-migrate
    signal builds it once; an existing roll-up is left alone."""
    from django.core.management.sql import emit_post_migrate_signal

    _records(world)
    kept = _stored()
    FigureDelta.objects.all().delete()
    PendingFigureDelta.objects.all().delete()
    FigureSource.objects.all().delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert _stored() == kept
    FigureDelta.objects.filter(figure="prevention_councils").delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert _stored() != kept  # not rebuilt on every migrate: that is the check command's business
