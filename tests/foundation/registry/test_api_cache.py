"""The public registry API cached by data version (decision 0027): the same bytes as the validated answer,
every write visible at once, ETag and 304. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from ninja.responses import NinjaJSONEncoder

from kommunalschutz.foundation.core import dataversion
from kommunalschutz.foundation.registry import api, selectors
from kommunalschutz.foundation.registry.importer import ImportResult
from kommunalschutz.foundation.registry.models import District, Municipality, MunicipalityNameChange
from kommunalschutz.foundation.registry.schemas import MunicipalityQueryIn
from kommunalschutz.foundation.registry.services import import_registry
from tests.foundation.registry.conftest import DATA, PIRNA, SOE

LIST = "/api/v1/municipalities"


@pytest.fixture(autouse=True)
def _fresh_answer_cache() -> Iterator[None]:
    dataversion.local_cache.clear()
    dataversion.answers.clear()
    yield
    dataversion.local_cache.clear()
    dataversion.answers.clear()


@pytest.fixture
def with_dissolved(db: None) -> None:
    """Saxony as of 2022 and then 2025: current and dissolved municipalities, successors, history."""
    import_registry(actor=None, sources=[DATA / "sachsen_gemeinden_2022-12-31.csv"])
    import_registry(actor=None)


def _validated_bytes(params: dict[str, Any]) -> bytes:
    page = api.validated_municipality_page(MunicipalityQueryIn(**params))
    return json.dumps(page.model_dump(), cls=NinjaJSONEncoder).encode()


def test_every_page_and_filter_gives_the_bytes_of_the_validated_answer(client: Any, with_dissolved: None) -> None:
    """The lean page (values, total from a window, no schema) is byte for byte what the schema gave."""
    combinations = itertools.product(
        ["", "pirna", "1462", "ostrau", "zz"], [None, SOE], [None, "09"], [False, True],
        [(1, 50), (2, 50), (3, 7), (1, 500), (200, 1)],
    )
    checked = 0
    for q, district, land, dissolved, (page, size) in combinations:
        params = {"q": q, "include_dissolved": dissolved, "page": page, "page_size": size}
        params |= {"district": district} if district else {}
        params |= {"land": land} if land else {}
        response = client.get(LIST, params)
        assert response.status_code == 200, params
        assert response.content == _validated_bytes(params), params
        checked += 1
    assert checked == 200


def test_a_page_behind_the_end_still_counts(client: Any, with_dissolved: None) -> None:
    data = client.get(LIST, {"q": "pirna", "page": 9}).json()
    assert (data["count"], data["pages"], data["results"]) == (1, 1, [])


def test_detail_and_districts_keep_their_bytes(client: Any, with_dissolved: None) -> None:
    """Cached answers equal what the schema renders (the first request builds, the second is cached)."""
    for path in (f"{LIST}/{PIRNA}", f"{LIST}/14522450", "/api/v1/districts", "/api/v1/districts?land=14"):
        first, second = client.get(path), client.get(path)
        assert first.status_code == second.status_code == 200
        assert first.content == second.content
    municipality = selectors.municipality_by_ags(PIRNA)
    assert municipality is not None
    expected = json.dumps(api._detail(municipality).model_dump(), cls=NinjaJSONEncoder).encode()
    assert client.get(f"{LIST}/{PIRNA}").content == expected
    districts = json.dumps([d.model_dump() for d in api.districts("")], cls=NinjaJSONEncoder).encode()
    assert client.get("/api/v1/districts").content == districts


def test_etag_gives_304_and_a_write_gives_the_new_answer_at_once(client: Any, mini_registry: ImportResult) -> None:
    paths = [LIST, f"{LIST}?q=pirna", f"{LIST}/{PIRNA}", "/api/v1/districts"]
    etags = {}
    for path in paths:
        response = client.get(path)
        etags[path] = response["ETag"]
        assert etags[path].startswith('W/"') and response["Cache-Control"] == "public, no-cache"
        again = client.get(path, HTTP_IF_NONE_MATCH=etags[path])
        assert again.status_code == 304 and again.content == b"" and again["ETag"] == etags[path]
    assert len(set(etags.values())) == len(paths)  # one ETag per answer, not per version

    # A bulk update (no save(), no updated_at, no service): the triggers still see it.
    Municipality.objects.filter(ags=PIRNA).update(name="Pirna an der Elbe", search_name="pirna an der elbe")
    for path in paths:
        response = client.get(path, HTTP_IF_NONE_MATCH=etags[path])
        assert response.status_code == 200 and response["ETag"] != etags[path], path
    assert client.get(LIST, {"q": "pirna"}).json()["results"][0]["name"] == "Pirna an der Elbe"
    assert client.get(f"{LIST}/{PIRNA}").json()["name"] == "Pirna an der Elbe"


def test_every_kind_of_write_to_a_registry_table_is_seen(client: Any, mini_registry: ImportResult) -> None:
    def districts() -> list[dict[str, Any]]:
        return list(client.get("/api/v1/districts").json())

    assert client.get(f"{LIST}/{PIRNA}").json()["history"] == []
    municipality = Municipality.objects.get(ags=PIRNA)
    MunicipalityNameChange.objects.create(municipality=municipality, kind="renamed", effective="2020-01-01",
                                          old_name="Pirna", new_name="Pirna, Stadt")
    assert [h["old_name"] for h in client.get(f"{LIST}/{PIRNA}").json()["history"]] == ["Pirna"]

    before = districts()
    District.objects.filter(ags=SOE).update(seat="Heidenau")  # a district row changes a municipality list too
    assert next(d for d in districts() if d["ags"] == SOE)["seat"] == "Heidenau"
    assert districts() != before
    with connection.cursor() as cursor:  # raw SQL as well
        cursor.execute("UPDATE registry_district SET name = %s WHERE ags = %s", ["SOE", SOE])
    assert client.get(LIST, {"q": "pirna"}).json()["results"][0]["district"]["name"] == "SOE"

    count = client.get(LIST).json()["count"]
    MunicipalityNameChange.objects.all().delete()
    Municipality.objects.filter(ags=PIRNA).delete()
    assert client.get(LIST).json()["count"] == count - 1
    assert client.get(f"{LIST}/{PIRNA}").status_code == 404


def test_a_changing_import_is_visible_at_once(client: Any, db: None) -> None:
    import_registry(actor=None, sources=[DATA / "sachsen_gemeinden_2022-12-31.csv"])
    old = client.get(LIST, {"q": "Ostrau"})
    assert old.json()["count"] == 1
    import_registry(actor=None)
    new = client.get(LIST, {"q": "Ostrau"}, HTTP_IF_NONE_MATCH=old["ETag"])
    assert new.status_code == 200 and new.json()["count"] == 0


def test_without_a_version_row_nothing_is_cached(client: Any, mini_registry: ImportResult) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_dataversion WHERE scope = 'registry'")
    response = client.get(LIST)
    assert response.status_code == 200 and not response.has_header("ETag")
    assert response.content == _validated_bytes({})
    assert len(dataversion.local_cache) == 0
    Municipality.objects.filter(ags=PIRNA).update(population=1)  # the trigger makes a new row
    assert dataversion.token("registry") is not None
    assert client.get(LIST, {"q": "pirna"}).json()["results"][0]["population"] == 1


def test_unknown_keys_are_not_cached(client: Any, mini_registry: ImportResult) -> None:
    for ags in ("14999999", "14999998"):
        assert client.get(f"{LIST}/{ags}").status_code == 404
    assert len(dataversion.local_cache) == 0


def test_a_replayed_answer_has_the_headers_and_bytes_of_the_whole_way(client: Any, mini_registry: ImportResult) -> None:
    """The middleware replays a public answer for requests without cookies; with a cookie (a browser with a
    session) the request goes through every middleware and the view. Both answers are the same."""
    paths = [f"{LIST}?q=pirna", f"{LIST}/{PIRNA}", "/api/v1/districts?land=14"]
    for path in paths:
        client.get(path)  # kept by the middleware
    assert len(dataversion.answers) == len(paths)
    for path in paths:
        replayed = client.get(path)
        client.cookies["sessionid"] = "x"
        whole = client.get(path)
        del client.cookies["sessionid"]
        assert replayed.content == whole.content
        # The same headers but the request id, which is every request's own (also on a replayed answer).
        assert {k: v for k, v in replayed.items() if k not in ("Vary", "X-Request-ID")} == \
            {k: v for k, v in whole.items() if k not in ("Vary", "X-Request-ID")}
        assert replayed["X-Request-ID"] != whole["X-Request-ID"]
        assert client.get(path)["X-Request-ID"] != replayed["X-Request-ID"]
        assert replayed.status_code == 200 and replayed["Content-Security-Policy"]
        not_modified = client.get(path, HTTP_IF_NONE_MATCH=replayed["ETag"])
        assert not_modified.status_code == 304 and not_modified["ETag"] == replayed["ETag"]
    Municipality.objects.filter(ags=PIRNA).update(population=7)
    assert client.get(f"{LIST}/{PIRNA}").json()["population"] == 7
    assert client.get(LIST, {"q": "pirna"}).json()["results"][0]["population"] == 7


def test_answers_for_a_token_or_other_than_200_are_not_replayed(client: Any, mini_registry: ImportResult) -> None:
    assert client.get(f"{LIST}/14999999").status_code == 404
    assert client.get(LIST, {"page": 0}).status_code == 422
    assert len(dataversion.answers) == 0
    assert client.get(LIST, HTTP_AUTHORIZATION="Bearer nothing").status_code == 200
    assert len(dataversion.answers) == 0
