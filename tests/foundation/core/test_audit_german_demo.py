"""Every event the demo writes reads in German on the audit pages: its summary, its field labels, its time.

The demo runs most services of every wing (registry import, programme, engagements, councils, events, cases,
assessments, measures, evidence, surveys with sample, letters and answers), so its trail holds most kinds
of events as the platform really writes them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kommunalschutz.foundation.core import audit_display
from kommunalschutz.foundation.core.audit_summaries import SUMMARIES
from kommunalschutz.foundation.core.models import AuditEvent
from tests.demo.database import DemoData


def _stored_in_german() -> list[Any]:
    """Services that translate at write time stored German when the request (or the demo) spoke German."""
    with translation.override("de"):
        return [audit_display.compile_template(str(entry))[0] for entry in SUMMARIES]


def test_every_demo_event_reads_in_german(demo_db: DemoData) -> None:
    untranslated: Counter[str] = Counter()
    raw_labels: Counter[str] = Counter()
    kinds = set()
    german = _stored_in_german()
    with translation.override("de"):
        for event in AuditEvent.objects.order_by("id").iterator():
            shown = audit_display.show(event)
            kinds.add((event.action, event.object_type))
            if event.summary and not shown.summary_translated and not any(
                    template.fullmatch(part) for part in event.summary.split("; ") for template in german):
                untranslated[f"{event.object_type}: {event.summary}"] += 1
            assert "." not in shown.type_label, event.object_type  # a German noun, not "registry.municipality"
            for name in event.changes:
                if not audit_display.has_label(event.object_type, name):
                    raw_labels[f"{event.object_type}.{name}"] += 1
            assert "[secret]" not in shown.changes_text
    assert len(kinds) >= 30
    assert not untranslated, untranslated.most_common()
    assert not raw_labels, raw_labels.most_common(20)



def test_every_object_the_demo_trail_refers_to_is_named_with_one_query_per_model(demo_db: DemoData) -> None:
    """The demo's trail refers to objects of most models (coaches, processes, weighting runs read rows they
    point to for their names): one query per model for all of it, and no relation shown as a bare id."""
    events = list(AuditEvent.objects.order_by("id"))
    named, relations = set(), set()
    for event in events:
        model = audit_display._model(event.object_type)
        for name in event.changes:
            target = audit_display._related_model(model, name)
            if target is not None:
                relations.add((event.object_type, name))
                if audit_display.may_name(event.object_type, target):
                    named.add(target)
    with CaptureQueriesContext(connection) as queries, translation.override("de"):
        shown = audit_display.show_all(events)
    assert len(named) >= 8, named
    assert len(queries) <= len(named), [query["sql"] for query in queries]
    bare: Counter[str] = Counter()
    for row in shown:
        model = audit_display._model(row.event.object_type)
        for name, change in zip(row.event.changes, row.changes, strict=True):
            if audit_display._related_model(model, name) is not None and (
                    change.old.isdigit() or change.new.isdigit()):
                bare[f"{row.event.object_type}.{name}"] += 1
    assert not bare, bare.most_common()
