"""Pages of the case statistics: the dashboard and the CSV/XLSX export of every table.

Everyone with ``casestats.view_statistics`` sees the same suppressed tables; everyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.access import require_perm
from kommunalschutz.foundation.core.documents import table_download
from kommunalschutz.protection.casestats import charts, selectors, tables
from kommunalschutz.protection.casestats.forms import StatisticsFilterForm

PERMISSION = "casestats.view_statistics"


def _police_rows(dashboard: tables.Dashboard) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """Per year of the period: the platform's count and the latest official figure for the state."""
    figures = {f.year: f for f in selectors.police_figures(states.current().police_region)
               if f.offence_group == "all"}
    per_year = dashboard.table("per_year")
    rows = [{"year": int(row.key), "platform": row.cells[0], "figure": figures.get(int(row.key))}
            for row in per_year.rows]
    return rows, {year: figure.count for year, figure in figures.items()}


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, PERMISSION)
    form = StatisticsFilterForm(request.GET if request.GET else None)
    if request.GET and not form.is_valid():
        form.mark_errors()
        return render(request, "casestats/dashboard.html", {"form": form, "invalid": True}, status=422)
    if not request.GET:
        form = StatisticsFilterForm({})
        form.is_valid()
    flt = form.statistics_filter()
    board = tables.build(flt)
    police_rows, police = _police_rows(board)
    query = urlencode(form.query_params())
    for table in board.tables:
        table.csv_url = reverse("casestats:export", args=[table.key, "csv"]) + "?" + query
        table.xlsx_url = reverse("casestats:export", args=[table.key, "xlsx"]) + "?" + query
    return render(request, "casestats/dashboard.html", {
        "form": form,
        "filter": flt,
        "board": board,
        "min_cell": board.min_cell,
        "marker": tables.marker(board.min_cell),
        "police_rows": police_rows,
        "germany": selectors.police_figures("DE"),
        "state_groups": [f for f in selectors.police_figures(states.current().police_region)
                         if f.offence_group != "all"],
        "yearly_chart": charts.yearly_chart(board.table("per_year"), police, min_cell=board.min_cell),
        "types_chart": charts.types_chart(board.table("types"), min_cell=board.min_cell),
        "first_tables": [board.table("per_year")],
        "other_tables": [t for t in board.tables if t.key not in ("per_year", "types")],
        "types_table": board.table("types"),
        "api_url": reverse("api-v1:case_statistics") + "?" + query,
    })


@login_required
@require_GET
def export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    require_perm(request.user, PERMISSION)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = StatisticsFilterForm(request.GET)
    if not form.is_valid():
        messages = [f"{field}: {' '.join(errors)}" for field, errors in form.public_errors().items()]
        return HttpResponse("\n".join(messages), status=422, content_type="text/plain; charset=utf-8")
    flt = form.statistics_filter()
    board = tables.build(flt)
    try:
        chosen = board.table(table)
    except StopIteration:
        raise Http404 from None
    headers = [chosen.row_heading, _("Column"), _("Value"), _("Suppressed (fewer than %(k)s cases)") % {
        "k": board.min_cell}]
    basename = f"fallstatistik-{chosen.key}-{flt.start:%Y-%m}-{flt.end:%Y-%m}"
    return table_download(fmt, headers, tables.flat_rows(chosen), basename=basename)
