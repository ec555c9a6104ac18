"""The discrepancy view and the final report of a survey project (issue 5, items 7 and 8).

- ``discrepancy(project)``: perceived safety (weighted shares feeling unsafe, with 95 % logit intervals,
  overall and per locality) set against the recorded crime of the municipality's district (PKS, with the
  average of the state's districts as reference), and worry about specific offences against the matching
  recorded rates (DOMAIN.md §2.4).
- ``render_report(project) -> bytes``: the final report as PDF (WeasyPrint via core.documents).
- ``save_recommendations(*, actor, project, text)`` and ``release_report(*, actor, project)``: the two
  writes of the report (transactional, audited; releasing advances the alliance's analysis phases).

Survey estimates come from findings.results (the current weighting run's calibrated design), so every
number printed here equals the one on the results pages and in the exports.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import numpy as np
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit, states
from kommunalschutz.foundation.core.charts import COLOURS, Chart, category_chart, make_csp_safe, prefix_ids, svg_of
from kommunalschutz.foundation.core.errors import Errors, add_error, raise_if_errors
from kommunalschutz.foundation.core.numbers import german_number
from kommunalschutz.surveys.findings import crime
from kommunalschutz.surveys.findings.models import CrimeFigure, WeightingRun
from kommunalschutz.surveys.projects import estimation as est
from kommunalschutz.surveys.projects.models import AGE_GROUPS, Block, Item, Sex, SurveyProject
from kommunalschutz.surveys.sampling.models import PopulationCell, Sample, SampleMember

if TYPE_CHECKING:  # django-stubs' helper types exist only in the development dependencies
    from django_stubs_ext import StrOrPromise

    from kommunalschutz.surveys.findings import results

RECOMMENDATIONS_MAX = 20_000
# The final report is a German document (it goes to the municipality's council and public), whatever
# language the request that asks for it has: it and the parts only it prints render in this language.
REPORT_LANGUAGE = "de"
# A share resting on fewer respondents is not shown (as findings.results.MIN_CELL).
MIN_CELL = 5
DASH = "\u2013"  # the en dash of ranges in German typesetting

# The offences' short names are the official German names of the PKS (data, see crime.OFFENCE_NAMES).
CRIME_LABELS = crime.OFFENCE_NAMES

# Perceived-safety items (item bank key) and the answers that count as "unsafe" (4, 5 of the scale). The
# label completes "Share who …" in the chart title.
SAFETY_ITEMS: tuple[tuple[str, StrOrPromise], ...] = (
    ("safety_dark", gettext_lazy("feel unsafe walking alone in their neighbourhood at night")),
    ("safety_overall", gettext_lazy("feel unsafe in the municipality, all in all")),
)
UNSAFE = (4, 5)
# Worry / disorder item (bank key) -> the offence key whose recorded rate it is set against.
PAIRS: tuple[tuple[str, str, StrOrPromise], ...] = (
    ("fear_burglary", crime.BURGLARY, gettext_lazy("Worry about a burglary of one's home")),
    ("fear_assault", crime.VIOLENT_CRIME, gettext_lazy("Worry about being beaten and injured")),
    ("fear_robbery", crime.ROBBERY, gettext_lazy("Worry about being attacked and robbed")),
    ("fear_vehicle", crime.STREET_CRIME, gettext_lazy("Worry about one's car or bicycle")),
    ("fear_fraud_online", crime.CYBERCRIME, gettext_lazy("Worry about fraud on the internet")),
    ("disorder_vandalism", crime.PROPERTY_DAMAGE, gettext_lazy("Vandalism as a problem in the neighbourhood")),
    ("disorder_graffiti", crime.GRAFFITI, gettext_lazy("Graffiti as a problem in the neighbourhood")),
)
WORRIED = (4, 5)


# ---------------------------------------------------------------------------------------------------
# Formatting (German numbers, the same in page, PDF and tests)


def number(value: float, digits: int = 0) -> str:
    return german_number(value, digits)


def percent(value: float, digits: int = 1) -> str:
    return number(100 * value, digits) + "\u00a0%"


def interval(lower: float, upper: float, *, share: bool, digits: int = 1) -> str:
    if share:
        return f"{number(100 * lower, digits)}{DASH}{number(100 * upper, digits)}"
    return f"{number(lower, 2)}{DASH}{number(upper, 2)}"


def format_row(row: Any) -> tuple[str, str]:
    """(estimate, 95 % interval) of a results row as the page and the report print them."""
    share = row.kind == "proportion"
    return (percent(row.estimate) if share else number(row.estimate, 2),
            interval(row.ci_lower, row.ci_upper, share=share))


# ---------------------------------------------------------------------------------------------------
# Recorded crime


@dataclass(frozen=True)
class CrimeRow:
    key: str
    label: str
    offence: str
    cases: int
    rate: float
    state_rate: float | None  # the installation's state's districts together
    state_districts: int  # how many of them have the figure

    @property
    def relative(self) -> float | None:
        return self.rate / self.state_rate if self.state_rate else None


def pks_year(survey_year: int) -> int | None:
    """The latest PKS year not after the survey (else the earliest available one)."""
    years = sorted(set(CrimeFigure.objects.values_list("year", flat=True)))
    if not years:
        return None
    before = [y for y in years if y <= survey_year]
    return before[-1] if before else years[0]


def state_rates(year: int, keys: list[str]) -> dict[str, tuple[float, int]]:
    """Per offence key: the rate of the state's districts together (cases per 100,000 inhabitants, weighted by
    population, which each district's total row gives: cases / rate), and the number of districts."""
    figures = list(CrimeFigure.objects.filter(year=year, district__ags__startswith=crime.state_key())
                   .filter(key__in={crime.TOTAL, *keys}).values("district_id", "key", "cases", "rate"))
    population = {f["district_id"]: f["cases"] / f["rate"] * 100_000 for f in figures
                  if f["key"] == crime.TOTAL and f["rate"]}
    cases: dict[str, int] = defaultdict(int)
    districts: dict[str, int] = defaultdict(int)
    for f in figures:
        if f["district_id"] in population and f["key"] in keys:
            cases[f["key"]] += f["cases"]
            districts[f["key"]] += 1
    total = sum(population.values())
    return {key: (cases[key] / total * 100_000, districts[key]) for key in keys if total and districts[key]}


def crime_rows(district_id: int | None, year: int | None, keys: list[str]) -> list[CrimeRow]:
    if district_id is None or year is None:
        return []
    figures = {f.key: f for f in CrimeFigure.objects.filter(district_id=district_id, year=year, key__in=keys)}
    reference = state_rates(year, keys)
    rows = []
    for key in keys:
        f = figures.get(key)
        if f is None:
            continue
        state = reference.get(key)
        rows.append(CrimeRow(key, CRIME_LABELS.get(key, f.offence), f.offence, f.cases, f.rate,
                             state[0] if state else None, state[1] if state else 0))
    return rows


# ---------------------------------------------------------------------------------------------------
# Perceived safety


@dataclass(frozen=True)
class Share:
    label: str
    domain: str  # "" for the whole municipality
    estimate: float
    ci_lower: float
    ci_upper: float
    n: int

    @property
    def suppressed(self) -> bool:
        return self.n < MIN_CELL

    @property
    def display(self) -> str:
        return percent(self.estimate)

    @property
    def display_interval(self) -> str:
        return interval(self.ci_lower, self.ci_upper, share=True)


@dataclass(frozen=True)
class Pair:
    item_code: str
    label: str
    share: Share
    crime: CrimeRow | None


@dataclass
class Discrepancy:
    project: SurveyProject
    district_name: str
    year: int | None
    source: str
    weighted: bool
    respondents: int
    crime: list[CrimeRow]
    safety: list[tuple[str, list[Share]]]  # (item label, [overall, per locality...])
    pairs: list[Pair]
    safety_chart: Chart | None = None
    crime_chart: Chart | None = None
    state_name: str = ""  # the state package's German name: the reference of the crime rates

    @property
    def has_survey(self) -> bool:
        return bool(self.safety or self.pairs)

    @property
    def state_districts(self) -> int:
        """The number of the state's districts in the reference (a row with fewer says so)."""
        return max((r.state_districts for r in self.crime), default=0)


def _items_by_key(project: SurveyProject) -> dict[str, Item]:
    from kommunalschutz.surveys.findings import selectors

    found: dict[str, Item] = {}
    for item in selectors.items(project):
        found.setdefault(item.bank_key or item.code, item)
        found.setdefault(item.code, item)
    return found


def _binary(data: results.Data, item: Item, positive: tuple[int, ...]) -> list[int | None]:
    """1 for the counted scale points, 0 for the others, None for no answer, "don't use", "don't know"."""
    values: list[int | None] = []
    for answers in data.answers:
        v = answers.get(item.code)
        values.append(int(v in positive) if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 5
                      else None)
    return values


def _share(design: est.Design, values: list[int | None], mask: np.ndarray | None, label: str, domain: str) -> Share:
    known = ~est.missing_mask(values)
    n = int((known & mask).sum()) if mask is not None else int(known.sum())
    if n == 0:
        return Share(label, domain, math.nan, math.nan, math.nan, 0)
    e = est.svyprop(design, values, mask, [0, 1])[1]
    return Share(label, domain, e.estimate, e.ci_lower, e.ci_upper, n)


def discrepancy(project: SurveyProject, *, data: results.Data | None = None, charts: bool = True) -> Discrepancy:
    from kommunalschutz.surveys.findings import results

    municipality = project.municipality
    district_id = municipality.district_id
    year = pks_year(project.year)
    keys = list(crime.DISCREPANCY_KEYS)
    rows = crime_rows(district_id, year, keys)
    data = data if data is not None else results.load(project)
    items = _items_by_key(project)
    safety: list[tuple[str, list[Share]]] = []
    pairs: list[Pair] = []
    if data.design is not None:
        localities = np.array([r.locality for r in data.respondents], dtype=object)
        for key, lazy_label in SAFETY_ITEMS:
            item = items.get(key)
            if item is None:
                continue
            label = str(lazy_label)
            values = _binary(data, item, UNSAFE)
            shares = [_share(data.design, values, None, label, "")]
            for locality in sorted(set(localities.tolist())):
                shares.append(_share(data.design, values, localities == locality, label, str(locality)))
            safety.append((label, shares))
        pair_keys = [p[1] for p in PAIRS if p[0] in items]
        pair_crime = {r.key: r for r in crime_rows(district_id, year, list(dict.fromkeys(pair_keys)))}
        for key, crime_key, lazy_label in PAIRS:
            item = items.get(key)
            if item is None:
                continue
            label = str(lazy_label)
            share = _share(data.design, _binary(data, item, WORRIED), None, label, "")
            pairs.append(Pair(item.code, label, share, pair_crime.get(crime_key)))
    result = Discrepancy(
        project=project, district_name=municipality.district.name if district_id else "",
        year=year, source=crime.source_note(year) if year else "", weighted=data.run is not None,
        respondents=len(data.respondents), crime=rows, safety=safety, pairs=pairs, state_name=states.current().name)
    if charts:
        result.safety_chart, result.crime_chart = discrepancy_charts(result)
    return result


# ---------------------------------------------------------------------------------------------------
# Charts (SVG for page and PDF alike; every chart has a table beside it)


def _draw(draw: Any, *, chart_id: str, title: str, description: str) -> Chart:
    from matplotlib import rc_context

    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "kommunalschutz", "font.size": 9}):
        raw = prefix_ids(draw(), chart_id)
    return Chart(svg=make_csp_safe(raw, chart_id=chart_id, title=title, description=description),
                 title=title, description=description)


def interval_chart(labels: list[str], estimates: list[float], lowers: list[float], uppers: list[float], *,
                   chart_id: str, title: str, description: str, share: bool, xmax: float | None = None) -> Chart:
    """Horizontal points with 95 % confidence intervals."""

    def draw() -> str:
        x_label = (_("Share in per cent (with 95 per cent confidence interval)") if share
                   else _("Mean (1 = most positive, 5 = most negative value; with 95 per cent confidence "
                          "interval)"))
        chart = category_chart(labels, x_label=x_label)  # wrapped in full, never cut
        ax, ys = chart.ax, chart.ys
        factor = 100 if share else 1
        est_ = [factor * v for v in estimates]
        err = [[factor * (e - lo) for e, lo in zip(estimates, lowers, strict=True)],
               [factor * (up - e) for e, up in zip(estimates, uppers, strict=True)]]
        ax.errorbar(est_, ys, xerr=err, fmt="o", color=COLOURS[0], ecolor=COLOURS[0], capsize=3, markersize=4)
        ax.set_xlim(0, xmax if xmax is not None else (100 if share else 5.2))
        ax.grid(True, axis="x", color="#d0d5db", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
        return svg_of(chart.figure)

    return _draw(draw, chart_id=chart_id, title=title, description=description)


def discrepancy_charts(d: Discrepancy) -> tuple[Chart | None, Chart | None]:
    safety_chart = crime_chart = None
    if d.safety:
        label, shares = d.safety[0]
        shown = [s for s in shares if not s.suppressed and not math.isnan(s.estimate)]
        if shown:
            whole = _("Municipality as a whole")
            safety_chart = interval_chart(
                [s.domain or whole for s in shown], [s.estimate for s in shown],
                [s.ci_lower for s in shown], [s.ci_upper for s in shown], share=True,
                chart_id="discrepancy-safety", title=_("Share who %(label)s, by locality") % {"label": label},
                description=_("Points with 95%% confidence intervals: %(values)s. The table beside it contains "
                              "the same values.") % {"values": "; ".join(
                    f"{s.domain or whole} {s.display} ({s.display_interval})" for s in shown)})
    if d.crime:
        rows = d.crime

        def draw() -> str:
            chart = category_chart(
                [r.label for r in rows], row_points=32.0,
                x_label=_("Recorded cases per 100,000 inhabitants (%(source)s)") % {"source": d.source})
            ax = chart.ax
            ys = np.array(chart.ys)
            ax.barh(ys + 0.2, [r.rate for r in rows], height=0.38, color=COLOURS[1], label=d.district_name)
            ax.barh(ys - 0.2, [r.state_rate or 0 for r in rows], height=0.38, color=COLOURS[5],
                    label=ngettext("%(state)s (%(count)d district)", "%(state)s (%(count)d districts)",
                                   d.state_districts) % {"state": d.state_name, "count": d.state_districts})
            ax.grid(True, axis="x", color="#d0d5db", linewidth=0.6)
            ax.spines[["top", "right"]].set_visible(False)
            ax.legend(loc="lower right", fontsize=8, frameon=False)
            return svg_of(chart.figure)

        crime_chart = _draw(
            draw, chart_id="discrepancy-crime",
            title=_("Police-recorded crime %(year)s: %(district)s and %(state)s") % {
                "year": d.year, "district": d.district_name, "state": d.state_name},
            description=_("Bars per offence, cases per 100,000 inhabitants: %(values)s. The table beside it "
                          "contains the same values.") % {"values": "; ".join(
                _("%(offence)s %(rate)s (%(state)s %(state_rate)s)") % {
                    "offence": r.label, "rate": number(r.rate), "state": d.state_name,
                    "state_rate": number(r.state_rate) if r.state_rate else DASH}
                for r in rows)})
    return safety_chart, crime_chart


# ---------------------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True)
class ResponseLine:
    label: str
    drawn: int
    undeliverable: int
    online: int
    post: int

    @property
    def answered(self) -> int:
        return self.online + self.post

    @property
    def rate(self) -> float | None:
        eligible = self.drawn - self.undeliverable
        return self.answered / eligible if eligible else None

    @property
    def eligible(self) -> int:
        return self.drawn - self.undeliverable

    @property
    def rate_display(self) -> str:
        return DASH if self.rate is None else percent(self.rate)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def in_report_language(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Build a part of the final report in REPORT_LANGUAGE (its labels come from the catalogues)."""

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with translation.override(REPORT_LANGUAGE):
            return function(*args, **kwargs)

    return wrapper


@in_report_language
def response_overview(project: SurveyProject) -> dict[str, Any]:
    """Letters and answers from the sample members' statuses: overall and per locality, age group, sex.

    The response rate is answered / (drawn - undeliverable)."""
    counts = (SampleMember.objects.filter(sample__project=project)
              .values("locality", "age_group", "sex", "status").annotate(n=Count("pk")))
    totals: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in counts:
        for variable in ("", "locality", "age_group", "sex"):
            key = (variable, c[variable] if variable else "")
            totals[key][c["status"]] += c["n"]
    S = SampleMember.Status

    def line(label: str, by: dict[str, int]) -> ResponseLine:
        return ResponseLine(label, sum(by.values()), by[S.UNDELIVERABLE], by[S.ONLINE], by[S.POST])

    sex_labels = dict(Sex.choices)
    age_order = {a[0]: i for i, a in enumerate(AGE_GROUPS)}
    groups = []
    for variable, title in (("locality", _("Locality")), ("age_group", _("Age group")), ("sex", _("Sex"))):
        values = sorted((v for (var, v) in totals if var == variable),
                        key=lambda v: (age_order.get(v, 99), v) if variable == "age_group" else (0, v))
        groups.append((title, [line(str(sex_labels.get(v, v)) if variable == "sex" else v, totals[(variable, v)])
                               for v in values]))
    overall = totals.get(("", ""))
    sent = SampleMember.objects.filter(sample__project=project, letter_sent_at__isnull=False).count()
    return {"overall": line(pgettext("response overview", "overall"), overall) if overall else None,
            "groups": groups, "letters_sent": sent}


@in_report_language
def _margins(project: SurveyProject, run: WeightingRun | None) -> list[tuple[str, list[tuple[str, int]]]]:
    if run is None or not run.variables:
        return []
    cells = PopulationCell.objects.filter(project=project, source=run.margin_source)
    names = {"locality": _("Locality"), "age_group": _("Age group"), "sex": _("Sex")}
    sex_labels = dict(Sex.choices)
    out = []
    for variable in run.variables:
        sums: dict[str, int] = defaultdict(int)
        for value, count in cells.values_list(variable, "count"):
            sums[value] += count
        out.append((names.get(variable, variable),
                     [(str(sex_labels.get(k, k)) if variable == "sex" else k, v) for k, v in sorted(sums.items())]))
    return out


@dataclass(frozen=True)
class Printed:
    """A results row with its estimate and interval as printed (format_row)."""

    row: Any
    estimate: str
    interval: str


@dataclass
class BlockResults:
    key: str
    title: str
    items: list[tuple[Item, list[Printed]]]
    chart: Chart | None


@in_report_language
def block_results(project: SurveyProject, rows: list[results.Row]) -> list[BlockResults]:
    from kommunalschutz.surveys.findings import selectors

    by_item: dict[str, list[results.Row]] = defaultdict(list)
    for row in rows:
        if not row.domain_variable:
            by_item[row.item_code].append(row)
    titles = dict(Block.choices)
    blocks: dict[str, BlockResults] = {}
    for item in selectors.items(project):
        if item.code not in by_item or item.block == Block.DEMOGRAPHICS:
            continue
        block = blocks.setdefault(item.block, BlockResults(item.block, str(titles.get(item.block, item.block)),
                                                          [], None))
        block.items.append((item, [Printed(r, *format_row(r)) for r in by_item[item.code]]))
    for block in blocks.values():
        means = [(item, p.row) for item, printed in block.items for p in printed if p.row.kind == "mean"
                 and item.kind == Item.Kind.SCALE and not p.row.suppressed]
        if means:
            block.chart = interval_chart(
                [item.text_de for item, _r in means], [r.estimate for _i, r in means],
                [r.ci_lower for _i, r in means], [r.ci_upper for _i, r in means], share=False,
                chart_id=f"report-{block.key}",
                title=_("%(block)s: means with 95%% confidence interval") % {"block": block.title},
                description=_("Means of the scale questions: %(values)s. The tables contain the same "
                              "values.") % {"values": "; ".join(
                    f"{r.item_code} {number(r.estimate, 2)}" for _i, r in means)})
    order = [b[0] for b in Block.choices]
    return sorted(blocks.values(), key=lambda b: order.index(b.key) if b.key in order else 99)


def report_context(project: SurveyProject) -> dict[str, Any]:
    from kommunalschutz.foundation.core.documents import image_data_uri
    from kommunalschutz.surveys.findings import results

    data = results.load(project)
    run = data.run
    rows = results.project_results(project, run) if data.design is not None else []
    sample = Sample.objects.filter(project=project).first()
    questionnaire = project.questionnaires.order_by("-version").first()
    crest = None
    if project.crest and project.crest_type in ("image/png", "image/jpeg"):
        crest = image_data_uri(bytes(project.crest), project.crest_type)
    diagnostics = (run.diagnostics or {}).get("weights", {}) if run else {}
    return {
        "project": project,
        "municipality": project.municipality,
        "crest": crest,
        "sample": sample,
        "questionnaire": questionnaire,
        "questions": list(questionnaire.items.order_by("position")) if questionnaire else [],
        "response": response_overview(project),
        "run": run,
        "margins": _margins(project, run),
        "diagnostics": diagnostics,
        "respondents": len(data.respondents),
        "blocks": block_results(project, rows),
        "discrepancy": discrepancy(project, data=data),
        "created": timezone.localtime(),
    }


def render_report(project: SurveyProject) -> bytes:
    """The final report as PDF."""
    from kommunalschutz.foundation.core.documents import render_pdf

    # A German document whatever the language of the request that asks for it.
    with translation.override(REPORT_LANGUAGE):
        return render_pdf("findings/report_pdf.html", report_context(project))


REPORT_OPERATION = "findings.report_pdf"
# Part of every report key: raise it when the report's layout or content changes, and every stored report
# is rendered anew (on the next weighting; until then the fallback renders per person).
REPORT_VERSION = "r1"


def report_key(project: SurveyProject) -> str:
    """What the final report of the project's current state rests on: the results' basis (stored.basis:
    the weighting run or the submitted answers) and a fingerprint of everything else the PDF prints (the
    project's title page and method data, recommendations, release, sample, questionnaire, responses
    (sample members' statuses and letters), the weighting's population figures and the recorded crime).
    A stored report whose key is not this one is stale. A few small queries (the report page's GET)."""
    import hashlib
    import json

    from kommunalschutz.surveys.findings import selectors, stored

    run = selectors.current_run(project)
    questionnaire = project.questionnaires.order_by("-version").first()
    crest = bytes(project.crest) if project.crest else b""
    municipality = project.municipality
    parts: dict[str, Any] = {
        "project": [project.title, project.year, project.status, project.reported_at, project.reference_date,
                    project.minimum_age, project.field_start, project.field_end, project.recommendations,
                    project.crest_type, hashlib.sha256(crest).hexdigest(), municipality.name,
                    municipality.district_id],
        "sample": list(Sample.objects.filter(project=project).values_list(
            "pk", "method", "size", "seed", "population_size", "drawn_at")),
        "questionnaire": None if questionnaire is None else [
            questionnaire.pk, questionnaire.version, questionnaire.title_de, questionnaire.intro_de,
            list(questionnaire.items.order_by("position").values_list(
                "pk", "position", "block", "code", "kind", "text_de", "options", "allow_dont_use",
                "allow_dont_know", "bank_key"))],
        "responses": sorted((SampleMember.objects.filter(sample__project=project)
                             .values_list("locality", "age_group", "sex", "status")
                             .annotate(n=Count("pk")).order_by()), key=str),
        "letters": SampleMember.objects.filter(sample__project=project, letter_sent_at__isnull=False).count(),
        "margins": [] if run is None else sorted(
            PopulationCell.objects.filter(project=project, source=run.margin_source)
            .values_list("locality", "age_group", "sex", "count"), key=str),
        "crime": list(CrimeFigure.objects.order_by().aggregate(n=Count("pk"), last=Max("pk")).values()),
    }
    digest = hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()[:32]
    return f"{REPORT_VERSION}:{stored.basis(project, run)}:{digest}"


def stored_report_task(project: SurveyProject, key: str | None = None) -> Any:
    """The newest report the system rendered for ``key`` (the current one if None), or None."""
    from kommunalschutz.foundation.core.models import TaskRun

    return (TaskRun.objects.filter(kind=REPORT_OPERATION, requested_by__isnull=True, status=TaskRun.Status.DONE,
                                   result__arguments__project_id=project.pk,
                                   result__outcome__key=key or report_key(project))
            .order_by("-created_at", "-pk").first())


def stored_report_file(project: SurveyProject) -> str | None:
    """The stored file of the current report (its name in the default storage), or None when none is
    stored for the project's current state."""
    from django.core.files.storage import default_storage

    found = stored_report_task(project)
    name = None if found is None else found.result.get("outcome", {}).get("stored")
    return name if name and default_storage.exists(name) else None


def start_stored_report(project: SurveyProject) -> Any:
    """Queue the report of the project's current state as a system operation (no actor: it is served to
    everyone who may see the report), unless it is stored or being rendered already. Returns the task."""
    from kommunalschutz.foundation.core.models import TaskRun
    from kommunalschutz.foundation.core.services import start_operation

    key = report_key(project)
    if stored_report_file(project) is not None:
        return None
    pending = (TaskRun.objects.filter(kind=REPORT_OPERATION, requested_by__isnull=True,
                                      result__arguments__project_id=project.pk, result__arguments__key=key)
               .exclude(status__in=[TaskRun.Status.DONE, TaskRun.Status.FAILED]).first())
    if pending is not None:
        return pending
    label = _("Final report (PDF): %(title)s") % {"title": project.title}
    return start_operation(actor=None, kind=REPORT_OPERATION, label=label[:200],
                           arguments={"project_id": project.pk, "key": key})


def render_report_operation(*, progress: Any, actor_id: int | None, project_id: int,
                            key: str | None = None) -> dict[str, Any]:
    """Render the final report in the background (REPORT_OPERATION, decision 0024) and store the PDF.
    Asked for by a person (no ``key``), only they download it (core:task_download). Queued by the system
    after a weighting (``key``), it is served to everyone who may see the report while the report key is
    the one it was rendered for (the outcome's ``key``; none when the data changed while it rendered)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from kommunalschutz.foundation.core.documents import render_pdf

    project = SurveyProject.objects.select_related("municipality__district").get(pk=project_id)
    before = report_key(project) if key is not None else None
    steps = 3
    with translation.override(REPORT_LANGUAGE):
        progress.update(0, steps, _("estimates, comparisons and charts are being computed"))
        context = report_context(project)
        progress.update(1, steps, _("the PDF is being laid out"))
        pdf = render_pdf("findings/report_pdf.html", context)
        progress.update(2, steps, _("the PDF is being stored"))
    folder = f"findings/reports/{project_id}/" + ("stored/" if key is not None else "")
    name = default_storage.save(f"{folder}abschlussbericht-{project_id}-{timezone.now():%Y%m%d-%H%M%S}.pdf",
                                ContentFile(pdf))
    progress.update(steps, steps, _("the PDF is ready"))
    if key is None:
        return {"file": name, "bytes": len(pdf)}
    # Served by findings:report_pdf only (its permission), never by core:task_download ("stored").
    after = SurveyProject.objects.select_related("municipality__district").get(pk=project_id)
    return {"stored": name, "bytes": len(pdf), "key": before if before == report_key(after) else None}


def start_report(*, actor: Actor, project: SurveyProject) -> Any:
    """Queue the final report PDF for ``actor``; a report of this project already queued or being
    rendered for them is returned instead of a second one."""
    from kommunalschutz.foundation.core.services import start_operation

    pending = latest_report_task(actor, project)
    if pending is not None and not pending.finished:
        return pending
    label = _("Final report (PDF): %(title)s") % {"title": project.title}
    return start_operation(actor=actor, kind=REPORT_OPERATION, label=label[:200],
                           arguments={"project_id": project.pk})


def latest_report_task(actor: Actor, project: SurveyProject) -> Any:
    """The newest final report task ``actor`` started for ``project`` (None if none)."""
    from kommunalschutz.foundation.core.models import TaskRun

    return (TaskRun.objects.filter(kind=REPORT_OPERATION, requested_by_id=getattr(actor, "pk", None),
                                   result__arguments__project_id=project.pk)
            .order_by("-created_at", "-pk").first())


# ---------------------------------------------------------------------------------------------------
# Writes


def save_recommendations(*, actor: Actor, project: SurveyProject, text: str) -> SurveyProject:
    """Set the report's recommendations (the analyst's text). Refused once the report is released."""
    errors: Errors = {}
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > RECOMMENDATIONS_MAX:
        add_error(errors, "recommendations", _(
            "The recommendations may be at most %(maximum)s characters long (now %(length)s)."
        ) % {"maximum": number(RECOMMENDATIONS_MAX), "length": number(len(text))})
    with transaction.atomic():
        project = SurveyProject.objects.select_for_update().get(pk=project.pk)
        if project.status == SurveyProject.Status.REPORTED:
            add_error(errors, "recommendations", _("The final report has been released; the recommendations "
                                                    "can no longer be changed."))
        raise_if_errors(errors)
        before = audit.snapshot(project, ["recommendations"])
        project.recommendations = text
        project.save(update_fields=["recommendations"])
        audit.record_update(actor=actor, obj=project, before=before, summary=_("Recommendations of the report"))
    return project


def release_report(*, actor: Actor, project: SurveyProject) -> SurveyProject:
    """Release the final report: status REPORTED, reported_at now; the alliance's phases follow."""
    from kommunalschutz.surveys.findings import selectors
    from kommunalschutz.surveys.projects import lifecycle
    from kommunalschutz.surveys.projects.progress import sync_phases

    errors: Errors = {}
    with transaction.atomic():
        project = SurveyProject.objects.select_for_update().get(pk=project.pk)
        if project.status == SurveyProject.Status.REPORTED:
            add_error(errors, "__all__", _("The final report has already been released."))
        elif selectors.current_run(project) is None:
            add_error(errors, "__all__", _("Without weighting there are no results: please weight the answers "
                                            "before you release the report."))
        if not project.recommendations.strip():
            add_error(errors, "__all__", _("Please write the recommendations before you release the report."))
        problem = lifecycle.release_error(project)
        if problem:
            add_error(errors, "__all__", problem)
        raise_if_errors(errors)
        before = audit.snapshot(project, ["status", "reported_at"])
        project.status = SurveyProject.Status.REPORTED
        project.reported_at = timezone.now()
        project.save(update_fields=["status", "reported_at"])
        audit.record_update(actor=actor, obj=project, before=before, summary=_("Final report released"))
        sync_phases(actor=actor, project=project)
    return project
