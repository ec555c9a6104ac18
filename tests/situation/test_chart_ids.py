"""Every chart of a report keeps ids of its own: the page and the PDF hold them all, and a clip path or a label
of one chart must never be found in another (matplotlib numbers every figure's elements alike)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest

from kommunalschutz.foundation.core.charts import prefix_ids
from kommunalschutz.situation.charts import rendered
from tests.conftest import World
from tests.situation.conftest import small_counts
from tests.situation.helpers import computed_report

pytestmark = pytest.mark.django_db
__all__ = ["small_counts"]  # the fixture this module uses

ID = re.compile(r'\bid="([^"]+)"')


def test_prefix_ids_keeps_every_reference_pointing_inside_its_chart() -> None:
    svg = ('<svg aria-labelledby="c-title c-desc"><title id="c-title">T</title><desc id="c-desc">D</desc>'
           '<clipPath id="p1"/><g clip-path="url(#p1)"><use href="#m1"/></g><path id="m1"/></svg>')
    out = prefix_ids(svg, "x")
    assert set(ID.findall(out)) == {"x-c-title", "x-c-desc", "x-p1", "x-m1"}
    assert 'aria-labelledby="x-c-title x-c-desc"' in out and "url(#x-p1)" in out and 'href="#x-m1"' in out


def test_no_id_appears_twice_among_a_reports_charts(small_counts: World) -> None:
    report = computed_report(small_counts.coordinator, dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    for content in (report.internal, report.public):
        assert content is not None
        charts = rendered(content)
        assert len(charts) >= 3
        ids = Counter(found for chart in charts.values() for found in ID.findall(chart.svg))
        assert [name for name, count in ids.items() if count > 1] == []
        for chart in charts.values():
            for reference in re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', chart.svg):
                assert (reference[0] or reference[1]) in ids
