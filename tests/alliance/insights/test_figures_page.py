"""The public figures page: figures on a date, an accessible CSP-safe SVG chart with its table, exports."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kommunalschutz.alliance.programme.models import Stage
from tests.alliance.insights.conftest import engagement, programme, step
from tests.conftest import World
from tests.factories import MunicipalityFactory

URL = reverse("insights:figures")


@pytest.fixture
def records(world: World) -> World:
    programme()
    step(world.pirna, Stage.MODEL, dt.date(2019, 2, 6))
    step(world.pirna, Stage.MEMBER, dt.date(2019, 4, 2))
    engagement(world.pirna, "consultation", dt.date(2019, 3, 5))
    engagement(world.plauen, "coaching", dt.date(2019, 5, 20))
    return world


def test_anyone_sees_the_figures_on_the_chosen_date(client: Any, records: World) -> None:
    response = client.get(URL, {"as_of": "2019-04-01"})
    assert response.status_code == 200
    values = {row["name"]: row["value"] for row in response.context["figures"]}
    assert values["model_municipalities"] == 1 and values["member_municipalities"] == 0
    assert values["consultations"] == 1 and values["coaching_processes"] == 0
    html = response.content.decode()
    assert "Kennzahlen zum 01.04.2019" in html
    # The chart and its table run from the start to the chosen date.
    assert [row["as_of"] for row in response.context["table"]["rows"]] == [
        dt.date(2019, 2, 28), dt.date(2019, 3, 31), dt.date(2019, 4, 1)]


def test_the_chart_is_accessible_inline_svg_without_inline_css(client: Any, records: World) -> None:
    html = client.get(URL).content.decode()
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert 'role="img"' in svg and 'aria-labelledby="figures-chart-title figures-chart-desc"' in svg
    assert re.search(r'<title id="figures-chart-title">Kennzahlen vom 28\.02\.2019 bis', svg)
    assert '<desc id="figures-chart-desc">Zwei Liniendiagramme' in svg
    assert "style=" not in svg and "<style" not in svg
    assert "<text" in svg  # labels are text, not glyph outlines
    assert "Mitgliedskommunen" in svg  # the legend, translated
    # The accessible table of the same series sits right after the chart.
    assert html.index("</svg>") < html.index('id="series-table"') < html.index("</svg>") + 800


def test_the_page_has_no_inline_script_or_style(client: Any, records: World) -> None:
    html = client.get(URL).content.decode()
    assert not re.search(r"\sstyle=|\son[a-z]+=", html)
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html)


def test_csv_export_of_the_series(client: Any, records: World) -> None:
    response = client.get(reverse("insights:figures_export", args=["csv"]), {"to": "2019-05-31"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="kennzahlen-2019-02-06-2019-05-31.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:3] == ["Stichtag", "Mitgliedskommunen", "Modellkommunen"]
    assert [line.split(";")[0] for line in lines[1:]] == ["2019-02-28", "2019-03-31", "2019-04-30", "2019-05-31"]
    assert [line.split(";")[1] for line in lines[1:]] == ["0", "0", "1", "1"]


def test_xlsx_export_matches_the_api(client: Any, records: World) -> None:
    response = client.get(reverse("insights:figures_export", args=["xlsx"]), {"from": "2019-03-01", "to": "2019-06-30"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    api = client.get("/api/v1/alliance/figures/series", {"from": "2019-03-01", "to": "2019-06-30"}).json()
    assert len(rows) == 1 + len(api["points"]) == 5
    assert [row[5] for row in rows[1:]] == [point["consultations"] for point in api["points"]]
    assert [row[6] for row in rows[1:]] == [point["coaching_processes"] for point in api["points"]] == [0, 0, 1, 1]


def test_an_unknown_export_format_is_404(client: Any, records: World) -> None:
    assert client.get(reverse("insights:figures_export", args=["pdf"])).status_code == 404


def test_the_figures_page_needs_few_queries(client: Any, records: World, django_assert_max_num_queries: Any) -> None:
    client.get(URL)
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    for n in range(30):
        town = MunicipalityFactory.create(district=records.soe)
        step(town, Stage.CONTACTED, dt.date(2020, 1, 1) + dt.timedelta(days=n))
        engagement(town, "consultation", dt.date(2020, 2, 1) + dt.timedelta(days=n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)
