"""GET /api/v1/alliance/map without as_of: the same JSON as before, built once per data version of the registry
and the map's tables (insights migration 0001), with ETag/304 and gzip (decision 0033)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Callable
from typing import Any

from kommunalschutz.alliance.insights import selectors
from kommunalschutz.alliance.insights.schemas import MapLayerOut
from kommunalschutz.alliance.programme.models import Stage
from kommunalschutz.foundation.registry.models import Municipality
from tests.alliance.insights.conftest import council, engagement, programme, step
from tests.conftest import World

URL = "/api/v1/alliance/map"


def test_the_cached_layer_is_the_layer_and_follows_every_write(client: Any, world: World) -> None:
    programme()
    step(world.pirna, Stage.CONTACTED, dt.date(2020, 1, 1))
    first = client.get(URL)
    assert first.status_code == 200 and "Content-Encoding" not in first
    assert json.loads(first.content) == json.loads(MapLayerOut.model_validate(selectors.map_layer()).model_dump_json())
    zipped = client.get(URL, HTTP_ACCEPT_ENCODING="gzip")
    assert zipped["Content-Encoding"] == "gzip" and gzip.decompress(zipped.content) == first.content
    etag = first["ETag"]
    assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304

    # Each kind of write behind the layer renews the version: the old ETag no longer matches.
    writes: list[Callable[[], object]] = [
        lambda: engagement(world.pirna, "coaching", dt.date(2021, 1, 1)),
        lambda: council(world.pirna, dt.date(2021, 2, 1), name="Präventionsrat Pirna"),
        lambda: step(world.pirna, Stage.MEMBER, dt.date(2021, 3, 1)),
        lambda: Municipality.objects.filter(pk=world.pirna.pk).update(name="Pirna, Große Kreisstadt"),
    ]
    for write in writes:
        write()
        fresh = client.get(URL, HTTP_IF_NONE_MATCH=etag)
        assert fresh.status_code == 200 and fresh["ETag"] != etag
        assert json.loads(fresh.content) == json.loads(
            MapLayerOut.model_validate(selectors.map_layer()).model_dump_json())
        etag = fresh["ETag"]
    assert json.loads(fresh.content)["municipalities"][world.pirna.ags]["name"] == "Pirna, Große Kreisstadt"


def test_the_layer_on_a_date_is_still_built_per_request(client: Any, world: World) -> None:
    programme()
    step(world.pirna, Stage.CONTACTED, dt.date(2020, 1, 1))
    response = client.get(URL, {"as_of": "2019-12-31"})
    assert response.status_code == 200 and "ETag" not in response
    assert json.loads(response.content)["municipalities"] == {}
