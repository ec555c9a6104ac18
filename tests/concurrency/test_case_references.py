"""Case numbers: parallel intakes each get their own number, consecutive within the year, never a 500."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.intake import reporting
from kommunalschutz.protection.intake.receipts import open_anonymous_case
from tests.concurrency.conftest import results, run_together
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASS = "ein langer Satz als Passphrase"


def _report(world: Any) -> dict[str, Any]:
    return {
        "description": "Ein Drohbrief lag im Briefkasten des Rathauses.",
        "incident_types": ["threat"], "occurred_at": timezone.now() - dt.timedelta(days=1),
        "municipality": world.pirna.pk, "place": "office", "channel": "letter", "affected_role": "mayor",
        "politically_motivated": "yes", "urgency": "medium",
    }


def _numbers(references: list[str]) -> list[int]:
    return sorted(int(reference.split("-", 1)[1]) for reference in references)


def test_parallel_reports_get_distinct_consecutive_numbers(world: Any) -> None:
    data = _report(world)

    def report(_i: int) -> list[str]:
        return [reporting.create_case(actor=world.pirna_official, data=data, intake="self").reference
                for _round in range(3)]

    references = [ref for batch in results(run_together(report)) for ref in batch]
    year = timezone.now().year
    assert all(reference.startswith(f"{year}-") for reference in references)
    assert _numbers(references) == list(range(1, 25))
    assert Case.objects.count() == 24


def test_numbering_continues_after_numbers_taken_outside_the_allocator(world: Any) -> None:
    """A case stored with a number of its own (import, demo) is not handed out again."""
    year = timezone.now().year
    CaseFactory.create(reference=f"{year}-000041", municipality=world.pirna)
    data = _report(world)
    references = results(run_together(
        lambda _i: reporting.create_case(actor=world.pirna_official, data=data, intake="self").reference))
    assert _numbers(references) == list(range(42, 50))


def test_a_deleted_case_number_is_not_given_again(world: Any) -> None:
    data = _report(world)
    first = results(run_together(
        lambda _i: reporting.create_case(actor=world.pirna_official, data=data, intake="self").reference, 4))
    Case.objects.filter(reference=max(first)).delete()  # as retention deletes a case
    later = reporting.create_case(actor=world.pirna_official, data=data, intake="self").reference
    assert _numbers([later]) == [5]


def test_parallel_anonymous_reports_each_get_a_case_number_and_a_working_receipt(world: Any) -> None:
    cache.clear()
    data = _report(world)
    pairs = results(run_together(
        lambda _i: reporting.submit_anonymous(data=data, passphrase=PASS, passphrase_repeat=PASS)))
    assert _numbers([case.reference for case, _receipt in pairs]) == list(range(1, 9))
    receipts = [receipt for _case, receipt in pairs]
    assert len(set(receipts)) == 8
    for case, receipt in pairs:
        assert open_anonymous_case(receipt=receipt, passphrase=PASS).pk == case.pk


def test_parallel_posts_to_the_public_api_all_get_a_receipt(world: Any) -> None:
    """The measured failure of issue 12: concurrent anonymous API reports answered 500 on PostgreSQL."""
    cache.clear()
    data = _report(world)
    body = {**data, "occurred_at": data["occurred_at"].isoformat(), "municipality_ags": world.pirna.ags,
            "passphrase": PASS, "passphrase_repeat": PASS}
    del body["municipality"]

    def post(_i: int) -> tuple[int, dict[str, Any]]:
        response = Client().post("/api/v1/public/reports", body, content_type="application/json")
        return response.status_code, response.json()

    answers = results(run_together(post))
    assert [status for status, _body in answers] == [201] * 8, answers
    assert len({answer["receipt"] for _status, answer in answers}) == 8
    assert _numbers(list(Case.objects.values_list("reference", flat=True))) == list(range(1, 9))
