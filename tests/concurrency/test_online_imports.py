"""Online hate under parallel writers: the same thread imported by several people at the same moment adds
each comment once (the case row is locked while an import writes), and decisions on one comment at once
leave exactly one of them with its audit event each - never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.evidence.models import EvidenceItem
from kommunalschutz.protection.onlinehate import selectors, services
from kommunalschutz.protection.onlinehate.models import TriagedItem
from tests.concurrency.conftest import refusals, run_together, successes
from tests.conftest import World
from tests.protection.cases.conftest import make_case
from tests.protection.onlinehate.fixtures import COMMENTS, THREAD, paste_text

pytestmark = pytest.mark.django_db(transaction=True)


def _case(world: World) -> Any:
    return make_case(municipality=world.pirna, owner=world.coordinator, status="acknowledged",
                     reported_by=world.pirna_official, affected_user=world.pirna_official)


def test_the_same_thread_imported_at_once_adds_each_comment_once(world: World) -> None:
    case = _case(world)
    text = paste_text()

    outcomes = run_together(lambda _i: services.import_paste(case=case, actor=world.coordinator, text=text,
                                                             platform="Facebook", url=THREAD), writers=4)

    assert refusals(outcomes) == []
    done = successes(outcomes)
    assert sorted(thread_import.item_count if thread_import else -1 for thread_import, _outcome in done) == [
        0, 0, 0, len(COMMENTS)]
    assert EvidenceItem.objects.filter(case=case).count() == len(COMMENTS)
    assert TriagedItem.objects.filter(case=case).count() == len(COMMENTS)


def test_decisions_on_one_comment_at_once_all_land_in_order(world: World) -> None:
    case = _case(world)
    services.import_paste(case=case, actor=world.coordinator, text=paste_text(), platform="Facebook", url=THREAD)
    row = selectors.triage_rows(case, "alle")[0]
    labels = ["OFFENSE", "OTHER"]

    outcomes = run_together(lambda i: services.decide(
        triaged=row, actor=world.dresden_police, task1=labels[i % 2], task2="INSULT" if i % 2 == 0 else ""))

    assert refusals(outcomes) == []
    assert len(successes(outcomes)) == 8
    events = AuditEvent.objects.filter(object_type="onlinehate.triageditem", object_id=str(row.pk))
    assert 1 <= events.count() <= 8  # an unchanged decision records nothing
    final = TriagedItem.objects.get(pk=row.pk)
    assert final.label_task1 in labels and final.decided_by == world.dresden_police
