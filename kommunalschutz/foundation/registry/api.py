"""Public read API of the registry (open data: no token needed, nothing non-public in it)."""

from __future__ import annotations

import math

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from ninja import Query, Router, Status

from kommunalschutz.foundation.core.schemas import ErrorOut
from kommunalschutz.foundation.registry import geo, selectors
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.foundation.registry.schemas import (
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


@router.get("/municipalities", response=MunicipalityPageOut, summary="Search municipalities")
def list_municipalities(request: HttpRequest, filters: Query[MunicipalityQueryIn]) -> MunicipalityPageOut:
    """Current municipalities by name or AGS prefix, optionally of one district; paginated."""
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
def get_municipality(request: HttpRequest, ags: str) -> Status[MunicipalityDetailOut | ErrorOut]:
    """Current or dissolved; 404 for a key that is unknown or not 8 digits."""
    municipality = selectors.municipality_by_ags(ags)
    if municipality is None:
        return Status(404, ErrorOut(detail=f"No municipality with the AGS {ags!r}."))
    return Status(200, _detail(municipality))


@router.get("/districts", response=list[DistrictOut], summary="Districts and district-free cities")
def list_districts(request: HttpRequest, filters: Query[StateQueryIn]) -> list[DistrictOut]:
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
        for district in selectors.districts_with_counts(filters.land or "")
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
