"""Pages of the insights app: the public figures and map, and the coordination office's dashboard.

Views stay thin: the figures come from ``figures``, the map data and the operational lists from
``selectors``, the chart from ``charts``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kommunalschutz.alliance.insights import charts, figures, selectors
from kommunalschutz.alliance.insights.forms import AsOfForm, SeriesForm
from kommunalschutz.alliance.programme.models import Programme
from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.access import require_perm
from kommunalschutz.foundation.core.documents import table_download

DEFAULT_START = dt.date(2019, 2, 6)  # only when no programme row exists yet (an empty installation)


def _url(name: str, *args: Any) -> str:
    """A link to another app's page, or "" while that page does not exist (the lists still render)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _figure_rows(current: figures.Figures, previous: figures.Figures | None = None) -> list[dict[str, Any]]:
    labels = charts.figure_labels()
    rows = []
    for name, value in current.values().items():
        row: dict[str, Any] = {"name": name, "label": labels[name], "value": value}
        if previous is not None:
            row["change"] = value - getattr(previous, name)
        rows.append(row)
    return rows


def _series_table(series: list[figures.Figures]) -> dict[str, Any]:
    labels = charts.figure_labels()
    return {
        "headings": [labels[name] for name in figures.FIGURE_NAMES],
        "rows": [{"as_of": point.as_of, "values": list(point.values().values())} for point in series],
    }


def _programme_name() -> str:
    """The programme's name (its row, else the state package's programme file: an installation before
    load-programme still names its own programme, never another state's)."""
    name = Programme.objects.order_by("pk").values_list("name", flat=True).first()
    if name:
        return str(name)
    try:
        return str(json.loads(states.current().programme_file.read_text(encoding="utf-8")).get("name", ""))
    except (OSError, ValueError):
        return ""


@require_GET
def figures_page(request: HttpRequest) -> HttpResponse:
    form = AsOfForm(request.GET or None)
    as_of = form.date()
    current = figures.figures_as_of(as_of)
    start = figures.programme_start() or DEFAULT_START
    series = figures.figures_series(figures.month_ends(start, as_of))
    export_query = urlencode({"from": start.isoformat(), "to": as_of.isoformat()})
    return render(request, "insights/figures.html", {
        "form": form,
        "programme_name": _programme_name(),
        "as_of": as_of,
        "figures": _figure_rows(current),
        "chart": charts.series_chart(series),
        "table": _series_table(series),
        "csv_url": reverse("insights:figures_export", args=["csv"]) + "?" + export_query,
        "xlsx_url": reverse("insights:figures_export", args=["xlsx"]) + "?" + export_query,
        "api_url": reverse("api-v1:alliance_figures") + "?" + urlencode({"as_of": as_of.isoformat()}),
    })


@require_GET
def figures_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The monthly series as CSV or XLSX; same parameters as the series API (from, to)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = SeriesForm(request.GET, default_from=figures.programme_start() or DEFAULT_START)
    if not form.is_valid():
        messages = [f"{field}: {' '.join(errors)}" for field, errors in form.public_errors().items()]
        return HttpResponse("\n".join(messages), status=422, content_type="text/plain; charset=utf-8")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    series = figures.figures_series(figures.month_ends(start, end))
    labels = charts.figure_labels()
    headers = [_("As of"), *(labels[name] for name in figures.FIGURE_NAMES)]
    rows = [[point.as_of, *point.values().values()] for point in series]
    return table_download(fmt, headers, rows, basename=f"kennzahlen-{start:%Y-%m-%d}-{end:%Y-%m-%d}")


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "insights.view_dashboard")
    today = timezone.localdate()
    year_ago = today - dt.timedelta(days=365)
    start = figures.programme_start() or DEFAULT_START
    dates = figures.month_ends(start, today)
    # One read of the dated columns for the chart, today and a year ago.
    evaluated = {point.as_of: point for point in figures.figures_series(sorted({*dates, year_ago, today}))}
    series = [evaluated[date] for date in dates]
    reviews = selectors.agreement_reviews_due(today)
    return render(request, "insights/dashboard.html", {
        "today": today,
        "year_ago": year_ago,
        "figures": _figure_rows(evaluated[today], evaluated[year_ago]),
        "chart": charts.series_chart(series, chart_id="dashboard-chart"),
        "table": _series_table(series),
        "reviews": [{"review": review, "overdue": review.due_on < today,
                     "url": _url("alliance:agreement_detail", review.agreement_id)} for review in reviews],
        "phases": [{"phase": phase, "url": _url("engagements:engagement_detail", phase.analysis.engagement_id)}
                   for phase in selectors.overdue_analysis_phases(today)],
        "tasks": [{"task": task, "url": _url("engagements:engagement_detail", task.consultation.engagement_id)}
                  for task in selectors.overdue_follow_up_tasks(today)],
        "applications": [{"application": application,
                          "url": _url("engagements:engagement_detail", application.engagement_id)}
                         for application in selectors.pending_funding_applications()],
    })


def _map_labels() -> dict[str, str]:
    """Texts the map's script shows (translated here; the script has no catalogue)."""
    return {
        "yes_since": _("yes, since %(date)s"),
        "no": _("no"),
        "signed_on": _("signed on %(date)s"),
        "synthetic": _("synthetic"),
        "synthetic_note": _("synthetic (demonstration data)"),
        "district_record": _("(district)"),
        "established": _("since %(date)s"),
        "no_contact": _("The council has not published a contact."),
        "council": _("Prevention council"),
        "contact": _("Contact"),
        "phone": _("Phone"),
        "email": _("E-mail"),
        "address": _("Address"),
        "agreement": _("Cooperation agreement"),
        "district": _("District"),
        "status": _("Shown: %(date)s. %(members)s member municipalities, %(contacted)s contacted, "
                    "%(councils)s prevention councils."),
        "caption": _("Building blocks of the municipalities on %(date)s"),
        "play": _("Play"),
        "pause": _("Pause"),
        "error": _("The map could not be loaded. The table on this page contains the same information."),
        "zoom_in": _("Zoom in"),
        "zoom_out": _("Zoom out"),
        "empty": _("No municipality had taken part in the alliance by this date."),
        "no_match": _("No municipality or district of this name had taken part in the alliance by this date."),
        "pages": _("Pages"),
        "page_of": _("Page %(number)s of %(total)s"),
        "rows_of": _("Rows %(first)s to %(last)s of %(count_)s"),
        "previous": _("Previous page"),
        "next": _("Next page"),
        **{f"block_{name}": label for name, label in _block_labels().items()},
    }


def _block_labels() -> dict[str, str]:
    return {
        "model": _("Model municipality"),
        "security_analysis": _("Security analysis"),
        "coaching": _("Coaching"),
        "member": _("Member with cooperation agreement"),
        "contacted": _("Contacted"),
        "council": _("Prevention council"),
    }


TABLE_BLOCKS = ("contacted", "model", "member", "coaching", "security_analysis")


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _table_rows(rows: list[selectors.MapRow]) -> list[dict[str, Any]]:
    return [{
        "row": row,
        "cells": [(name, _date(row.since[name])) for name in TABLE_BLOCKS],
        "agreement": _date(row.agreement),
        "councils": [{**council, "established": _date(council["established_on"])} for council in row.councils],
    } for row in rows]


TABLE_PAGE_SIZE = 50  # rows of the map's table per page (decision 0033)
QUERY_LENGTH = 100


def _table_query(request: HttpRequest) -> str:
    return " ".join(request.GET.get("q", "").split())[:QUERY_LENGTH]


def _page_url(as_of: dt.date, query: str, number: int) -> str:
    params = {"as_of": as_of.isoformat(), **({"q": query} if query else {}), "page": str(number)}
    return "?" + urlencode(params) + "#table-heading"


@require_GET
def public_map(request: HttpRequest) -> HttpResponse:
    """The map's frame, the counts and one page of its table; the boundaries and the layer are fetched by
    the script (compact, cached by data version, gzipped: decision 0033), so the page stays small at any
    scale. The table works without the script: paged, searchable by name."""
    form = AsOfForm(request.GET or None)
    as_of = form.date()
    today = timezone.localdate()
    programme = Programme.objects.order_by("pk").only("started_on", "land", "name").first()
    start = programme.started_on if programme else DEFAULT_START
    land = programme.land if programme else states.current().key
    layer = selectors.cached_map_layer()
    rows = selectors.state_on(layer, as_of)
    counts = selectors.block_counts(rows)
    query = _table_query(request)
    shown = selectors.rows_named(rows, query)
    # get_page clamps: a page that is no number gives the first, one behind the end the last.
    page = Paginator(shown, TABLE_PAGE_SIZE).get_page(request.GET.get("page"))
    # The slider steps through month ends since the start; the chosen date gets a step of its own.
    steps = sorted({*figures.month_ends(min(start, as_of), today), as_of})
    block_labels = _block_labels()
    return render(request, "insights/public_map.html", {
        "form": form,
        "as_of": as_of,
        "table_rows": _table_rows(list(page.object_list)),
        "page": page,
        "query": query,
        "previous_url": _page_url(as_of, query, page.previous_page_number()) if page.has_previous() else "",
        "next_url": _page_url(as_of, query, page.next_page_number()) if page.has_next() else "",
        "page_size": TABLE_PAGE_SIZE,
        "blocks": [{"name": name, "label": block_labels[name], "count": counts[name]}
                   for name in (*selectors.BLOCKS, "council")],
        "table_blocks": [(name, block_labels[name]) for name in TABLE_BLOCKS],
        # All of Germany when the layer reaches beyond the programme's own Land.
        "map_land": land if selectors.layer_lands(layer) <= {land} else "",
        "programme_name": programme.name if programme else _programme_name(),
        "steps": [step.isoformat() for step in steps],
        "step_index": steps.index(as_of),
        "labels": _map_labels(),
    })
