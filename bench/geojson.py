"""Size and serving time of the Saxony GeoJSON (all municipality boundaries)."""

from __future__ import annotations

import gzip
import json
from typing import Any

from bench.deployment import BenchError, get
from bench.stats import summary_ms

GEOJSON_PATH = "/api/v1/geo/municipalities.geojson"


def measure(port: int, *, requests: int) -> dict[str, Any]:
    """First request (nothing cached yet), then repeated full and conditional requests.

    Every timed request asks for gzip, as browsers do. Must run before anything else asks for the
    GeoJSON on this deployment, or "first" is not first.
    """
    browser = {"Accept-Encoding": "gzip"}
    first = get(port, GEOJSON_PATH, browser)
    if first.status != 200:
        raise BenchError(f"GET {GEOJSON_PATH} answered {first.status}")
    encoding = first.headers.get("content-encoding")
    body = gzip.decompress(first.body) if encoding == "gzip" else first.body
    features = len(json.loads(body).get("features", []))
    etag = first.headers.get("etag")

    full = []
    for _ in range(requests):
        response = get(port, GEOJSON_PATH, browser)
        if response.status != 200:
            raise BenchError(f"GET {GEOJSON_PATH} answered {response.status}")
        full.append(response.seconds)

    conditional: list[float] = []
    conditional_status = None
    if etag:
        for _ in range(requests):
            response = get(port, GEOJSON_PATH, {**browser, "If-None-Match": etag})
            conditional_status = response.status
            conditional.append(response.seconds)

    return {
        "features": features,
        "raw_bytes": len(body),
        "gzip6_bytes": len(gzip.compress(body, compresslevel=6)),
        "gzip1_bytes": len(gzip.compress(body, compresslevel=1)),
        "server_content_encoding": encoding,
        "transferred_bytes": len(first.body),
        "content_type": first.headers.get("content-type"),
        "cache_control": first.headers.get("cache-control"),
        "etag": bool(etag),
        "first_request_ms": round(first.seconds * 1000, 1),
        "repeated": summary_ms(full),
        "conditional": {**summary_ms(conditional), "status": conditional_status} if conditional else None,
    }
