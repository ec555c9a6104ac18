"""Bad dates give 422 with the offending query parameter named, on every endpoint."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

FIGURES = "/api/v1/alliance/figures"
SERIES = "/api/v1/alliance/figures/series"
MAP = "/api/v1/alliance/map"


def _tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize("url", [FIGURES, MAP])
@pytest.mark.parametrize("value", ["2024-02-30", "27.02.2024", "yesterday", "2024-2-7x"])
def test_malformed_as_of(client: Any, url: str, value: str) -> None:
    response = client.get(url, {"as_of": value})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["as_of"]
    assert "as_of" in response.json()["detail"]


@pytest.mark.parametrize("url", [FIGURES, MAP])
def test_as_of_in_the_future(client: Any, url: str) -> None:
    response = client.get(url, {"as_of": _tomorrow()})
    assert response.status_code == 422
    assert "future" in response.json()["errors"]["as_of"][0] or "Zukunft" in response.json()["errors"]["as_of"][0]


def test_as_of_today_is_fine(client: Any) -> None:
    assert client.get(FIGURES, {"as_of": timezone.localdate().isoformat()}).status_code == 200


def test_a_range_that_ends_before_it_starts(client: Any) -> None:
    response = client.get(SERIES, {"from": "2023-05-01", "to": "2023-04-30"})
    assert response.status_code == 422
    body = response.json()
    assert set(body["errors"]) == {"from", "to"}
    assert "from" in body["detail"] and "to" in body["detail"]


def test_to_before_the_default_start(client: Any) -> None:
    from tests.alliance.insights.conftest import programme

    programme()
    response = client.get(SERIES, {"to": "2019-01-31"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"from", "to"}


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2023-13-01"}, "from"),
    ({"to": "soon"}, "to"),
    ({"to": "2999-01-01"}, "to"),
    ({"interval": "week"}, "interval"),
    ({"from": "1800-01-01"}, "from"),
])
def test_series_names_the_bad_parameter(client: Any, params: dict[str, str], field: str) -> None:
    response = client.get(SERIES, params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_the_export_refuses_a_reversed_range(client: Any) -> None:
    response = client.get("/programm/kennzahlen/zeitreihe.csv", {"from": "2023-05-01", "to": "2023-04-01"})
    assert response.status_code == 422
    assert b"from" in response.content and b"to" in response.content


def test_the_figures_page_shows_the_error_next_to_the_field(client: Any) -> None:
    response = client.get("/programm/kennzahlen/", {"as_of": "2024-02-31"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errorlist"' in html
    assert html.index('id="id_as_of"') < html.index('class="errorlist"') < html.index('id="figures-heading"')
