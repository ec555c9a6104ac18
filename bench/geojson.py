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

    Must run before anything else asks for the GeoJSON on this deployment, or "first" is not first.
    """
    first = get(port, GEOJSON_PATH)
    if first.status != 200:
        raise BenchError(f"GET {GEOJSON_PATH} answered {first.status}")
    features = len(json.loads(first.body).get("features", []))
    etag = first.headers.get("etag")

    full = []
    for _ in range(requests):
        response = get(port, GEOJSON_PATH)
        if response.status != 200:
            raise BenchError(f"GET {GEOJSON_PATH} answered {response.status}")
        full.append(response.seconds)

    conditional: list[float] = []
    conditional_status = None
    if etag:
        for _ in range(requests):
            response = get(port, GEOJSON_PATH, {"If-None-Match": etag})
            conditional_status = response.status
            conditional.append(response.seconds)

    # What a browser receives if it asks for gzip: the platform's own answer (nginx may compress too).
    gzip_response = get(port, GEOJSON_PATH, {"Accept-Encoding": "gzip"})
    return {
        "features": features,
        "raw_bytes": len(first.body),
        "gzip6_bytes": len(gzip.compress(first.body, compresslevel=6)),
        "gzip1_bytes": len(gzip.compress(first.body, compresslevel=1)),
        "server_content_encoding": gzip_response.headers.get("content-encoding"),
        "server_gzip_bytes": len(gzip_response.body),
        "content_type": first.headers.get("content-type"),
        "cache_control": first.headers.get("cache-control"),
        "etag": bool(etag),
        "first_request_ms": round(first.seconds * 1000, 1),
        "repeated": summary_ms(full),
        "conditional": {**summary_ms(conditional), "status": conditional_status} if conditional else None,
    }
