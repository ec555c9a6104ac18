"""The public part of the programme figures and the map (no token needed; only public facts)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.responses import NinjaJSONEncoder

from kommunalschutz.alliance.insights import figures, selectors
from kommunalschutz.alliance.insights.forms import AsOfForm, SeriesForm
from kommunalschutz.alliance.insights.schemas import AsOfIn, FiguresOut, MapLayerOut, SeriesIn, SeriesOut
from kommunalschutz.foundation.core.dataversion import compressed_response
from kommunalschutz.foundation.web.api import ValidationErrorOut, invalid

router = Router(tags=["insights"])


def _invalid_query(errors: dict[str, list[str]]) -> Status[ValidationErrorOut]:
    """The shared 422, its detail naming the query parameters (this router's wording)."""
    return invalid(errors, detail=_("Invalid query: %(fields)s.") % {"fields": ", ".join(errors)})


def _as_of_form(params: AsOfIn) -> AsOfForm:
    return AsOfForm({"as_of": params.as_of} if params.as_of is not None else {})


@router.get("/alliance/figures", response={200: FiguresOut, 422: ValidationErrorOut},
            summary="Programme figures on a date")
def alliance_figures(request: HttpRequest, params: Query[AsOfIn]) -> Status[Any]:
    """The figures the ministry publishes, computed from the records as of a date (default: today)."""
    form = _as_of_form(params)
    if not form.is_valid():
        return _invalid_query({name: [str(m) for m in messages] for name, messages in form.errors.items()})
    return Status(200, FiguresOut(**figures.figures_as_of(form.date()).as_dict()))


@router.get("/alliance/figures/series", response={200: SeriesOut, 422: ValidationErrorOut},
            summary="Programme figures at every month end")
def alliance_figures_series(request: HttpRequest, params: Query[SeriesIn]) -> Status[Any]:
    """The figures on the last day of every month from `from` (default: the programme start) to `to`
    (default: today); the last point is `to` itself."""
    form = SeriesForm({"from": params.date_from, "to": params.date_to, "interval": params.interval},
                      default_from=figures.programme_start())
    if not form.is_valid():
        return _invalid_query(form.public_errors())
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    points = figures.figures_series(figures.month_ends(start, end))
    return Status(200, SeriesOut(start=start, end=end, interval=form.cleaned_data["interval"],
                                 points=[FiguresOut(**point.as_dict()) for point in points]))


@router.get("/alliance/map", response={200: MapLayerOut, 422: ValidationErrorOut},
            summary="The public map's data")
def alliance_map(request: HttpRequest, params: Query[AsOfIn]) -> Status[Any] | HttpResponseBase:
    """Per AGS the dates each building block began (and ended), and the prevention councils with their
    public contact. Without `as_of` everything; with it, only what had happened by then.

    Without `as_of` (what the public map fetches) the answer is built once per data version of the
    registry and of the map's tables, with an ETag (If-None-Match gives 304), gzipped when accepted
    (decision 0033)."""
    form = _as_of_form(params)
    if not form.is_valid():
        return _invalid_query({name: [str(m) for m in messages] for name, messages in form.errors.items()})
    as_of = form.cleaned_data.get("as_of")
    if as_of is None:
        return compressed_response(request, selectors.MAP_SCOPES, "alliance-map", full_map_layer)
    return Status(200, MapLayerOut.model_validate(selectors.map_layer(as_of)))



def full_map_layer() -> bytes:
    """The whole layer as the endpoint's schema renders it (ninja's encoder and separators)."""
    layer = MapLayerOut.model_validate(selectors.cached_map_layer())
    return json.dumps(layer.model_dump(), cls=NinjaJSONEncoder).encode()
