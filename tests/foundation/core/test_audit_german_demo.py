"""Every event the demo writes reads in German on the audit pages: its summary, its field labels, its time.

The demo runs most services of every wing (registry import, programme, engagements, councils, events, cases,
assessments, measures, evidence, surveys with sample, letters and answers), so its trail holds most kinds
of events as the platform really writes them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

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

