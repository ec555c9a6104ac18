"""The public endpoints appear in the OpenAPI document with their parameters."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_lists_figures_series_and_map(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/alliance/figures", "/api/v1/alliance/figures/series", "/api/v1/alliance/map"):
        assert "422" in paths[path]["get"]["responses"], path
    series_parameters = {p["name"] for p in paths["/api/v1/alliance/figures/series"]["get"]["parameters"]}
    assert series_parameters == {"from", "to", "interval"}
