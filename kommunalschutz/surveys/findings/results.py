"""Weighted estimates of a survey project, on the calibrated design of its current weighting run.

``project_results(project, run=None, by=None)`` gives one Row per item, domain and category:

- scale items: the mean of 1..5 ("don't use" 8 and "don't know" 9 are missing) and the share of each
  scale point among those who rated (logit intervals as R's ``svyciprop(method="logit")``);
- single choice: the share of each option; multiple choice: the share choosing each option (0/1);
- number items: the mean; free text is skipped.

Standard errors are those calibration implies: the design is rebuilt with the run's post-stratification
or raking steps (surveys.estimation) and carries the run's stored final weights. Without a weighting run
the design weights are used (marked ``weighting == "design (no run)"`` by the callers).

``key_indicators(project, run=None)`` gives the headline shares the discrepancy view, the report and the
comparisons use, found by the item bank key (surveys.item_bank) or an item code given by the caller.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from django.utils.translation import gettext_lazy

from kommunalschutz.surveys.findings import calibration, selectors
from kommunalschutz.surveys.findings.models import WeightingRun
from kommunalschutz.surveys.projects import estimation as est
from kommunalschutz.surveys.projects.models import DONT_KNOW, DONT_USE, Item, SurveyProject

if TYPE_CHECKING:  # django-stubs' helper types exist only in the development dependencies
    from django_stubs_ext import StrOrPromise

DOMAIN_VARIABLES = ("locality", "age_group", "sex")
# A domain cell with fewer respondents is not shown (pages, exports, API).
MIN_CELL = 5


@dataclass(frozen=True)
class Row:
    item_code: str
    block: str
    question: str
    item_kind: str  # scale | single | multiple | number
    kind: str  # mean | proportion
    domain_variable: str  # "" for the whole municipality
    domain: str
    category: str  # option code, "" for a mean
    category_label: str
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    n: int
    unweighted_share: float | None  # proportions: respondents in the category / n

    @property
    def suppressed(self) -> bool:
        return self.n < MIN_CELL

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Data:
    """Respondents with their answers and the calibrated design (rows in response-id order)."""

    respondents: list[calibration.Respondent]
    answers: list[dict[str, Any]]
    design: est.Design | None
    run: WeightingRun | None


def load(project: SurveyProject, run: WeightingRun | None = None) -> Data:
    """The respondents of the run (or the current run; the design weights if there is none)."""
    run = run if run is not None else selectors.current_run(project)
    responses = list(selectors.submitted_responses(project))
    if run is not None:
        weights = run.weights
        responses = [r for r in responses if str(r.pk) in weights]
    respondents = [selectors.respondent(r) for r in responses]
    answers = [dict(r.answers or {}) for r in responses]
    if len(respondents) < 2:
        return Data(respondents, answers, None, run)
    stratified = selectors.is_stratified(project)
    if run is None:
        design, _merged = calibration.make_design(respondents, stratified)
    else:
        design = calibration.rebuild(respondents, [run.weights[str(r.response_id)] for r in respondents],
                                     stratified=stratified, method=run.method, variables=list(run.variables),
                                     diagnostics=run.diagnostics)
    return Data(respondents, answers, design, run)


def _label(item: Item, code: Any) -> str:
    for option in item.options or []:
        if str(option.get("code")) == str(code):
            return str(option.get("de") or code)
    return str(code)


def _codes(item: Item) -> list[int]:
    if item.kind == Item.Kind.SCALE and not item.options:
        return [1, 2, 3, 4, 5]
    codes = []
    for option in item.options or []:
        try:
            codes.append(int(option["code"]))
        except (KeyError, TypeError, ValueError):
            continue
    if item.kind == Item.Kind.SCALE:
        codes = [c for c in codes if c not in (DONT_USE, DONT_KNOW)] or [1, 2, 3, 4, 5]
    return codes


def _value(answer: Any) -> int | None:
    if isinstance(answer, bool) or answer is None:
        return None
    if isinstance(answer, int):
        return answer
    if isinstance(answer, float) and math.isfinite(answer) and answer.is_integer():
        return int(answer)
    if isinstance(answer, str) and answer.strip().lstrip("-").isdigit():
        return int(answer.strip())
    return None


def _domains(data: Data, by: str | None) -> list[tuple[str, str, np.ndarray | None]]:
    out: list[tuple[str, str, np.ndarray | None]] = [("", "", None)]
    if by:
        values = np.array([r.value(by) for r in data.respondents], dtype=object)
        levels = sorted(set(values.tolist()), key=calibration._age_key if by == "age_group" else str)
        out += [(by, str(level), values == level) for level in levels]
    return out


def _proportion_rows(item: Item, design: est.Design, values: list[Any], categories: list[Any],
                     domains: list[tuple[str, str, np.ndarray | None]], *, labels: dict[Any, str],
                     keep: Iterable[Any] | None = None) -> list[Row]:
    rows = []
    missing = est.missing_mask(values)
    keep_set = set(categories if keep is None else keep)
    for dvar, dval, mask in domains:
        estimates = est.svyprop(design, values, mask, categories)
        in_domain = ~missing if mask is None else (~missing & mask)
        n = int(in_domain.sum())
        counts = {c: int(sum(1 for v, ok in zip(values, in_domain, strict=True) if ok and v == c))
                  for c in categories}
        for c in categories:
            if c not in keep_set:
                continue
            e = estimates[c]
            estimate, se, lower, upper = e.estimate, e.se, e.ci_lower, e.ci_upper
            if n and counts[c] in (0, n):
                # Nobody (or everybody) chose it: the share is exactly 0 (1) with no sampling error. The logit
                # interval is degenerate there (R's glm stops a hair away from 0 and gives no upper limit),
                # so the tables, exports and the API show the exact value instead of NaN.
                estimate = lower = upper = 0.0 if counts[c] == 0 else 1.0
                se = 0.0
            rows.append(Row(item.code, item.block, item.text_de, str(item.kind), "proportion", dvar, dval,
                            str(c), labels.get(c, str(c)), estimate, se, lower, upper, n,
                            counts[c] / n if n else None))
    return rows


def _mean_rows(item: Item, design: est.Design, y: np.ndarray,
               domains: list[tuple[str, str, np.ndarray | None]]) -> list[Row]:
    rows = []
    for dvar, dval, mask in domains:
        e = est.svymean(design, y, mask)
        n = int((~np.isnan(y) & (np.ones(len(y), dtype=bool) if mask is None else mask)).sum())
        rows.append(Row(item.code, item.block, item.text_de, str(item.kind), "mean", dvar, dval, "", "",
                        e.estimate, e.se, e.ci_lower, e.ci_upper, n, None))
    return rows


def item_rows(item: Item, data: Data, domains: list[tuple[str, str, np.ndarray | None]]) -> list[Row]:
    design = data.design
    if design is None or item.kind == Item.Kind.TEXT:
        return []
    raw = [a.get(item.code) for a in data.answers]
    if item.kind == Item.Kind.SCALE:
        codes = _codes(item)
        vals = [_value(v) for v in raw]
        valid = [v if v in codes else None for v in vals]
        y = np.array([math.nan if v is None else float(v) for v in valid])
        labels = {c: _label(item, c) for c in codes}
        return _mean_rows(item, design, y, domains) + _proportion_rows(
            item, design, valid, codes, domains, labels=labels)
    if item.kind == Item.Kind.SINGLE:
        codes = _codes(item)
        vals = [_value(v) for v in raw]
        extra = sorted({v for v in vals if v is not None and v not in codes})
        categories = codes + extra
        return _proportion_rows(item, design, vals, categories, domains,
                                labels={c: _label(item, c) for c in categories})
    if item.kind == Item.Kind.MULTIPLE:
        rows: list[Row] = []
        for code in _codes(item):
            chosen: list[Any] = []
            for v in raw:
                if isinstance(v, list):
                    chosen.append(1 if any(_value(x) == code for x in v) else 0)
                else:
                    chosen.append(None)
            label = _label(item, code)
            for row in _proportion_rows(item, design, chosen, [0, 1], domains, labels={1: label}, keep=[1]):
                rows.append(Row(**{**row.as_dict(), "category": str(code), "category_label": label}))
        return rows
    if item.kind == Item.Kind.NUMBER:
        y = np.array([math.nan if _value(v) is None else float(_value(v) or 0) for v in raw])
        return _mean_rows(item, design, y, domains)
    return []


def project_results(project: SurveyProject, run: WeightingRun | None = None, *, by: str | None = None,
                    data: Data | None = None) -> list[Row]:
    """Rows for the whole municipality and, with ``by`` ("locality", "age_group" or "sex"), per domain.
    ``data`` is what ``load(project, run)`` gives, if the caller has it already."""
    if by is not None and by not in DOMAIN_VARIABLES:
        raise ValueError(f"unknown domain variable {by!r}")
    data = data if data is not None else load(project, run)
    if data.design is None:
        return []
    domains = _domains(data, by)
    rows: list[Row] = []
    for item in selectors.items(project):
        rows.extend(item_rows(item, data, domains))
    return rows


# ---------------------------------------------------------------------------------------------------
# Key indicators


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    item_code: str
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    n: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# key -> (label, item bank keys (or codes) to look for, the answer codes that count). For
# "victimised" every listed item present is used: a respondent counts who said yes to any of them.
INDICATORS: dict[str, tuple[StrOrPromise, tuple[str, ...], tuple[int, ...]]] = {
    "unsafe_after_dark": (gettext_lazy("Share who feel very or fairly unsafe in their neighbourhood after dark"),
                          ("safety_dark",), (4, 5)),
    "unsafe_overall": (gettext_lazy("Share who feel very or fairly unsafe in the municipality, all in all"),
                       ("safety_overall",), (4, 5)),
    "victimised": (gettext_lazy("Share who were the victim of at least one of the offences asked about in the "
                                "last 12 months"),
                   ("victim_burglary", "victim_theft", "victim_damage", "victim_assault", "victim_threat",
                    "victim_fraud_online"), (1,)),
    "trust_police": (gettext_lazy("Share with very great or fairly great trust in the police"), ("trust_police",),
                     (1, 2)),
    "trust_administration": (gettext_lazy("Share with very great or fairly great trust in the municipal "
                                          "administration"), ("trust_administration",), (1, 2)),
}
ANY_OF = {"victimised"}


def _find_items(items: list[Item], candidates: tuple[str, ...], code: str | None, any_of: bool) -> list[Item]:
    by_code = {i.code: i for i in items}
    if code:
        return [by_code[c] for c in code.split(",") if c in by_code]
    by_bank = {i.bank_key: i for i in items if i.bank_key}
    found = [by_bank.get(key) or by_code.get(key) for key in candidates]
    found_items = [i for i in found if i is not None]
    return found_items if any_of else found_items[:1]


def _indicator_value(item: Item, answer: Any, positive: tuple[int, ...]) -> int | None:
    if isinstance(answer, list):
        return 1 if any(_value(x) in positive for x in answer) else 0
    v = _value(answer)
    if v is None or (v in (DONT_USE, DONT_KNOW) and item.kind in (Item.Kind.SCALE, Item.Kind.SINGLE)):
        return None
    return 1 if v in positive else 0


def current_key_indicators(project: SurveyProject) -> dict[str, Indicator | None]:
    """The key indicators of the project's current weighting, computed once per weighting run.

    A run's respondents and weights never change (later answers need a new run), so its indicators can
    be kept in the cache: the comparison on every results page would otherwise decrypt and re-calibrate
    each earlier wave and each similar municipality again."""
    from django.core.cache import cache

    run = selectors.current_run(project)
    if run is None:
        return key_indicators(project)
    key = f"findings:key-indicators:run:{run.pk}:{run.created_at.timestamp()}"
    found: dict[str, Indicator | None] | None = cache.get(key)
    if found is None:
        found = key_indicators(project, run)
        cache.set(key, found, timeout=None)
    return found


def key_indicators(project: SurveyProject, run: WeightingRun | None = None, *,
                   codes: dict[str, str] | None = None, data: Data | None = None) -> dict[str, Indicator | None]:
    """Headline shares with 95 % logit intervals for the whole municipality (keys of INDICATORS); None
    where the project has no matching item. ``codes`` maps an indicator key to item codes (comma
    separated) to use instead of the item bank's keys."""
    data = data if data is not None else load(project, run)
    items = selectors.items(project)
    out: dict[str, Indicator | None] = {}
    for key, (label, candidates, positive) in INDICATORS.items():
        found = _find_items(items, candidates, (codes or {}).get(key), key in ANY_OF)
        if not found or data.design is None:
            out[key] = None
            continue
        values: list[int | None] = []
        for answers in data.answers:
            per_item = [_indicator_value(i, answers.get(i.code), positive) for i in found]
            known = [v for v in per_item if v is not None]
            values.append(None if not known else max(known))
        if all(v is None for v in values):
            out[key] = None
            continue
        e = est.svyprop(data.design, values, None, [0, 1])[1]
        out[key] = Indicator(key, str(label), ",".join(i.code for i in found), e.estimate, e.se, e.ci_lower,
                             e.ci_upper, e.n)
    return out
