"""GET /api/v1/districts."""

from __future__ import annotations

from typing import Any

from kommunalschutz.foundation.registry.importer import ImportResult


def test_districts_with_directorate_counts_and_population(
    client: Any, saxony: ImportResult, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(2):  # data version, districts (decision 0027)
        data = client.get("/api/v1/districts").json()
    assert len(data) == 13
    soe = next(d for d in data if d["ags"] == "14628")
    assert soe == {
        "ags": "14628", "name": "Sächsische Schweiz-Osterzgebirge", "kind": "landkreis", "seat": "Pirna", "land": "14",
        "population": 243_996, "area_km2": 1654.23, "municipality_count": 36,
        "police_directorate": {"code": "pd-dresden", "name": "Polizeidirektion Dresden"},
        "reference_date": "2025-11-30",
    }
    assert sum(d["population"] for d in data) == 4_042_422


def test_districts_can_be_filtered_by_state(client: Any, mini_registry: ImportResult) -> None:
    assert client.get("/api/v1/districts", {"land": "09"}).json() == []
    assert len(client.get("/api/v1/districts", {"land": "14"}).json()) == 3
    assert client.get("/api/v1/districts", {"land": "x"}).status_code == 422
