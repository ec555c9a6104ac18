"""The municipality boundaries as one GeoJSON document, built once per data version.

The document is large (Saxony: about 290 kB, 53 kB gzipped) and changes only with an
import, so it is cached under a version stamp taken from the rows' ``updated_at``:
a request costs one small aggregate query, and a client holding the current ETag gets
a 304 without the document ever being loaded.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, QuerySet

from kommunalschutz.foundation.registry.models import Municipality

ATTRIBUTION = (
    "© GeoBasis-DE / BKG 2021 (Daten verändert), https://www.bkg.bund.de; "
    "© Statistisches Bundesamt (Destatis) 2025; dl-de/by-2-0"
)
CACHE_SECONDS = 24 * 3600
_LOCAL_LIMIT = 8
_local: OrderedDict[str, GeoJSONDocument] = OrderedDict()


@dataclass(frozen=True)
class GeoJSONDocument:
    body: bytes
    gzipped: bytes


@dataclass(frozen=True)
class Version:
    etag: str
    last_modified: dt.datetime | None
    cache_key: str


def _features(land: str) -> QuerySet[Municipality]:
    queryset = Municipality.objects.filter(valid_until__isnull=True, boundary__isnull=False)
    return queryset.filter(land=land) if land else queryset


def version(land: str = "") -> Version:
    """The data version of the document for ``land`` ("" = every state): one query."""
    totals = _features(land).aggregate(
        count=Count("id"),
        municipalities=Max("updated_at"),
        districts=Max("district__updated_at"),
        directorates=Max("district__police_directorate__updated_at"),
    )
    stamps = [totals[key] for key in ("municipalities", "districts", "directorates") if totals[key] is not None]
    fingerprint = "|".join([land or "all", str(totals["count"]), *(stamp.isoformat() for stamp in stamps)])
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:20]
    # Weak: the same document is sent plain or gzipped.
    return Version(etag=f'W/"{digest}"', last_modified=max(stamps) if stamps else None,
                   cache_key=f"registry:geojson:{land or 'all'}:{digest}")


def build(land: str = "") -> bytes:
    rows = (
        _features(land)
        .select_related("district__police_directorate")
        .only("ags", "name", "population", "boundary", "district__ags", "district__name",
              "district__police_directorate__code", "district__police_directorate__name")
        .order_by("ags")
    )
    features: list[dict[str, Any]] = []
    for municipality in rows:
        directorate = municipality.district.police_directorate
        features.append({
            "type": "Feature",
            "id": municipality.ags,
            "properties": {
                "ags": municipality.ags,
                "name": municipality.name,
                "district": municipality.district.ags,
                "district_name": municipality.district.name,
                "police_directorate": directorate.code if directorate else None,
                "police_directorate_name": directorate.name if directorate else None,
                "population": municipality.population,
            },
            "geometry": municipality.boundary,
        })
    document = {"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": features}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def document(current: Version, land: str = "",
             builder: Callable[[str], bytes] = build) -> GeoJSONDocument:
    """The document of this version: from this process, the shared cache, or built afresh."""
    cached = _local.get(current.cache_key)
    if cached is None:
        stored = cache.get(current.cache_key)
        if isinstance(stored, GeoJSONDocument):
            cached = stored
        else:
            body = builder(land)
            cached = GeoJSONDocument(body=body, gzipped=gzip.compress(body, compresslevel=6, mtime=0))
            cache.set(current.cache_key, cached, CACHE_SECONDS)
        _local[current.cache_key] = cached
        while len(_local) > _LOCAL_LIMIT:
            _local.popitem(last=False)
    return cached


def clear_local_cache() -> None:
    _local.clear()
