"""GET /api/v1/geo/municipalities.geojson: built once, cached, revalidated by ETag and Last-Modified."""

from __future__ import annotations

import gzip
import json
from typing import Any

from django.utils.http import http_date

from kommunalschutz.foundation.registry import geo
from kommunalschutz.foundation.registry.importer import ImportResult
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.foundation.registry.services import import_registry
from tests.foundation.registry.conftest import DATA, MINI_SOURCES, PIRNA

URL = "/api/v1/geo/municipalities.geojson"


def test_geojson_is_a_feature_collection_of_the_current_municipalities(
    client: Any, mini_registry: ImportResult
) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 74
    assert "GeoBasis-DE / BKG" in data["attribution"] and "Destatis" in data["attribution"]
    pirna = next(f for f in data["features"] if f["properties"]["ags"] == PIRNA)
    assert pirna["properties"] == {
        "ags": PIRNA, "name": "Pirna, Stadt", "district": "14628",
        "district_name": "Sächsische Schweiz-Osterzgebirge", "police_directorate": "pd-dresden",
        "police_directorate_name": "Polizeidirektion Dresden", "population": 40128,
    }
    assert pirna["geometry"]["type"] == "Polygon"


def test_matching_etag_gets_304_without_loading_the_document(
    client: Any, mini_registry: ImportResult, django_assert_num_queries: Any, monkeypatch: Any
) -> None:
    first = client.get(URL)
    etag = first["ETag"]
    assert etag.startswith('W/"')
    geo.clear_local_cache()
    monkeypatch.setattr(geo, "document", lambda *a, **k: (_ for _ in ()).throw(AssertionError("loaded")))
    with django_assert_num_queries(1):  # the version stamp only
        again = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""


def test_if_modified_since_gets_304(client: Any, mini_registry: ImportResult) -> None:
    first = client.get(URL)
    assert client.get(URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert client.get(URL, HTTP_IF_MODIFIED_SINCE=http_date(0)).status_code == 200


def test_document_is_built_once_and_then_served_from_the_cache(
    client: Any, mini_registry: ImportResult, django_assert_num_queries: Any
) -> None:
    client.get(URL)
    with django_assert_num_queries(1):
        response = client.get(URL)
    assert len(json.loads(response.content)["features"]) == 74


def test_gzip_is_sent_to_clients_that_accept_it(client: Any, mini_registry: ImportResult) -> None:
    plain = client.get(URL)
    packed = client.get(URL, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 2


def test_a_changing_import_changes_the_etag_and_the_content(client: Any, db: None) -> None:
    import_registry(actor=None, sources=[DATA / "sachsen_gemeinden_2022-12-31.csv"])
    old = client.get(URL)
    assert '"14522275"' not in old.content.decode()
    import_registry(actor=None)
    new = client.get(URL, HTTP_IF_NONE_MATCH=old["ETag"])
    assert new.status_code == 200 and new["ETag"] != old["ETag"]
    names = {f["properties"]["ags"] for f in json.loads(new.content)["features"]}
    assert "14522275" in names and "14522450" not in names


def test_an_unchanged_reimport_keeps_the_etag(client: Any, mini_registry: ImportResult) -> None:
    etag = client.get(URL)["ETag"]
    import_registry(actor=None, sources=MINI_SOURCES)
    assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_state_filter_and_municipalities_without_boundaries(client: Any, mini_registry: ImportResult) -> None:
    import_registry(actor=None, land="09", sources=[DATA / "gv100ad_muenchen.txt"])
    assert Municipality.objects.filter(land="09").count() == 1
    assert len(json.loads(client.get(URL, {"land": "09"}).content)["features"]) == 0
    assert len(json.loads(client.get(URL, {"land": "14"}).content)["features"]) == 74
    assert len(json.loads(client.get(URL).content)["features"]) == 74
