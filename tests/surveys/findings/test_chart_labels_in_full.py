"""Report and results charts never cut a label: rendered with the demo's longest labels (the item bank's
longest questions, the offences, the German axis labels), every label stands in full in the SVG, as
lines of its own, and every line's estimated width fits the viewBox (decision 0023)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from kommunalschutz.foundation.core.charts import text_width
from kommunalschutz.surveys.findings import charts, report
from kommunalschutz.surveys.findings.crime import OFFENCE_NAMES
from kommunalschutz.surveys.projects.item_bank import ITEMS
from kommunalschutz.surveys.projects.models import Item

_TEXT = re.compile(r"<text([^>]*)>(.*?)</text>", re.S)
_ATTR = re.compile(r'([a-z-]+)="([^"]*)"')


def _texts(svg: str) -> list[tuple[str, float, float, str]]:
    """(text, left, right, anchor) of every text element, by the same width estimate as the layout."""
    found = []
    for attributes, body in _TEXT.findall(svg):
        attrs = dict(_ATTR.findall(attributes))
        content = re.sub(r"<[^>]+>", "", body)
        content = content.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&#x27;", "'")
        size = float(attrs["font-size"].removesuffix("px"))
        if "x" in attrs:
            x = float(attrs["x"])
        else:
            match = re.search(r"translate\(([-0-9.e]+)[ ,]", attrs.get("transform", ""))
            assert match, attributes
            x = float(match.group(1))
        anchor = attrs.get("text-anchor", "start")
        width = text_width(content, size)
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        found.append((content, left, left + width, anchor))
    return found


def _view_width(svg: str) -> float:
    match = re.search(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', svg)
    assert match
    return float(match.group(1))


def _assert_in_full(svg: str, labels: list[str]) -> None:
    texts = _texts(svg)
    width = _view_width(svg)
    for content, left, right, _anchor in texts:
        assert left >= 0 and right <= width, f"{content!r} runs out of the chart: {left:.1f}..{right:.1f} of {width}"
    contents = [t[0] for t in texts]
    for label in labels:
        words = " ".join(label.split())
        joined = [" ".join(contents[i:j]) for i in range(len(contents))
                  for j in range(i + 1, min(i + 6, len(contents)) + 1)]
        assert words in joined, f"label not in full in the chart: {label!r}"


def _longest_scale_items(count: int = 6) -> list[str]:
    texts = sorted((item.de for item in ITEMS if item.kind == Item.Kind.SCALE), key=len, reverse=True)
    return texts[:count]


@pytest.fixture(autouse=True)
def _german() -> Any:
    with translation.override("de"):
        yield


def test_the_report_means_chart_shows_the_longest_questions_in_full() -> None:
    labels = _longest_scale_items()
    assert max(map(len, labels)) > 60  # the old chart cut them at 60 characters
    chart = report.interval_chart(labels, [2.1] * len(labels), [1.9] * len(labels), [2.3] * len(labels),
                                  chart_id="t-means", title="t", description="d", share=False)
    axis = "Mittelwert (1 = positivster, 5 = negativster Wert; mit 95-%-Konfidenzintervall)"
    _assert_in_full(chart.svg, [*labels, axis])


def test_the_share_chart_keeps_its_axis_label_in_full() -> None:
    labels = ["Gemeinde insgesamt", "Ortsteil mit einem sehr langen amtlichen Namen an der Großen Mittweida"]
    chart = report.interval_chart(labels, [0.2, 0.0], [0.1, 0.0], [0.3, 0.16], chart_id="t-share", title="t",
                                  description="d", share=True)
    _assert_in_full(chart.svg, [*labels, "Anteil in % (mit 95-%-Konfidenzintervall)"])


def test_the_crime_chart_shows_every_offence_in_full() -> None:
    rows = [report.CrimeRow(key, str(name), key, 100, 1234.5, 987.6, 13) for key, name in OFFENCE_NAMES.items()]
    discrepancy = report.Discrepancy(project=None, district_name="Sächsische Schweiz-Osterzgebirge",  # type: ignore[arg-type]
                                     year=2024, source="PKS Sachsen 2024", weighted=True, respondents=0,
                                     crime=rows, safety=[], pairs=[])
    _safety, crime_chart = report.discrepancy_charts(discrepancy)
    assert crime_chart is not None
    _assert_in_full(crime_chart.svg, [r.label for r in rows])


def test_the_results_page_chart_shows_long_answers_in_full() -> None:
    labels = _longest_scale_items(4)
    bars = [{"label": label, "estimate": 0.25, "lower": 0.2, "upper": 0.3} for label in labels]
    bars.append({"label": "Eine Antwort mit zu wenigen Nennungen für eine Schätzung", "estimate": None})
    chart = charts.estimate_chart("t", bars, chart_id="t-results", percent=True)
    _assert_in_full(chart.svg, [str(b["label"]) for b in bars])
