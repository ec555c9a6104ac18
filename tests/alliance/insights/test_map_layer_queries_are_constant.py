"""map_layer and the map page ask the database a fixed number of times, however many municipalities."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kommunalschutz.alliance.insights import selectors
from kommunalschutz.alliance.programme.models import Stage
from kommunalschutz.foundation.core import dataversion
from tests.alliance.insights.conftest import agreement, council, engagement, programme, step
from tests.conftest import World
from tests.factories import MunicipalityFactory


def _add_towns(world: World, count: int) -> None:
    for n in range(count):
        town = MunicipalityFactory.create(district=world.soe)
        day = dt.date(2020, 1, 1) + dt.timedelta(days=n)
        step(town, Stage.CONTACTED, day)
        step(town, Stage.MEMBER, day + dt.timedelta(days=30))
        agreement(town, day + dt.timedelta(days=30))
        engagement(town, "coaching", day + dt.timedelta(days=40))
        engagement(town, "security_analysis", day + dt.timedelta(days=50))
        council(town, day + dt.timedelta(days=60), contact_is_public=n % 2 == 0)


def _queries(call: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_map_layer_needs_at_most_seven_queries(world: World) -> None:
    _add_towns(world, 2)
    council(world.soe, dt.date(2020, 1, 1))  # a district target: its names are one more query
    assert _queries(selectors.map_layer) == 7
    assert _queries(lambda: selectors.map_layer(dt.date(2020, 6, 1))) == 7
    _add_towns(world, 25)
    assert _queries(selectors.map_layer) == 7
    layer = selectors.map_layer()
    assert len(layer["municipalities"]) == 27 and list(layer["districts"]) == [world.soe.ags]


def test_an_empty_map_layer_needs_no_name_lookup(world: World) -> None:
    assert _queries(selectors.map_layer) == 5


def _page_and_api(client: Any, page: str) -> tuple[int, int, int, int]:
    """Queries of the page and the API: built (the layer cache emptied) and then from the cache."""
    selectors._layers.clear()
    dataversion.local_cache.clear()
    built = (_queries(lambda: client.get(page)), _queries(lambda: client.get("/api/v1/alliance/map")))
    return (*built, _queries(lambda: client.get(page)), _queries(lambda: client.get("/api/v1/alliance/map")))


def test_the_map_page_and_api_do_not_grow_with_the_data(client: Any, world: World) -> None:
    programme()
    _add_towns(world, 2)
    page = reverse("insights:public_map")
    client.get(page)
    small = _page_and_api(client, page)
    _add_towns(world, 25)
    large = _page_and_api(client, page)
    assert large == small
    page_built, api_after_page, page_cached, api_cached = small
    assert page_built <= 9
    # From the cache (decision 0033): the page reads the programme and the two data versions; the layer
    # endpoint (its body built from the layer the page left) reads the versions only.
    assert page_cached <= 3 and api_after_page <= 2 and api_cached == 1
