"""Registry pages: open to everyone (open data), except starting an import."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.access import require_perm
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.models import AuditEvent, SiteState
from kommunalschutz.foundation.registry import selectors, services
from kommunalschutz.foundation.registry.forms import ImportForm, MunicipalitySearchForm
from kommunalschutz.foundation.registry.models import District, Municipality
from kommunalschutz.foundation.registry.readers import STATE_NAMES

PAGE_SIZE = 50
RESULTS_TARGET = "municipality-results"


def _feature(municipality: Municipality) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": municipality.ags,
        "properties": {"ags": municipality.ags, "name": municipality.name,
                       "population": municipality.population},
        "geometry": municipality.boundary,
    }


@require_GET
def municipality_list(request: HttpRequest) -> HttpResponse:
    form = MunicipalitySearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    district: District | None = filters.get("district")
    municipalities = selectors.search_municipalities(
        q=filters.get("q", ""), district=district.ags if district else "",
        include_dissolved=bool(filters.get("dissolved")),
    )
    page = Paginator(municipalities, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "filtered": bool(filters.get("q") or district)}
    # The live search swaps only the results; a history restore needs the whole page.
    if request.headers.get("HX-Target") == RESULTS_TARGET and not request.headers.get("HX-History-Restore-Request"):
        return render(request, "registry/_municipality_results.html", context)
    return render(request, "registry/municipality_list.html", context)


@require_GET
def municipality_detail(request: HttpRequest, ags: str) -> HttpResponse:
    municipality = selectors.municipality_by_ags(ags)
    if municipality is None:
        raise Http404
    return render(request, "registry/municipality_detail.html", {
        "municipality": municipality,
        "district": municipality.district,
        "directorate": municipality.district.police_directorate,
        "history": list(municipality.history.all()),
        "predecessors": list(municipality.predecessors.all()),
        "feature": _feature(municipality) if municipality.boundary else None,
        "can_view_audit_trail": request.user.has_perm("core.view_audit_trail"),
    })


@require_GET
def district_list(request: HttpRequest) -> HttpResponse:
    districts = list(selectors.districts_with_counts())
    states = sorted({district.land for district in districts})
    return render(request, "registry/district_list.html", {
        "rows": [{"district": d, "state": STATE_NAMES.get(d.land, d.land)} for d in districts],
        "several_states": len(states) > 1,
    })


@require_GET
def district_detail(request: HttpRequest, ags: str) -> HttpResponse:
    district = selectors.district_by_ags(ags)
    if district is None:
        raise Http404
    municipalities = list(selectors.municipalities_of(district))
    features = [_feature(m) for m in municipalities if m.boundary]
    return render(request, "registry/district_detail.html", {
        "district": district,
        "directorate": district.police_directorate,
        "municipalities": municipalities,
        "state_name": STATE_NAMES.get(district.land, district.land),
        "collection": {"type": "FeatureCollection", "features": features} if features else None,
    })


@require_GET
def overview_map(request: HttpRequest) -> HttpResponse:
    land = states.current().key
    districts = list(selectors.districts_with_counts(land))
    municipalities = list(
        selectors.current_municipalities().filter(land=land)
        .select_related("district__police_directorate").defer("boundary").order_by(*german("name"))
    )
    has_boundaries = selectors.current_municipalities().filter(land=land, boundary__isnull=False).exists()
    # A state package without municipality boundaries (Thuringia's) still gets a map: its districts.
    district_features = [] if has_boundaries else [
        {"type": "Feature", "geometry": district.boundary, "properties": {
            "ags": district.ags, "name": district.name, "population": district.population,
            "police_directorate": getattr(district.police_directorate, "code", ""),
            "police_directorate_name": getattr(district.police_directorate, "name", "")}}
        for district in District.objects.filter(land=land, boundary__isnull=False)
        .select_related("police_directorate").order_by("ags")]
    return render(request, "registry/overview_map.html", {
        "districts": districts,
        "municipalities": municipalities,
        "has_boundaries": has_boundaries,
        "district_collection": {"type": "FeatureCollection", "features": district_features}
        if district_features else None,
        "population": sum(d.population for d in districts),
    })


@require_GET
def police_directorate_list(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/police_directorate_list.html", {
        "directorates": list(selectors.police_directorates()),
        "authorities": list(selectors.state_authorities()),
    })


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "registry.import_registry")
    form = ImportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        run = services.queue_registry_import(actor=request.user, land=form.cleaned_data["land"],
                                             boundaries=form.cleaned_data["boundaries"])
        return redirect("core:task_detail", pk=run.pk)
    return render(request, "registry/import_start.html", {
        "form": form,
        "state": SiteState.objects.filter(pk=1).first(),  # load() would create the row on a GET
        "imports": [(event, _import_result(event)) for event in AuditEvent.objects.filter(
            action=AuditEvent.Action.IMPORT, object_type="registry.import")[:10]],
    })


def _import_result(event: AuditEvent) -> str:
    """An import's result in German, from the totals its audit event records (its stored summary is English)."""
    new = {name: (change or {}).get("new") for name, change in (event.changes or {}).items()}
    if not all(new.get(name) is not None for name in ("reference_date", "municipalities", "districts", "population")):
        return event.summary
    try:
        date = dt.date.fromisoformat(str(new["reference_date"]))
    except ValueError:
        return event.summary
    return gettext("%(state)s, as of %(date)s: %(municipalities)s municipalities, %(districts)s districts, "
                   "%(population)s inhabitants") % {
        "state": STATE_NAMES.get(event.object_id, event.object_id), "date": f"{date:%d.%m.%Y}",
        **{name: formats.number_format(int(new[name] or 0), force_grouping=True)
           for name in ("municipalities", "districts", "population")}}
