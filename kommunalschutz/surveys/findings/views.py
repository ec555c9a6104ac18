"""Pages of the findings: results overview with comparisons, weighting, and the exports.

Results (``findings.view_results``): the project team and the coordination office. Weighting
(``findings.weight``): the project team. Microdata (``findings.export_microdata``): the contractor's
analysts. Everyone else gets 404.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kommunalschutz.foundation.core.access import get_for_user
from kommunalschutz.foundation.core.charts import Chart, stored_charts
from kommunalschutz.foundation.core.documents import csv_bytes, download, table_download
from kommunalschutz.foundation.core.numbers import german_number
from kommunalschutz.foundation.web.pages import request_user, save
from kommunalschutz.surveys.findings import charts, results, selectors, services, stored
from kommunalschutz.surveys.findings.forms import VARIABLE_CHOICES, DomainForm, WeightingForm
from kommunalschutz.surveys.findings.models import WeightingRun
from kommunalschutz.surveys.projects.models import Block, Sex, SurveyProject
from kommunalschutz.surveys.sampling.models import SampleMember

if TYPE_CHECKING:  # django-stubs' helper types exist only in the development dependencies
    from django_stubs_ext import StrOrPromise

DOMAIN_LABELS: dict[str, StrOrPromise] = {
    "": gettext_lazy("Municipality as a whole"), "locality": gettext_lazy("Locality"),
    "age_group": gettext_lazy("Age group"), "sex": gettext_lazy("Sex")}
DASH = "\u2013"
SEX_LABELS = {str(value): str(label) for value, label in Sex.choices}


def _project(request: HttpRequest, project_pk: int, permission: str) -> SurveyProject:
    return get_for_user(request.user, SurveyProject.objects.select_related("municipality"), permission, pk=project_pk)


def _domain_label(variable: str, value: str) -> str:
    if not variable:
        return _("whole municipality")
    if variable == "sex":
        return SEX_LABELS.get(value, value)
    return value


def _pct(value: float | None) -> str:
    if value is None or value != value:  # NaN
        return DASH
    return german_number(value * 100, 1)


def _num(value: float | None, digits: int = 2) -> str:
    if value is None or value != value:
        return DASH
    return german_number(value, digits)


def _response_numbers(project: SurveyProject) -> dict[str, Any]:
    counts = SampleMember.objects.filter(sample__project=project).aggregate(
        members=Count("pk"), undeliverable=Count("pk", filter=Q(status=SampleMember.Status.UNDELIVERABLE)))
    submitted = selectors.submitted_responses(project).count()
    reachable = (counts["members"] or 0) - (counts["undeliverable"] or 0)
    return {"members": counts["members"] or 0, "undeliverable": counts["undeliverable"] or 0,
            "submitted": submitted, "rate": _pct(submitted / reachable) if reachable else DASH}


def _display(row: results.Row) -> dict[str, Any]:
    percent = row.kind == "proportion"
    hidden = row.suppressed
    fmt = _pct if percent else _num
    return {
        "domain": _domain_label(row.domain_variable, row.domain),
        "category": row.category_label or (_("mean") if row.kind == "mean" else row.category),
        "estimate": None if hidden else fmt(row.estimate),
        "ci": None if hidden else f"{fmt(row.ci_lower)} \u2013 {fmt(row.ci_upper)}",
        "n": row.n,
        "percent": percent,
        "suppressed": hidden,
    }


def _whiskers(row: results.Row) -> dict[str, float | None]:
    """The interval for a chart's whiskers, widened by the rounding error that can put an estimate of
    (almost) 0 or 1 a hair outside its logit interval; matplotlib refuses negative error bars."""
    lower, upper, estimate = row.ci_lower, row.ci_upper, row.estimate
    if lower is None or upper is None or estimate is None:
        return {"lower": lower, "upper": upper}
    return {"lower": min(lower, estimate), "upper": max(upper, estimate)}


def _item_sections(project: SurveyProject, rows: list[results.Row]) -> list[dict[str, Any]]:
    by_item: OrderedDict[str, list[results.Row]] = OrderedDict()
    for row in rows:
        by_item.setdefault(row.item_code, []).append(row)
    blocks: OrderedDict[str, dict[str, Any]] = OrderedDict(
        (str(value), {"key": str(value), "label": str(label), "items": []}) for value, label in Block.choices)
    for index, (code, item_rows) in enumerate(by_item.items()):
        first = item_rows[0]
        main_kind = "mean" if first.item_kind in ("scale", "number") else "proportion"
        bars = []
        for row in item_rows:
            if row.kind != main_kind:
                continue
            label = row.category_label if main_kind == "proportion" else ""
            domain = _domain_label(row.domain_variable, row.domain) if row.domain_variable else ""
            text = " \u2013 ".join(p for p in (label, domain) if p) or _("mean")
            bars.append({"label": text, "estimate": None if row.suppressed else row.estimate,
                         **({"lower": None, "upper": None} if row.suppressed else _whiskers(row))})
        title = f"{code}: {first.question}"
        chart = charts.estimate_chart(title, bars, chart_id=f"chart-{index}", percent=main_kind == "proportion")
        block = blocks.setdefault(first.block, {"key": first.block, "label": first.block, "items": []})
        block["items"].append({"code": code, "question": first.question, "kind": first.item_kind, "chart": chart,
                               "rows": [_display(r) for r in item_rows], "anchor": f"item-{index}"})
    return [b for b in blocks.values() if b["items"]]


item_sections = _item_sections  # findings.precompute draws the page's charts in the background with it


def _comparison(project: SurveyProject, indicators: dict[str, results.Indicator | None]) -> dict[str, Any]:
    """Key indicators of this project, its earlier waves and similar municipalities (as columns)."""
    columns: list[dict[str, Any]] = [{"kind": "this", "project": project, "indicators": indicators}]
    candidates = [("wave", p) for p in selectors.earlier_waves(project)] + [
        ("similar", p) for p in selectors.similar_municipalities(project)]
    for kind, other in candidates:
        columns.append({"kind": kind, "project": other, "indicators": stored.current_indicators(other)})
    rows = []
    for key, (label, _keys, _codes) in results.INDICATORS.items():
        cells = []
        for column in columns:
            ind = column["indicators"].get(key)
            cells.append(None if ind is None or ind.n < results.MIN_CELL else {
                "estimate": _pct(ind.estimate), "ci": f"{_pct(ind.ci_lower)} \u2013 {_pct(ind.ci_upper)}", "n": ind.n})
        if any(cells):
            rows.append({"label": label, "cells": cells})
    return {"columns": columns, "rows": rows, "has_others": len(columns) > 1}


def _run_summary(run: WeightingRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    weights = run.diagnostics.get("weights", {})
    labels = dict(VARIABLE_CHOICES)
    return {
        "run": run,
        "variables": ", ".join(str(labels.get(v, v)) for v in run.variables),
        "n": run.diagnostics.get("n"),
        "deff": _num(weights.get("deff"), 3),
        "effective_n": _num(weights.get("effective_n"), 1),
    }


@login_required
@require_GET
def overview(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk, "findings.view_results")
    form = DomainForm(request.GET or None)
    by = (form.cleaned_data["domain"] or None) if form.is_valid() else None
    run = selectors.current_run(project)
    # The estimates and charts were computed in the background and stored (findings.stored): read them.
    basis = stored.basis(project, run)
    found = stored.find(project, basis, by or "")
    indicators = stored.stored_indicators(project, basis) if found is not None else None
    if found is not None and indicators is not None:
        with stored_charts(dict(found.charts)):
            blocks = _item_sections(project, stored.rows_of(found))
        comparison = _comparison(project, indicators)
    else:
        blocks, comparison = [], None
    user = request_user(request)
    return render(request, "findings/overview.html", {
        "project": project,
        "form": form,
        "domain_label": DOMAIN_LABELS[by or ""],
        "numbers": _response_numbers(project),
        "current": _run_summary(run),
        "stored": found,
        "computation": stored.task_for(project, basis) if found is None else None,
        "blocks": blocks,
        "comparison": comparison,
        "min_cell": results.MIN_CELL,
        "can_weight": user.has_perm("findings.weight", project),
        "can_export_microdata": user.has_perm("findings.export_microdata", project),
        "released": project.status == SurveyProject.Status.REPORTED,
        "by": by or "",
    })


@login_required
@require_POST
def compute_results(request: HttpRequest, project_pk: int) -> HttpResponse:
    """Queue the computation of the results of the project's current state (findings.stored)."""
    project = _project(request, project_pk, "findings.view_results")
    stored.start(actor=request_user(request), project=project, run=selectors.current_run(project))
    return redirect(reverse("findings:overview", args=[project.pk]) + "#results-heading")


@login_required
@require_GET
def results_progress(request: HttpRequest, project_pk: int) -> HttpResponse:
    """The progress bar of the results computation, polled by the results page (HTMX); everyone who may
    see the results may watch it. When it has finished, HTMX reloads the page, which then shows them."""
    project = _project(request, project_pk, "findings.view_results")
    overview = reverse("findings:overview", args=[project.pk])
    run = stored.task_for(project, stored.basis(project, selectors.current_run(project)))
    if run is None or not request.headers.get("HX-Request"):
        return redirect(overview)
    response = render(request, "core/_task_progress.html", {
        "run": run, "poll_url": reverse("findings:results_progress", args=[project.pk]), "reload_url": overview})
    if run.finished:
        response["HX-Refresh"] = "true"
    return response


def _histogram(run: WeightingRun) -> tuple[Chart, list[dict[str, str]]]:
    bins = charts.histogram_bins(list(run.weights.values()))
    table = [{"range": f"{_num(b['lower'])} \u2013 {_num(b['upper'])}", "count": german_number(int(b["count"]))}
             for b in bins]
    return charts.weight_histogram(bins), table


def _merged_categories(mapping: dict[str, dict[str, str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The notes of merged categories with the variable's German name and the categories' labels
    ("Geschlecht: „divers / ohne Angabe“ → „weiblich“"), not the stored codes."""
    labels = dict(VARIABLE_CHOICES)

    def category(variable: str, value: str) -> str:
        return str(SEX_LABELS.get(value, value)) if variable == "sex" else value

    return [(str(labels.get(variable, variable)),
             [(category(variable, original), category(variable, merged)) for original, merged in sorted(pairs.items())])
            for variable, pairs in mapping.items()]


def _distribution_tables(run: WeightingRun) -> list[dict[str, Any]]:
    labels = dict(VARIABLE_CHOICES)
    tables = []
    for variable, rows in run.diagnostics.get("distributions", {}).items():
        tables.append({"variable": variable, "label": labels.get(variable, variable), "rows": [{
            "category": SEX_LABELS.get(r["category"], r["category"]) if variable == "sex" else r["category"],
            "respondents": german_number(r["respondents"]), "population": _pct(r["population"]),
            "sample": _pct(r["sample"]),
            "design": _pct(r["design"]), "weighted": _pct(r["weighted"])} for r in rows]})
    return tables


@login_required
@require_http_methods(["GET", "POST"])
def weighting(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk, "findings.weight")
    form = WeightingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if save(form, lambda: services.run_weighting(
                    actor=request_user(request), project=project, method=data["method"],
                    variables=list(data["variables"]), trim_lower=data["trim_lower"], trim_upper=data["trim_upper"],
                    trim_mode=data["trim_mode"], collapse=data["collapse"])) is not None:
                messages.success(request, _("The weighting was computed and is now used for the results. The "
                                            "results are being computed in the background; the results page "
                                            "shows the progress."))
                return redirect("findings:weighting", project_pk=project.pk)
        status = 422
    run = selectors.current_run(project)
    source, population = selectors.population(project)
    context: dict[str, Any] = {
        "project": project, "form": form, "current": _run_summary(run), "runs": selectors.runs(project)[:20],
        "responses": selectors.submitted_responses(project).count(), "population_source": source,
        "population_total": sum(p.count for p in population),
    }
    if run is not None:
        chart, table = _histogram(run)
        d = run.diagnostics
        context.update({
            "histogram": chart, "histogram_table": table, "distributions": _distribution_tables(run),
            "stats": [
                (_("respondents"), german_number(int(d.get("n") or 0))),
                (_("smallest weight"), _num(d["weights"]["min"])), (_("largest weight"), _num(d["weights"]["max"])),
                (_("mean weight"), _num(d["weights"]["mean"])),
                (_("coefficient of variation"), _num(d["weights"]["cv"], 3)),
                (_("Kish design effect of the weighting"), _num(d["weights"]["deff"], 3)),
                (_("effective sample size"), _num(d["weights"]["effective_n"], 1)),
                (_("weights trimmed"), str(d.get("trimmed", 0))),
                (_("strata merged (one respondent)"), str(d.get("strata_merged", 0))),
            ],
            "mapping": _merged_categories(d.get("mapping", {})),
            "rake": d.get("rake") or {},
        })
    return render(request, "findings/weighting.html", context, status=status)


def estimate_table(project: SurveyProject, by: str | None) -> tuple[list[str], list[list[Any]]]:
    """The estimates as the CLI writes them (docs/surveys.md) plus the question text; cells with fewer
    than MIN_CELL respondents in a domain have empty estimates."""
    headers = ["variable", "question", "domain_variable", "domain", "category", "category_label", "kind",
               "estimate", "se", "ci_lower", "ci_upper", "n"]
    out = []
    basis = stored.basis(project, selectors.current_run(project))
    found = stored.find(project, basis, by or "")
    for row in (stored.rows_of(found) if found is not None else results.project_results(project, by=by)):
        values: list[Any] = ([None] * 4 if row.suppressed else
                             [row.estimate, row.se, row.ci_lower, row.ci_upper])
        out.append([row.item_code, row.question, row.domain_variable, row.domain, row.category,
                    row.category_label, row.kind, *values, row.n])
    return headers, out


@login_required
@require_GET
def export_estimates(request: HttpRequest, project_pk: int, fmt: str) -> HttpResponse:
    project = _project(request, project_pk, "findings.view_results")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    by = request.GET.get("domain") or None
    if by is not None and by not in results.DOMAIN_VARIABLES:
        raise Http404
    headers, rows = estimate_table(project, by)
    return table_download(fmt, headers, rows, basename=f"schaetzungen-{project.pk}" + (f"-{by}" if by else ""))


@login_required
@require_GET
def export_microdata(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk, "findings.export_microdata")
    try:
        header, rows = services.export_microdata(actor=request_user(request), project=project)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("findings:overview", project_pk=project.pk)
    return download(csv_bytes(header, rows), filename=f"mikrodaten-{project.pk}.csv",
                    content_type="text/csv; charset=utf-8")


def overview_url(project: SurveyProject) -> str:
    return reverse("findings:overview", args=[project.pk])
