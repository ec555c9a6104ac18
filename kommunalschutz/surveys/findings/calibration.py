"""The weighting of a project's respondents, on surveys.estimation (see docs/surveys/weighting-and-results.md).

Pure computation: the callers (findings.services, findings.results) fetch the respondents and the
population figures and store or use what comes back. Problems are reported as ``CalibrationError``
with German, field-wise messages; nothing here writes.

- Design: the sample's design weights; with a stratified sample its strata (locality x sex x age group
  of the letter), where a stratum with a single respondent is merged with its neighbour in the order
  locality, sex, age group (a lonely PSU has no variance, R's ``survey.lonely.psu = "fail"``).
- Calibration: post-stratification to the cells of the chosen variables, or raking on their margins.
- Collapsing (opt-in): a category with fewer than MIN_RESPONDENTS respondents is merged before
  calibrating: sex "d" into the larger of "m"/"w" in the population, an age group with its smaller
  neighbour (by respondents), localities into "übrige Ortsteile".
- Trimming: bounds as multiples of the mean weight or absolute; the total is kept (estimation.trim_weights)
  and the calibration steps stay on the design (as R's ``trimWeights`` keeps ``postStrata``).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from kommunalschutz.surveys.projects import estimation as est
from kommunalschutz.surveys.projects.models import AGE_GROUPS

VARIABLES = ("age_group", "sex", "locality")
# A category with fewer respondents than this is "thin" and merged when collapsing is asked for.
MIN_RESPONDENTS = 5
# The category that thin localities are merged into (a label the platform gives, in the active language).
OTHER_LOCALITIES = pgettext_lazy("merged localities", "other localities")
AGE_ORDER = {label: i for i, (label, _lo, _hi) in enumerate(AGE_GROUPS)}
RAKE_MAXIT = 100
RAKE_EPSILON = 1e-7  # a share of the weight total (estimation.rake: epsilon < 1)


class CalibrationError(Exception):
    """Field name -> German messages, raised when the weighting cannot be computed."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


@dataclass(frozen=True)
class Respondent:
    response_id: int
    locality: str
    age_group: str
    sex: str
    design_weight: float

    def value(self, variable: str) -> str:
        return str(getattr(self, variable))


@dataclass(frozen=True)
class PopulationRow:
    locality: str
    age_group: str
    sex: str
    count: int

    def value(self, variable: str) -> str:
        return str(getattr(self, variable))


@dataclass
class Result:
    design: est.Design
    weights: np.ndarray
    diagnostics: dict[str, Any] = field(default_factory=dict)


def variable_label(variable: str) -> str:
    return {"age_group": _("age group"), "sex": _("sex"), "locality": _("locality")}.get(variable, variable)


def _age_key(label: str) -> tuple[int, str]:
    first = label.split("-")[0].rstrip("+")
    return (int(first) if first.isdigit() else 999, label)


# ---------------------------------------------------------------------------------------------------
# Design


def strata_labels(respondents: list[Respondent], stratified: bool) -> tuple[list[str] | None, int]:
    """Stratum per respondent (None for a simple random sample) and how many strata were merged."""
    if not stratified:
        return None, 0
    counts = Counter((r.locality, r.sex, AGE_ORDER.get(r.age_group, 99), r.age_group) for r in respondents)
    groups: list[list[tuple[Any, ...]]] = []
    current: list[tuple[Any, ...]] = []
    size = 0
    for key in sorted(counts):
        current.append(key)
        size += counts[key]
        if size >= 2:
            groups.append(current)
            current, size = [], 0
    if current:
        if groups:
            groups[-1].extend(current)
        else:
            groups.append(current)
    label: dict[tuple[str, str, str], str] = {}
    for index, group in enumerate(groups):
        for key in group:
            label[(key[0], key[1], key[3])] = f"S{index}"
    merged = sum(len(g) - 1 for g in groups)
    return [label[(r.locality, r.sex, r.age_group)] for r in respondents], merged


def make_design(respondents: list[Respondent], stratified: bool) -> tuple[est.Design, int]:
    strata, merged = strata_labels(respondents, stratified)
    design = est.make_design(len(respondents), weights=[r.design_weight for r in respondents], strata=strata)
    return design, merged


# ---------------------------------------------------------------------------------------------------
# Collapsing thin categories


def _merged_age_label(labels: list[str]) -> str:
    ordered = sorted(labels, key=_age_key)
    first, last = ordered[0], ordered[-1]
    low = first.split("-")[0].rstrip("+")
    if last.endswith("+"):
        return f"{low}+"
    return f"{low}-{last.split('-')[-1]}"


def collapse_mapping(variable: str, respondents: list[Respondent],
                     population: list[PopulationRow]) -> dict[str, str]:
    """Original category -> merged category for one variable (only the categories that change)."""
    resp = Counter(r.value(variable) for r in respondents)
    pop: Counter[str] = Counter()
    for row in population:
        pop[row.value(variable)] += row.count
    categories = sorted(set(resp) | {c for c, n in pop.items() if n > 0})

    def thin(members: list[str]) -> bool:
        return sum(resp[c] for c in members) < MIN_RESPONDENTS or sum(pop[c] for c in members) == 0

    mapping: dict[str, str] = {}
    if variable == "sex":
        if "d" in categories and thin(["d"]):
            target = "w" if pop["w"] >= pop["m"] else "m"
            mapping["d"] = target
        return mapping
    if variable == "age_group":
        groups = [[c] for c in sorted(categories, key=_age_key)]
        while len(groups) > 1:
            thin_index = next((i for i, g in enumerate(groups) if thin(g)), None)
            if thin_index is None:
                break
            neighbours = [j for j in (thin_index - 1, thin_index + 1) if 0 <= j < len(groups)]
            j = min(neighbours, key=lambda k: (sum(resp[c] for c in groups[k]), k))
            lo, hi = sorted((thin_index, j))
            groups[lo:hi + 1] = [groups[lo] + groups[hi]]
        for group in groups:
            if len(group) > 1:
                merged = _merged_age_label(group)
                mapping.update(dict.fromkeys(group, merged))
        return mapping
    # locality
    thin_ones = [c for c in categories if thin([c])]
    if not thin_ones:
        return mapping
    other = list(thin_ones)
    rest = sorted((c for c in categories if c not in other), key=lambda c: (resp[c], c))
    while thin(other) and rest:
        other.append(rest.pop(0))
    if not rest:  # everything merged: one locality is no calibration variable, but stays consistent
        return dict.fromkeys(categories, str(OTHER_LOCALITIES))
    return dict.fromkeys(other, str(OTHER_LOCALITIES))


# ---------------------------------------------------------------------------------------------------
# Calibration


def _population_tables(variables: list[str], population: list[PopulationRow],
                       mapping: dict[str, dict[str, str]]) -> dict[tuple[str, ...], float]:
    table: dict[tuple[str, ...], float] = {}
    for row in population:
        key = tuple(mapping.get(v, {}).get(row.value(v), row.value(v)) for v in variables)
        table[key] = table.get(key, 0.0) + row.count
    return table


def _mapped(respondents: list[Respondent], variable: str, mapping: dict[str, dict[str, str]]) -> list[str]:
    m = mapping.get(variable, {})
    return [m.get(r.value(variable), r.value(variable)) for r in respondents]


def _check(method: str, variables: list[str], respondents: list[Respondent], population: list[PopulationRow],
           mapping: dict[str, dict[str, str]], collapse: bool) -> None:
    if not variables:
        return
    errors: dict[str, list[str]] = {}
    hint = "" if collapse else " " + _(
        "You can have thin categories merged (option \"merge thin categories\") or choose other variables.")
    groups = [[v] for v in variables] if method == "rake" else [variables]
    for group in groups:
        columns = [_mapped(respondents, v, mapping) for v in group]
        sampled = Counter(zip(*columns, strict=True))
        pop = _population_tables(group, population, mapping)
        label = " x ".join(variable_label(v) for v in group)
        for cell, count in sorted(sampled.items()):
            if pop.get(cell, 0) == 0:
                errors.setdefault("variables", []).append(_(
                    "%(variable)s \"%(category)s\": %(count)s respondents, but the population figures have "
                    "no person in this category. Check the population figures.") % {
                    "variable": label, "category": " / ".join(cell), "count": count} + hint)
        for cell, people in sorted(pop.items()):
            if people > 0 and cell not in sampled:
                advice = " " + _("Post-stratification needs respondents in every cell; rake on the margins "
                                 "instead.") if method == "poststratify" and collapse else hint
                errors.setdefault("variables", []).append(_(
                    "%(variable)s \"%(category)s\": %(people)s inhabitants, but no respondent. The weights of "
                    "this category cannot be calibrated.") % {
                    "variable": label, "category": " / ".join(cell), "people": int(people)} + advice)
    if errors:
        raise CalibrationError(errors)


def calibrate_design(design: est.Design, method: str, variables: list[str], respondents: list[Respondent],
                     population: list[PopulationRow], mapping: dict[str, dict[str, str]]) -> tuple[est.Design,
                                                                                                dict[str, Any]]:
    """Post-stratify or rake a design to the (collapsed) population figures."""
    info: dict[str, Any] = {}
    if method == "poststratify":
        columns = [_mapped(respondents, v, mapping) for v in variables]
        design = est.post_stratify(design, columns, _population_tables(variables, population, mapping))
    elif method == "rake":
        margins = [([_mapped(respondents, v, mapping)], _population_tables([v], population, mapping))
                   for v in variables]
        result = est.rake(design, margins, maxit=RAKE_MAXIT, epsilon=RAKE_EPSILON)
        design = result.design
        info = {"iterations": result.iterations, "converged": result.converged}
    return design, info


def resolve_trim(weights: np.ndarray, lower: float | None, upper: float | None,
                 mode: str) -> tuple[float | None, float | None]:
    """Absolute trimming bounds; with mode "relative" the bounds are multiples of the mean weight."""
    errors: dict[str, list[str]] = {}
    for name, value in (("trim_lower", lower), ("trim_upper", upper)):
        if value is not None and (not math.isfinite(value) or value < 0):
            errors.setdefault(name, []).append(_("The bound must be a number of zero or more."))
    if lower is not None and upper is not None and lower >= upper:
        errors.setdefault("trim_upper", []).append(_("The upper bound must be above the lower bound."))
    if mode == "relative":
        if lower is not None and lower > 1:
            errors.setdefault("trim_lower", []).append(_(
                "A lower bound above 1 times the mean weight cannot keep the weight total."))
        if upper is not None and upper < 1:
            errors.setdefault("trim_upper", []).append(_(
                "An upper bound below 1 times the mean weight cannot keep the weight total."))
    if errors:
        raise CalibrationError(errors)
    if mode == "relative":
        mean = float(weights.mean())
        return (None if lower is None else lower * mean, None if upper is None else upper * mean)
    return lower, upper


def distributions(respondents: list[Respondent], population: list[PopulationRow], design_weights: np.ndarray,
                  weights: np.ndarray) -> dict[str, list[dict[str, Any]]]:
    """Per variable and category: the shares in the population, the sample (unweighted), design-weighted
    and finally weighted (the original categories, before any collapsing)."""
    out: dict[str, list[dict[str, Any]]] = {}
    pop_total = sum(r.count for r in population)
    for variable in VARIABLES:
        values = [r.value(variable) for r in respondents]
        pop: Counter[str] = Counter()
        for row in population:
            pop[row.value(variable)] += row.count
        cats = sorted(set(values) | {c for c, n in pop.items() if n > 0},
                      key=_age_key if variable == "age_group" else str)
        arr = np.array(values, dtype=object)
        rows = []
        for c in cats:
            mask = arr == c
            rows.append({
                "category": c,
                "population": (pop[c] / pop_total) if pop_total else None,
                "sample": float(mask.mean()),
                "design": float(design_weights[mask].sum() / design_weights.sum()),
                "weighted": float(weights[mask].sum() / weights.sum()),
                "respondents": int(mask.sum()),
            })
        out[variable] = rows
    return out


def weight(respondents: list[Respondent], *, stratified: bool, method: str, variables: list[str],
           population: list[PopulationRow], collapse: bool = False, trim_lower: float | None = None,
           trim_upper: float | None = None, trim_mode: str = "relative") -> Result:
    """Weight the respondents; raises CalibrationError (German messages per field) on any problem."""
    errors: dict[str, list[str]] = {}
    if len(respondents) < 2:
        errors["__all__"] = [_("There are no submitted responses to weight yet.") if not respondents else
                             _("A weighting needs at least two submitted responses.")]
    if method not in ("design", "poststratify", "rake"):
        errors.setdefault("method", []).append(_("Choose a weighting method."))
    unknown = [v for v in variables if v not in VARIABLES]
    if unknown or len(set(variables)) != len(variables):
        errors.setdefault("variables", []).append(_("Choose among age group, sex and locality."))
    if method in ("poststratify", "rake") and not variables:
        errors.setdefault("variables", []).append(_("Choose at least one variable to calibrate on."))
    if method in ("poststratify", "rake") and not population:
        errors.setdefault("variables", []).append(_(
            "The project has no population figures (from the register extract or official statistics); "
            "without them only design weights are possible."))
    if trim_mode not in ("relative", "absolute"):
        errors.setdefault("trim_mode", []).append(_("Choose how the trimming bounds are meant."))
    if errors:
        raise CalibrationError(errors)
    if method == "design":
        variables = []
    mapping: dict[str, dict[str, str]] = {}
    if collapse:
        for v in variables:
            changed = collapse_mapping(v, respondents, population)
            if changed:
                mapping[v] = changed
    _check(method, variables, respondents, population, mapping, collapse)
    try:
        design, merged_strata = make_design(respondents, stratified)
        calibrated, rake_info = calibrate_design(design, method, variables, respondents, population, mapping)
    except est.SurveyError as exc:
        raise CalibrationError({"__all__": [_("The weighting could not be computed: %(reason)s") % {
            "reason": str(exc)}]}) from None
    before_trim = calibrated.weights
    lower, upper = resolve_trim(before_trim, trim_lower, trim_upper, trim_mode)
    final = calibrated
    if lower is not None or upper is not None:
        try:
            trimmed = est.trim_weights(before_trim, lower, upper)
        except est.SurveyError:
            raise CalibrationError({"trim_upper": [_(
                "With these bounds the weights cannot keep their total; widen the bounds.")]}) from None
        final = replace(calibrated, weights=trimmed)
    diag = est.weight_diagnostics(final.weights)
    diag_before = est.weight_diagnostics(before_trim)
    diagnostics: dict[str, Any] = {
        "n": diag.n,
        "weights": _diag_dict(diag),
        "before_trimming": _diag_dict(diag_before),
        # only the weights set to a bound; trimming rescales all the others to keep the total
        "trimmed": est.count_at_bounds(final.weights, lower, upper) if final is not calibrated else 0,
        "trim_mode": trim_mode,
        "trim_bounds": [lower, upper],
        "stratified": stratified,
        "strata_merged": merged_strata,
        "collapse": collapse,
        "mapping": mapping,
        "population_used": [[r.locality, r.age_group, r.sex, r.count] for r in population] if variables else [],
        "rake": rake_info,
        "distributions": distributions(respondents, population, design.weights, final.weights),
    }
    return Result(design=final, weights=final.weights, diagnostics=diagnostics)


def _diag_dict(d: est.WeightDiagnostics) -> dict[str, float]:
    return {"n": d.n, "min": d.minimum, "max": d.maximum, "mean": d.mean, "total": d.total, "cv": d.cv,
            "deff": d.deff_weighting, "effective_n": d.effective_n}


def rebuild(respondents: list[Respondent], weights: list[float], *, stratified: bool, method: str,
            variables: list[str], diagnostics: dict[str, Any]) -> est.Design:
    """The calibrated design of a stored run: the same calibration steps (for the standard errors that
    calibration implies) with the run's stored final weights."""
    design, _merged = make_design(respondents, stratified)
    population = [PopulationRow(str(a), str(b), str(c), int(d)) for a, b, c, d in diagnostics.get(
        "population_used", [])]
    calibrated, _info = calibrate_design(design, method, variables if method != "design" else [], respondents,
                                         population, diagnostics.get("mapping", {}))
    return replace(calibrated, weights=np.asarray(weights, dtype=np.float64))
