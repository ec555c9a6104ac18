"""The dashboard, the exports and the API: permissions, suppression everywhere, bad periods, police figures."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import re
from typing import Any

import pytest
from django.apps import apps
from openpyxl import load_workbook

from kommunalschutz.protection.cases.models import type_bit
from kommunalschutz.protection.casestats.models import PoliceFigure
from tests.protection.casestats.conftest import stats

pytestmark = pytest.mark.django_db

URL = "/fallstatistik/"
QUERY = {"from": "2022-01", "to": "2023-12"}
SEED = "kommunalschutz.protection.casestats.migrations.0002_seed_police_figures"


@pytest.fixture
def records(world: Any) -> None:
    stats(6, dt.date(2022, 3, 1), type_mask=type_bit("threat"), district=world.soe,
          police_directorate=world.dresden_pd)
    stats(2, dt.date(2022, 5, 1), channel="email", type_mask=type_bit("insult"), is_acute=True,
          district=world.vogtland, police_directorate=world.zwickau_pd)
    stats(12, dt.date(2023, 2, 1), channel="social_media", type_mask=type_bit("insult"), district=world.soe,
          police_directorate=world.dresden_pd)


def _stat_tables(html: str) -> list[str]:
    return re.findall(r'<table id="table-[a-z_]+".*?</table>', html, flags=re.S)


def _small_numbers(fragment: str) -> list[str]:
    return [n for n in re.findall(r"<td class=\"num[^\"]*\">(\d+)</td>", fragment) if 1 <= int(n) < 5]


@pytest.mark.parametrize("persona", ["coordinator", "dresden_police", "analyst", "pirna_coordinator"])
def test_the_dashboard_shows_suppressed_tables_to_those_with_the_permission(
        persona: str, world: Any, login: Any, records: None) -> None:
    response = login(getattr(world, persona)).get(URL, QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    found = _stat_tables(html)
    assert len(found) >= 10
    for table in found:
        assert _small_numbers(table) == [], table[:80]
    assert "&lt;5" in html
    assert "<svg" in html and 'style="' not in html
    assert "<script>" not in html


@pytest.mark.parametrize("persona", ["outsider", "pirna_official", "coach"])
def test_page_export_and_api_answer_404_to_everyone_else(persona: str, world: Any, login: Any, api: Any,
                                                         records: None) -> None:
    user = getattr(world, persona)
    client = login(user)
    assert client.get(URL, QUERY).status_code == 404
    assert client.get(URL + "tabelle/channel.csv", QUERY).status_code == 404
    assert api.get(user, "/case-statistics", **QUERY).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_and_the_api_needs_a_token(client: Any, api: Any,
                                                                            records: None) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "anmelden" in response["Location"]
    assert api.get(None, "/case-statistics").status_code == 401


def test_csv_and_xlsx_exports_leave_suppressed_cells_empty_with_a_flag(world: Any, login: Any,
                                                                       records: None) -> None:
    client = login(world.coordinator)
    response = client.get(URL + "tabelle/channel.csv", QUERY)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][2:] == ["Wert", rows[0][3]] and "5" in rows[0][3]
    for row in rows[1:]:
        if row[3]:
            assert row[2] == ""
        else:
            assert not 1 <= int(row[2]) < 5
    assert any(row[3] for row in rows[1:])
    response = client.get(URL + "tabelle/per_month.xlsx", QUERY)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    for value, flag in [(row[2], row[3]) for row in sheet.iter_rows(min_row=2, values_only=True)]:
        assert (value is None) if flag else not (isinstance(value, int) and 1 <= value < 5)
    assert client.get(URL + "tabelle/nosuchtable.csv", QUERY).status_code == 404
    assert client.get(URL + "tabelle/channel.pdf", QUERY).status_code == 404


def test_the_api_returns_every_table_with_null_for_suppressed_cells(world: Any, api: Any, records: None) -> None:
    response = api.get(world.dresden_police, "/case-statistics", **QUERY)
    assert response.status_code == 200
    body = response.json()
    assert body["min_cell"] == 5 and body["start"] == "2022-01-01" and body["end"] == "2023-12-01"
    keys = [t["key"] for t in body["tables"]]
    assert {"per_year", "per_month", "types", "channel", "role", "district", "motivation", "intake", "acute",
            "acknowledgement", "measures", "referrals"} <= set(keys)
    suppressed = 0
    for table in body["tables"]:
        cells = [c for row in table["rows"] for c in [*row["cells"], row["total"]] if c is not None]
        cells += [c for c in (table["column_totals"] or []) if c is not None]
        for cell in cells:
            if cell["suppressed"]:
                suppressed += 1
                assert cell["value"] is None
            elif isinstance(cell["value"], int):
                assert not 1 <= cell["value"] < 5
    assert suppressed > 0
    per_year = next(t for t in body["tables"] if t["key"] == "per_year")
    assert [row["cells"][0]["value"] for row in per_year["rows"]] == [8, 12]
    # filters by AGS and directorate code
    only = api.get(world.coordinator, "/case-statistics", district=world.soe.ags, **QUERY).json()
    per_year = next(t for t in only["tables"] if t["key"] == "per_year")
    assert [row["cells"][0]["value"] for row in per_year["rows"]] == [6, 12]
    zwickau = api.get(world.coordinator, "/case-statistics", directorate="pd-zwickau", **QUERY).json()
    per_year = next(t for t in zwickau["tables"] if t["key"] == "per_year")
    assert [row["cells"][0] for row in per_year["rows"]] == [{"value": None, "suppressed": True},
                                                            {"value": 0, "suppressed": False}]


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2023-05", "to": "2022-01"}, "to"),
    ({"from": "2023-13"}, "from"),
    ({"from": "gestern"}, "from"),
    ({"to": "2023-1"}, "to"),
    ({"district": "99999"}, "district"),
    ({"directorate": "pd-nowhere"}, "directorate"),
])
def test_bad_periods_and_filters_give_a_clear_error(world: Any, api: Any, login: Any, params: dict[str, str],
                                                   field: str) -> None:
    response = api.get(world.coordinator, "/case-statistics", **params)
    assert response.status_code == 422
    body = response.json()
    assert field in body["errors"] and body["errors"][field][0]
    client = login(world.coordinator)
    page = client.get(URL, params)
    assert page.status_code == 422
    assert 'aria-invalid="true"' in page.content.decode()
    export = client.get(URL + "tabelle/per_year.csv", params)
    assert export.status_code == 422 and field in export.content.decode()


def test_reversed_period_message_is_specific(world: Any, api: Any) -> None:
    body = api.get(world.coordinator, "/case-statistics", **{"from": "2023-05", "to": "2022-01"}).json()
    assert body["errors"] == {"to": ["Der Endmonat liegt vor dem Anfangsmonat."]} or body["errors"]["to"]


def test_police_figures_are_loaded_with_status_and_as_of(world: Any) -> None:
    importlib.import_module(SEED).seed(apps, None)
    importlib.import_module(SEED).seed(apps, None)  # idempotent
    count = PoliceFigure.objects.count()
    assert count >= 15
    sn_2024 = PoliceFigure.objects.get(region="SN", year=2024, offence_group="all")
    assert (sn_2024.count, sn_2024.status, sn_2024.as_of) == (369, "preliminary", dt.date(2025, 2, 4))
    assert PoliceFigure.objects.get(region="SN", year=2024, offence_group="violence").count == 10
    assert PoliceFigure.objects.get(region="SN", year=2019).count == 197
    de_2023 = {f.status: f.count for f in PoliceFigure.objects.filter(region="DE", year=2023, offence_group="all")}
    assert de_2023 == {"preliminary": 4047, "final": 5400}
    assert PoliceFigure.objects.get(region="DE", year=2020, offence_group="insult").count == 1247
    for figure in PoliceFigure.objects.all():
        assert figure.status in ("preliminary", "final") and figure.as_of and figure.source and figure.source_url


def test_police_figures_api_is_public_and_the_page_shows_them(world: Any, api: Any, login: Any,
                                                              records: None) -> None:
    importlib.import_module(SEED).seed(apps, None)
    response = api.get(None, "/police-figures", region="sn")
    assert response.status_code == 200
    rows = response.json()
    assert {r["region"] for r in rows} == {"SN"}
    assert any(r["year"] == 2024 and r["count"] == 369 and r["status"] == "preliminary"
               and r["as_of"] == "2025-02-04" for r in rows)
    html = login(world.coordinator).get(URL, {"from": "2019-01", "to": "2024-12"}).content.decode()
    assert "369" in html and "04.02.2025" in html and "vorläufig" in html.lower()


def test_the_dashboard_defaults_to_all_data_and_speaks_plain_german(world: Any, login: Any) -> None:
    """No period given: from the earliest data to this month (2019 and this year's reports were hidden);
    the police figures grouped in German; the suppression note without "minus eins"."""
    from django.utils import timezone

    this_month = timezone.localdate().replace(day=1)
    stats(5, dt.date(2019, 6, 1), district=world.soe)
    stats(5, this_month, district=world.soe)
    PoliceFigure.objects.create(region="SN", year=this_month.year, count=23800, status="preliminary",
                                as_of=this_month, source="PKS")
    html = login(world.coordinator).get(URL).content.decode()
    per_year = re.search(r'<table id="table-per_year".*?</table>', html, flags=re.S)
    assert per_year is not None
    assert ">2019<" in per_year.group(0) and f">{this_month.year}<" in per_year.group(0)
    assert "23.800" in html and "23800" not in html
    assert "minus eins" not in html and "Fallzahlen unter 5 (außer 0)" in html
