"""Registry fixtures: the real Saxon import (about half a second) and a small slice of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kommunalschutz.foundation.registry import geo
from kommunalschutz.foundation.registry.importer import ImportResult
from kommunalschutz.foundation.registry.services import import_registry

DATA = Path(__file__).resolve().parent / "data"
MINI_SOURCES = [DATA / "mini_gemeinden.csv", DATA / "mini_police_directorates.csv"]
PIRNA = "14628270"
JAHNATAL = "14522275"
SOE = "14628"  # Sächsische Schweiz-Osterzgebirge


@pytest.fixture(autouse=True)
def _fresh_geojson_cache() -> Iterator[None]:
    # The document cache lives in the process; tests must not see each other's documents.
    geo.clear_local_cache()
    yield
    geo.clear_local_cache()


@pytest.fixture
def saxony(db: None) -> ImportResult:
    """The whole shipped Saxon reference data, imported as the CLI does."""
    return import_registry(actor=None)


@pytest.fixture
def mini_registry(db: None) -> ImportResult:
    """Chemnitz, the Vogtlandkreis and Sächsische Schweiz-Osterzgebirge (74 municipalities), with boundaries."""
    return import_registry(actor=None, sources=MINI_SOURCES)
