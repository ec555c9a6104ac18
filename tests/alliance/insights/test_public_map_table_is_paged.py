"""The public map's table comes in pages of 50, searchable by name, without JavaScript; a bad page number is
clamped (never a 500), and the page no longer carries the layer (the script fetches it: decision 0033)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.alliance.insights.views import TABLE_PAGE_SIZE
from kommunalschutz.alliance.programme.models import Stage
from tests.alliance.insights.conftest import programme, step
from tests.conftest import World
from tests.factories import MunicipalityFactory

TOWNS = TABLE_PAGE_SIZE + 12
URL = reverse("insights:public_map")


@pytest.fixture
def towns(world: World) -> None:
    programme()
    for n in range(TOWNS):
        town = MunicipalityFactory.create(district=world.soe, name=f"Ort {n:03d}")
        step(town, Stage.CONTACTED, dt.date(2020, 1, 1))


def _names(html: str) -> list[str]:
    body = html.split('id="map-table-body"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<th scope="row">([^<]+?)\s*<', body)


def test_the_first_page_holds_fifty_rows_and_links_the_next_in_german(client: Any, towns: None) -> None:
    html = client.get(URL, {"as_of": "2021-01-01"}).content.decode()
    assert _names(html) == [f"Ort {n:03d}" for n in range(TABLE_PAGE_SIZE)]
    assert f"Zeilen 1 bis {TABLE_PAGE_SIZE} von {TOWNS}" in html
    assert "Seite 1 von 2" in html
    assert 'href="?as_of=2021-01-01&amp;page=2#table-heading" rel="next">Nächste Seite</a>' in html
    assert 'id="map-layer"' not in html  # the layer is fetched, not embedded


def test_the_second_page_holds_the_rest(client: Any, towns: None) -> None:
    html = client.get(URL, {"as_of": "2021-01-01", "page": "2"}).content.decode()
    assert _names(html) == [f"Ort {n:03d}" for n in range(TABLE_PAGE_SIZE, TOWNS)]
    assert "Vorherige Seite" in html and "Nächste Seite" not in html


@pytest.mark.parametrize(("page", "first"), [("abc", 0), ("0", TABLE_PAGE_SIZE), ("-3", TABLE_PAGE_SIZE),
                                             ("999", TABLE_PAGE_SIZE), ("1.5", 0), ("", 0),
                                             ("9" * 40, TABLE_PAGE_SIZE)])
def test_a_bad_page_number_is_clamped_never_an_error(client: Any, towns: None, page: str, first: int) -> None:
    response = client.get(URL, {"as_of": "2021-01-01", "page": page})
    assert response.status_code == 200
    assert _names(response.content.decode())[0] == f"Ort {first:03d}"


def test_the_search_filters_by_name_and_keeps_it_in_the_page_links(client: Any, towns: None) -> None:
    html = client.get(URL, {"as_of": "2021-01-01", "q": "ort 05"}).content.decode()
    assert _names(html) == [f"Ort {n:03d}" for n in range(50, 60)]
    assert "Zeilen 1 bis 10 von 10" in html and "Seite 1 von" not in html
    html = client.get(URL, {"as_of": "2021-01-01", "q": "Nirgendwo"}).content.decode()
    assert _names(html) == []
    assert "Keine Gemeinde und kein Landkreis dieses Namens" in html


def test_the_table_follows_the_date(client: Any, towns: None) -> None:
    html = client.get(URL, {"as_of": "2019-12-31"}).content.decode()
    assert _names(html) == []
    assert "Bis zu diesem Datum hatte noch keine Kommune" in html
