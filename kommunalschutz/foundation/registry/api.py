"""Public read API of the registry (open data: no token needed, nothing non-public in it)."""

from __future__ import annotations

import json
import math
from typing import Any

from django.db.models import Count, Window
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from ninja import Query, Router, Status
from ninja.responses import NinjaJSONEncoder

from kommunalschutz.foundation.core.dataversion import compressed_response, versioned_response
from kommunalschutz.foundation.core.schemas import ErrorOut
from kommunalschutz.foundation.registry import compact, geo, selectors
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.foundation.registry.schemas import (
    CompactQueryIn,
    ContactOut,
    DistrictOut,
    DistrictRefOut,
    HistoryOut,
    MunicipalityDetailOut,
    MunicipalityPageOut,
    MunicipalityQueryIn,
    MunicipalityRefOut,
    PoliceDirectorateRefOut,
    StateQueryIn,
)

router = Router(tags=["registry"])

GEOJSON_CONTENT_TYPE = "application/geo+json"
# The data version that changes with every write to the registry's tables (migration 0002's triggers).
DATA_SCOPE = "registry"


@router.get("/municipalities", response=MunicipalityPageOut, summary="Search municipalities")
def list_municipalities(request: HttpRequest, filters: Query[MunicipalityQueryIn]) -> HttpResponseBase:
    """Current municipalities by name or AGS prefix, optionally of one district; paginated.

    Cached by the registry's data version with an ETag (If-None-Match gives 304); decision 0027.
    """
    key = (f"municipalities\x00{filters.q}\x00{filters.district or ''}\x00{filters.land or ''}\x00"
           f"{filters.include_dissolved:d}\x00{filters.page}\x00{filters.page_size}")
    return versioned_response(request, DATA_SCOPE, key, lambda: render(municipality_page(filters)))


def municipality_page(filters: MunicipalityQueryIn) -> dict[str, Any]:
    """The page as MunicipalityPageOut would dump it, from one query (rows and total together) without
    model instances or validation; tests compare it with the validated page for every filter."""
    queryset = selectors.search_municipalities(
        q=filters.q, district=filters.district or "", include_dissolved=filters.include_dissolved,
        land=filters.land or "",
    )
    start = (filters.page - 1) * filters.page_size
    rows = list(
        queryset.annotate(total=Window(Count("*")))
        .values_list("ags", "name", "district__ags", "district__name", "population", "kind", "valid_until",
                     "total")[start:start + filters.page_size]
    )
    # The total comes with every row; only a page behind the end needs it counted.
    count = rows[0][7] if rows else (queryset.count() if start else 0)
    return {
        "count": count, "page": filters.page, "page_size": filters.page_size,
        "pages": math.ceil(count / filters.page_size),
        "results": [
            {"ags": ags, "name": name, "district": {"ags": district_ags, "name": district_name},
             "population": population, "kind": kind,
             "valid_until": valid_until.isoformat() if valid_until else None}
            for ags, name, district_ags, district_name, population, kind, valid_until, _total in rows
        ],
    }


def validated_municipality_page(filters: MunicipalityQueryIn) -> MunicipalityPageOut:
    """The page through the ORM and the schema, as the endpoint built it before decision 0027 (the
    reference the tests hold municipality_page to)."""
    queryset = selectors.search_municipalities(
        q=filters.q, district=filters.district or "", include_dissolved=filters.include_dissolved,
        land=filters.land or "",
    )
    count = queryset.count()
    start = (filters.page - 1) * filters.page_size
    rows = list(queryset[start:start + filters.page_size]) if start < count else []
    return MunicipalityPageOut.model_validate({
        "count": count, "page": filters.page, "page_size": filters.page_size,
        "pages": math.ceil(count / filters.page_size), "results": rows,
    })


def render(data: Any) -> bytes:
    """JSON exactly as django-ninja renders an answer (its renderer's encoder and separators)."""
    return json.dumps(data, cls=NinjaJSONEncoder).encode()


def _detail(municipality: Municipality) -> MunicipalityDetailOut:
    district = municipality.district
    directorate = district.police_directorate
    return MunicipalityDetailOut(
        ags=municipality.ags, ars=municipality.ars, name=municipality.name, land=municipality.land,
        kind=municipality.kind,
        district=DistrictRefOut(ags=district.ags, name=district.name),
        police_directorate=PoliceDirectorateRefOut(code=directorate.code, name=directorate.name)
        if directorate else None,
        association_ars=municipality.association_ars, association_name=municipality.association_name,
        association_type=municipality.association_type, population=municipality.population,
        population_male=municipality.population_male, population_female=municipality.population_female,
        area_km2=float(municipality.area_km2), postcode=municipality.postcode,
        multiple_postcodes=municipality.multiple_postcodes, reference_date=municipality.reference_date,
        valid_until=municipality.valid_until,
        successor=MunicipalityRefOut(ags=municipality.successor.ags, name=municipality.successor.name)
        if municipality.successor else None,
        predecessors=[MunicipalityRefOut(ags=p.ags, name=p.name) for p in municipality.predecessors.all()],
        contact=ContactOut(
            office_title=municipality.office_title, street=municipality.street,
            postcode=municipality.address_postcode, city=municipality.city, phone=municipality.phone,
            fax=municipality.fax, email=municipality.email, website=municipality.website,
            as_of=municipality.contact_as_of,
        ),
        localities=municipality.locality_list,
        history=[
            HistoryOut(kind=entry.kind, effective=entry.effective, old_name=entry.old_name,
                       new_name=entry.new_name, related_ags=entry.related_ags, note=entry.note)
            for entry in municipality.history.all()
        ],
    )


@router.get("/municipalities/{ags}", response={200: MunicipalityDetailOut, 404: ErrorOut},
            summary="One municipality by its AGS")
def get_municipality(request: HttpRequest, ags: str) -> HttpResponseBase | Status[ErrorOut]:
    """Current or dissolved; 404 for a key that is unknown or not 8 digits. Cached like the list."""
    response = versioned_response(request, DATA_SCOPE, f"municipality\x00{ags}", lambda: _detail_bytes(ags))
    if response is None:
        return Status(404, ErrorOut(detail=f"No municipality with the AGS {ags!r}."))
    return response


def _detail_bytes(ags: str) -> bytes | None:
    municipality = selectors.municipality_by_ags(ags)
    return None if municipality is None else render(_detail(municipality).model_dump())


@router.get("/districts", response=list[DistrictOut], summary="Districts and district-free cities")
def list_districts(request: HttpRequest, filters: Query[StateQueryIn]) -> HttpResponseBase:
    """Cached by the registry's data version like the municipalities."""
    land = filters.land or ""
    return versioned_response(request, DATA_SCOPE, f"districts\x00{land}",
                              lambda: render([district.model_dump() for district in districts(land)]))


def districts(land: str) -> list[DistrictOut]:
    return [
        DistrictOut(
            ags=district.ags, name=district.name, kind=district.kind, seat=district.seat, land=district.land,
            population=district.population, area_km2=float(district.area_km2),
            municipality_count=district.municipality_count,  # type: ignore[attr-defined]
            police_directorate=PoliceDirectorateRefOut(code=district.police_directorate.code,
                                                       name=district.police_directorate.name)
            if district.police_directorate else None,
            reference_date=district.reference_date,
        )
        for district in selectors.districts_with_counts(land)
    ]


@router.get("/geo/municipalities.geojson", summary="Boundaries of the current municipalities (GeoJSON)",
            response={200: None, 304: None}, openapi_extra={
                "responses": {"200": {"description": "A GeoJSON FeatureCollection with the properties ags, "
                                      "name, district, district_name, police_directorate, "
                                      "police_directorate_name and population.",
                                      "content": {GEOJSON_CONTENT_TYPE: {}}}},
            })
def municipalities_geojson(request: HttpRequest, filters: Query[StateQueryIn]) -> HttpResponse:
    """Built once per data version and cached; honours If-None-Match and If-Modified-Since."""
    land = filters.land or ""
    current = geo.version(land)
    headers = HttpResponse()
    headers["ETag"] = current.etag
    headers["Cache-Control"] = "public, no-cache"
    headers["Vary"] = "Accept-Encoding"
    timestamp = int(current.last_modified.timestamp()) if current.last_modified else None
    if timestamp is not None:
        headers["Last-Modified"] = http_date(timestamp)
    not_modified = get_conditional_response(request, etag=current.etag, last_modified=timestamp, response=headers)
    if not_modified is not headers and not_modified is not None:
        return not_modified
    document = geo.document(current, land)
    gzip_ok = "gzip" in request.headers.get("Accept-Encoding", "")
    response = HttpResponse(document.gzipped if gzip_ok else document.body, content_type=GEOJSON_CONTENT_TYPE)
    for name in ("ETag", "Cache-Control", "Vary", "Last-Modified"):
        if name in headers:
            response[name] = headers[name]
    if gzip_ok:
        response["Content-Encoding"] = "gzip"
    return response


@router.get("/geo/municipalities.compact.json", summary="Boundaries of the current municipalities, compact",
            response={200: None, 304: None}, openapi_extra={
                "responses": {"200": {"description": "Quantised, delta-encoded rings simplified for a zoom "
                                      "level (decision 0033): features are [ags, name, district, polygons], "
                                      "a polygon a list of rings, a ring [x0, y0, dx1, dy1, ...] in steps of "
                                      "`quantum` degrees from `origin`.",
                                      "content": {"application/json": {}}}},
            })
def municipalities_compact(request: HttpRequest, filters: Query[CompactQueryIn]) -> HttpResponseBase:
    """Built once per data version of the registry and level; ETag/304, gzip when accepted."""
    land = filters.land or ""
    return compressed_response(request, (DATA_SCOPE,), f"compact\x00{land}\x00{filters.level}",
                               lambda: compact.build(land, filters.level))
