"""The case statistics in the REST API (mounted under /api/v1/).

``GET /case-statistics`` needs a token of someone with ``casestats.view_statistics`` (everyone else:
404) and returns every table with small-cell suppression applied: a suppressed cell has
``"value": null, "suppressed": true``. ``GET /police-figures`` is public: the official figures are
published facts.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kommunalschutz.foundation.accounts.auth import token_auth
from kommunalschutz.foundation.core.access import require_perm
from kommunalschutz.foundation.web.api import ErrorOut, ValidationErrorOut, invalid, public_list, uncached_list
from kommunalschutz.protection.casestats import tables
from kommunalschutz.protection.casestats.forms import StatisticsFilterForm
from kommunalschutz.protection.casestats.models import PoliceFigure
from kommunalschutz.protection.casestats.schemas import PoliceFigureOut, StatisticsOut, StatisticsQueryIn

router = Router(tags=["casestats"])


def _cell(cell: tables.Cell | None) -> dict[str, Any] | None:
    if cell is None:
        return None
    return {"value": None if cell.suppressed else cell.value, "suppressed": cell.suppressed}


def table_out(table: tables.Table) -> dict[str, Any]:
    return {
        "key": table.key, "title": table.title, "row_heading": table.row_heading, "additive": table.additive,
        "note": table.note, "columns": [{"key": str(k), "label": str(label)} for k, label in table.columns],
        "rows": [{"key": row.key, "label": row.label, "cells": [_cell(c) for c in row.cells],
                  "total": _cell(row.total)} for row in table.rows],
        "column_totals": [_cell(c) for c in table.column_totals] if table.column_totals is not None else None,
        "grand_total": _cell(table.grand_total),
    }


@router.get("/case-statistics", auth=token_auth, response={200: StatisticsOut, 404: ErrorOut, 422: ValidationErrorOut},
            url_name="case_statistics", summary="Case statistics with small cells suppressed")
def case_statistics(request: HttpRequest, params: Query[StatisticsQueryIn]) -> Status[Any]:
    """Incidents reported to the platform by month, year, type, channel, role, district, political
    motivation and way of reporting; the acute share; time to acknowledgement; measures and referrals.
    Counts from 1 to `min_cell` - 1 are suppressed (`value` null, `suppressed` true), and further cells
    where totals would reveal them."""
    require_perm(request.user, "casestats.view_statistics")
    form = StatisticsFilterForm({"from": params.date_from or "", "to": params.date_to or "",
                                 "district": params.district or "", "directorate": params.directorate or "",
                                 "without_synthetic": "on" if params.without_synthetic else ""})
    if not form.is_valid():
        errors = form.public_errors()
        return invalid(errors, detail=_("Invalid query: %(fields)s.") % {"fields": ", ".join(errors)})
    flt = form.statistics_filter()
    board = tables.build(flt)
    return Status(200, StatisticsOut.model_validate({
        "start": flt.start, "end": flt.end, "district": form.cleaned_data.get("district") or None,
        "directorate": form.cleaned_data.get("directorate") or None, "include_synthetic": flt.include_synthetic,
        "min_cell": board.min_cell, "tables": [table_out(t) for t in board.tables]}))


@router.get("/police-figures", response=list[PoliceFigureOut], url_name="police_figures",
            summary="Official police figures on offences against office and mandate holders")
def police_figures(request: HttpRequest, region: str | None = None) -> HttpResponseBase:
    """Every published figure (public facts), each with its status (preliminary or final), the date it
    was published as of, and its source. A later publication of the same figure is a further entry.
    Cached by the figures' data version, with an ETag (decision 0027); a region without figures gets its
    empty list uncached, so random regions cannot crowd the cache."""
    region = (region or "").upper()
    qs = PoliceFigure.objects.all()
    if region:
        qs = qs.filter(region=region)
        if not qs.exists():
            return uncached_list([])

    def figures() -> list[PoliceFigureOut]:
        return [PoliceFigureOut.model_validate(f, from_attributes=True) for f in qs]

    return public_list(request, "police_figures", f"police-figures\x00{region}", figures)


