"""The "only one" rules of the alliance under concurrency: each lifecycle step once, "signed" and "member"
once however many agreements of one municipality are signed at once, catalogue names and codes once, a
person once in the coach pool, one evaluation per success condition. Refusals are German, never a 500."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kommunalschutz.alliance.engagements import offers
from kommunalschutz.alliance.engagements.coaching import close_coaching_process, create_coach, create_competence
from kommunalschutz.alliance.engagements.models import (
    Coach,
    CoachingEvaluation,
    Competence,
    Fulfilment,
    OfferType,
    SuccessCondition,
)
from kommunalschutz.alliance.programme import agreements
from kommunalschutz.alliance.programme.models import CooperationAgreement, MembershipTransition, Stage
from kommunalschutz.foundation.core.roles import Role
from tests.alliance.engagements.conftest import coaching, contact, make_coach
from tests.alliance.programme.conftest import draft, step
from tests.concurrency.conftest import Outcome, refusals, results, run_together, successes
from tests.conftest import World
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _one_success_and_refusals(outcomes: list[Outcome[Any]], field: str) -> list[str]:
    assert len(successes(outcomes)) == 1, outcomes
    return refusals(outcomes, field)


def test_a_lifecycle_step_is_recorded_once(world: World) -> None:
    step(world, Stage.CONTACTED, dt.date(2021, 1, 4))

    outcomes = run_together(lambda _i: step(world, Stage.CONSULTED, dt.date(2021, 2, 1)))

    assert len(_one_success_and_refusals(outcomes, "stage")) == 7
    assert MembershipTransition.objects.filter(municipality=world.pirna, stage=Stage.CONSULTED).count() == 1


def test_agreements_signed_at_once_record_signed_and_member_once(world: World) -> None:
    step(world, Stage.CONTACTED, dt.date(2021, 1, 4))
    drafts = [draft(world, title=f"Kooperationsvereinbarung {i}") for i in range(4)]

    signed = results(run_together(lambda i: agreements.sign_agreement(
        actor=world.coordinator, agreement=drafts[i], signed_on=dt.date(2021, 6, 25)), 4))

    assert {agreement.status for agreement in signed} == {CooperationAgreement.Status.SIGNED}
    stages = list(MembershipTransition.objects.filter(municipality=world.pirna).order_by("date", "pk")
                  .values_list("stage", flat=True))
    assert stages == [Stage.CONTACTED, Stage.AGREEMENT_SIGNED, Stage.MEMBER]


def test_a_competence_code_is_taken_once(world: World) -> None:
    outcomes = run_together(lambda i: create_competence(actor=world.coordinator, code="krisenkommunikation",
                                                        name=f"Krisenkommunikation {i}"))

    refusals = _one_success_and_refusals(outcomes, "code")
    assert set(refusals) == {"Eine Kompetenz mit diesem Kürzel gibt es bereits."}, refusals
    assert Competence.objects.filter(code="krisenkommunikation").count() == 1


def test_an_offer_name_is_taken_once_in_any_spelling(world: World) -> None:
    # ASCII letters: SQLite folds the case of ASCII only (docs/decisions/0013).
    names = ["Nachbarschaftsdialog", "NACHBARSCHAFTSDIALOG", "nachbarschaftsdialog", "Nachbarschaftsdialog"] * 2
    outcomes = run_together(lambda i: offers.create_offer_type(actor=world.coordinator, code=f"dialog-{i}",
                                                               name=names[i]))

    assert len(_one_success_and_refusals(outcomes, "name")) == 7
    assert OfferType.objects.filter(name__iexact="nachbarschaftsdialog").count() == 1


def test_a_person_joins_the_coach_pool_once(world: World) -> None:
    user = UserFactory.create(username="neuer-coach")
    MembershipFactory.create(user=user, organisation=world.coaching_institute, role=Role.COACH)

    outcomes = run_together(lambda _i: create_coach(actor=world.coordinator, user=user,
                                                    institute=world.coaching_institute))

    refusals = _one_success_and_refusals(outcomes, "user")
    assert set(refusals) == {"Diese Person ist bereits im Coach-Pool."}, refusals
    assert Coach.objects.filter(user=user).count() == 1


def test_closing_a_coaching_process_at_once_keeps_one_evaluation_per_condition(world: World) -> None:
    contact(world, municipality=world.pirna)
    process = coaching(world, make_coach(world))
    ratings = [Fulfilment.MET, Fulfilment.PARTLY, Fulfilment.NOT_MET]

    results(run_together(lambda i: close_coaching_process(
        actor=world.coordinator, process=process, closed_on=dt.date(2022, 3, 1), summary=f"Abschluss {i}",
        evaluations=dict.fromkeys(SuccessCondition.values, (ratings[i % 3], f"Bewertung {i}")))))

    rows = CoachingEvaluation.objects.filter(process=process)
    assert rows.count() == len(SuccessCondition.values)
    assert len({row.comment for row in rows}) == 1  # all from one closing, not a mixture
