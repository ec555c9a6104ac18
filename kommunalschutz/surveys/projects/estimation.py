"""Design-based survey estimation on numpy that agrees with R's `survey` package (version 4.1).

The variance estimator is Taylor linearisation exactly as `survey:::svyrecvar` computes it for a
one-stage (stratified, clustered) design: linearised values are (1) reduced to their residuals on the
calibration (post-stratification, raking) in the order R stores it, (2) summed per PSU, (3) centred
within each stratum, and (4) their squares summed with the factor ``f_h * n_h / (n_h - 1)`` where
``f_h = (N_h - n_h) / N_h`` with a finite population correction and 1 without.

Domains (subpopulations) keep the full design and zero the weights outside the domain, as R's
``subset()``/``svyby()`` do on a ``survey.design2``; missing values are dropped the same way
(R's ``na.rm=TRUE``). A stratum with a single PSU is refused (R's default
``options(survey.lonely.psu="fail")``) or handled by R's other rules (``make_design(lonely_psu=...)``,
decision 0030). Quantiles as R's ``svyquantile`` (qrule "math", Woodruff interval).

See docs/surveys.md for the method, references and the tests against R.
"""

from __future__ import annotations

import argparse
import csv
import functools
import math
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
Labels = Sequence[Any] | NDArray[Any]  # one value per respondent

LONELY_PSU = ("fail", "certainty", "remove", "adjust", "average")  # R's options(survey.lonely.psu)

MISSING_MARKERS = frozenset({"", "NA", "na", "N/A", "n/a", "."})


class SurveyError(ValueError):
    """Bad input for a design or an estimate; the message says what and, where it applies, where."""


# ---------------------------------------------------------------------------------------------------
# Quantiles (no scipy): the normal quantile from the standard library (Wichura's AS 241) and the
# Student t quantile by inverting the regularised incomplete beta function.


def normal_quantile(p: float) -> float:
    return NormalDist().inv_cdf(p)


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = tiny if abs(d) < tiny else d
    d = 1.0 / d
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return h


def _betai(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_bt = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    bt = math.exp(log_bt)
    if x < (a + 1.0) / (a + b + 2.0):
        return bt * _betacf(a, b, x) / a
    return 1.0 - bt * _betacf(b, a, 1.0 - x) / b


def _t_upper_tail(t: float, df: float) -> float:
    """P(T > t) for t >= 0."""
    return 0.5 * _betai(df / 2.0, 0.5, df / (df + t * t))


@functools.lru_cache(maxsize=4096)
def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with df degrees of freedom (R's ``qt(p, df)``), 0.5 < p < 1."""
    if not 0.5 < p < 1.0:
        raise ValueError("t_quantile expects 0.5 < p < 1")
    if math.isinf(df) or df > 1e10:
        return normal_quantile(p)
    if df <= 0:
        return math.nan
    target = 1.0 - p
    lo, hi = 0.0, max(1.0, normal_quantile(p))
    while _t_upper_tail(hi, df) > target:
        lo, hi = hi, hi * 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _t_upper_tail(mid, df) > target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 4e-16 * hi:
            break
    return 0.5 * (lo + hi)


# ---------------------------------------------------------------------------------------------------
# Grouping helpers


def _homogeneous_array(labels: Labels) -> NDArray[Any] | None:
    """The labels as a numpy array if they are all str, all int or all bool (numpy then sorts them exactly as
    Python does), else None."""
    if isinstance(labels, np.ndarray):
        return labels if labels.ndim == 1 and labels.dtype.kind in "Uiub" else None
    values = labels if isinstance(labels, list) else list(labels)
    if not values:
        return None
    kind = type(values[0])
    if kind not in (str, int, bool) or any(type(v) is not kind for v in values):
        return None
    arr = np.array(values)
    # numpy drops trailing NUL characters of str; such labels take the general path
    if arr.dtype.kind not in "Uiub" or (arr.dtype.kind == "U" and any(v.endswith("\0") for v in values)):
        return None
    return arr


def _codes(labels: Labels) -> tuple[IntArray, list[Any]]:
    """Integer codes 0..k-1 for labels, levels in sorted order (as R's factor())."""
    arr = _homogeneous_array(labels)
    if arr is not None:
        unique, inverse = np.unique(arr, return_inverse=True)
        return np.asarray(inverse, dtype=np.intp).reshape(-1), list(unique.tolist())
    values = list(labels)
    levels = sorted(set(values), key=lambda v: (str(type(v)), v))
    index = {v: i for i, v in enumerate(levels)}
    return np.fromiter((index[v] for v in values), dtype=np.intp, count=len(values)), levels


def _group_sum(codes: IntArray, ngroups: int, xt: FloatArray) -> FloatArray:
    """Sums per group of each variable of xt (variables, rows): (variables, ngroups), as R's rowsum().
    Variables are rows of contiguous memory here, so each bincount reads one contiguous vector."""
    out = np.empty((xt.shape[0], ngroups))
    for j in range(xt.shape[0]):
        out[j] = np.bincount(codes, weights=xt[j], minlength=ngroups)
    return out


# ---------------------------------------------------------------------------------------------------
# Calibration steps as R stores them in design$postStrata. Their residuals() take and return the
# linearised values transposed, (variables, rows).


@dataclass(frozen=True)
class PostStratum:
    """One postStratify() step: cell index per row, the weights before and after it."""

    cells: IntArray
    ncells: int
    old_weights: FloatArray
    weights: FloatArray

    def residuals(self, xt: FloatArray) -> FloatArray:
        # svyrecvar, ordinary post-stratification branch.
        psw = self.weights.copy()
        oldw = self.old_weights
        zeroes = (psw == 0) & (oldw == 0)
        psw[zeroes] = 1.0
        sums = _group_sum(self.cells, self.ncells, xt * (oldw / psw))
        denom = np.bincount(self.cells, weights=oldw, minlength=self.ncells)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = sums / denom
        return np.asarray(xt - means[:, self.cells] * psw, dtype=np.float64)


@dataclass(frozen=True)
class Raking:
    """The post-strata of rake()'s last iteration; svyrecvar sweeps them 10 times."""

    margins: tuple[PostStratum, ...]

    @cached_property
    def _projection(self) -> tuple[list[FloatArray], list[list[FloatArray]]] | None:
        """Cell counts and the cross-products B[m][k] = G_m' diag(w_k / w_m) G_k of the margins (G the cell
        indicators, w the margins' weights); None if a weight is zero or not finite (then the sweeps run on
        the data themselves)."""
        if any(not bool(np.all(np.isfinite(m.weights) & (m.weights != 0))) for m in self.margins):
            return None
        counts = [np.bincount(m.cells, minlength=m.ncells).astype(np.float64) for m in self.margins]
        cross = [
            [
                np.bincount(a.cells * b.ncells + b.cells, weights=b.weights / a.weights,
                            minlength=a.ncells * b.ncells).reshape(a.ncells, b.ncells).astype(np.float64)
                for b in self.margins
            ]
            for a in self.margins
        ]
        return counts, cross

    def residuals(self, xt: FloatArray) -> FloatArray:
        """svyrecvar's raking branch: 10 rounds of ``x <- x - w_m * rowsum(x / w_m, cells_m) / n_cell`` over
        the margins m. Each step subtracts a vector of the span of w_m G_m (G_m the cell indicators), so
        after all rounds x has lost a combination sum_k w_k G_k a_k. The coefficients a_k follow from the
        cell sums of x / w_m alone, since the cell sums of what earlier steps subtracted are
        B[m][k] a_k; the data are read twice instead of 60 times (the same numbers up to rounding)."""
        projection = self._projection
        if projection is None:
            return self._sweeps(xt)
        counts, cross = projection
        k = len(self.margins)
        sums = [_group_sum(m.cells, m.ncells, xt / m.weights) for m in self.margins]
        coef = [np.zeros((xt.shape[0], m.ncells)) for m in self.margins]
        for _ in range(10):
            for i in range(k):
                current = sums[i].copy()
                for j in range(k):
                    current -= coef[j] @ cross[i][j].T
                coef[i] = coef[i] + current / np.maximum(counts[i], 1.0)
        out = np.array(xt, dtype=np.float64, copy=True)
        for m, c in zip(self.margins, coef, strict=True):
            out -= m.weights * c[:, m.cells]
        return out

    def _sweeps(self, xt: FloatArray) -> FloatArray:
        for _ in range(10):
            for margin in self.margins:
                psw = margin.weights
                counts = np.bincount(margin.cells, minlength=margin.ncells).astype(np.float64)
                means = _group_sum(margin.cells, margin.ncells, xt / psw) / np.maximum(counts, 1.0)
                xt = xt - psw * means[:, margin.cells]
        return xt


Calibration = PostStratum | Raking


# ---------------------------------------------------------------------------------------------------
# The design


@dataclass(frozen=True)
class Design:
    """A one-stage design: weights, strata, PSUs (nested in strata), optional fpc, calibration."""

    weights: FloatArray
    strata: IntArray
    nstrata: int
    psu: IntArray  # PSU codes, unique across the design, ordered by stratum
    npsu_total: int
    psu_stratum: IntArray  # stratum of each PSU
    n_psu_in_stratum: FloatArray  # n_h per stratum
    fpc_population: FloatArray | None  # N_h per stratum (PSUs in the population)
    calibration: tuple[Calibration, ...] = field(default=())
    lonely_psu: str = "fail"  # R's options(survey.lonely.psu): one of LONELY_PSU
    adjust_domain_lonely: bool = False  # R's options(survey.adjust.domain.lonely)

    @property
    def n(self) -> int:
        return int(self.weights.shape[0])

    def with_weights(self, weights: FloatArray, step: Calibration) -> Design:
        return replace(self, weights=weights, calibration=(*self.calibration, step))

    @property
    def needs_presence(self) -> bool:
        """Whether the variance depends on which rows R's subset() keeps (the strata present in a domain):
        only for ``lonely_psu="average"`` and the domain adjustment, and only without calibration (a calibrated
        design keeps every row)."""
        return (self.lonely_psu == "average" or self.adjust_domain_lonely) and not self.calibration

    # -- variance ------------------------------------------------------------------------------------

    def recvar(self, x: FloatArray, present: NDArray[np.bool_] | None = None) -> FloatArray:
        """Variances (diagonal of svyrecvar) of the totals of the columns of x (n, p). ``present``: the rows R's
        subset() keeps for the estimate (domain and non-missing; see recvar_t), None for all rows."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None]
        pt = None if present is None else np.broadcast_to(np.asarray(present, dtype=bool), (x.shape[1], x.shape[0]))
        return self.recvar_t(np.ascontiguousarray(x.T), pt)

    def recvar_t(self, xt: FloatArray, present: NDArray[np.bool_] | None = None) -> FloatArray:
        """recvar() of the transposed values xt (variables, rows), the layout the computation works in.

        Strata with a single PSU follow ``lonely_psu`` as R's ``survey:::onestrat`` (survey 4.1): "certainty"
        and "remove" contribute nothing, "adjust" the uncentred square of the PSU total (times f, not
        n/(n-1)), "average" no contribution but the sum is scaled by strata / strata with a contribution,
        counted among the strata present. ``present`` (variables, rows) marks the rows R's subset() keeps
        in an uncalibrated design (domain and non-missing); it only matters for "average" and for
        ``adjust_domain_lonely`` (a stratum with several PSUs but one in the domain), see needs_presence."""
        for step in self.calibration:
            xt = step.residuals(xt)
        if self.npsu_total == self.n:
            # every row its own PSU: the PSU totals are the rows (summed per stratum in row order)
            totals, groups = xt, self.strata
        else:
            totals, groups = _group_sum(self.psu, self.npsu_total, xt), self.psu_stratum  # (p, PSUs)
        nh = self.n_psu_in_stratum
        if self.fpc_population is None:
            f = np.ones(self.nstrata)
        else:
            f = np.where(np.isinf(self.fpc_population), 1.0, (self.fpc_population - nh) / self.fpc_population)
        lonely = nh < 2
        scale = f * nh / np.where(lonely, 1.0, nh - 1.0)
        scale[lonely] = f[lonely]
        census = f < 1e-7  # self-representing (census) stratum
        scale[census] = 0.0
        stratum_sum = _group_sum(groups, self.nstrata, totals)
        means = stratum_sum / nh
        uncentred = np.zeros(means.shape, dtype=bool)  # (p, strata)
        if self.lonely_psu == "adjust":
            uncentred[:, lonely] = True
        use_presence = present is not None and self.needs_presence
        if use_presence:
            assert present is not None
            pres = np.asarray(present, dtype=np.float64)
            stratum_present = _group_sum(self.strata, self.nstrata, pres) > 0  # (p, strata)
            if self.adjust_domain_lonely:
                psu_present = _group_sum(self.psu, self.npsu_total, pres) > 0  # (p, PSUs)
                nsubset = _group_sum(self.psu_stratum, self.nstrata, psu_present.astype(np.float64))
                domain_lonely = (nsubset == 1) & ~lonely
                if self.lonely_psu == "adjust":
                    uncentred |= domain_lonely
        if uncentred.any():
            means = np.where(uncentred, 0.0, means)
        centred = totals - means[:, groups]
        sq = _group_sum(groups, self.nstrata, centred * centred)
        contribution = sq * scale
        if self.lonely_psu in ("certainty", "remove"):
            contribution[:, lonely & ~census] = 0.0
        if self.lonely_psu != "average":
            return np.asarray(contribution.sum(axis=1), dtype=np.float64)
        # "average": a lonely stratum's contribution is NA, the others are scaled by nstrat / nokstrat
        missing = np.broadcast_to(lonely & ~census, contribution.shape).copy()
        if use_presence:
            if self.adjust_domain_lonely:
                missing |= domain_lonely & ~census
            missing &= stratum_present
            nstrat = stratum_present.sum(axis=1).astype(np.float64)
        else:
            nstrat = np.full(contribution.shape[0], float(self.nstrata))
        nok = nstrat - missing.sum(axis=1)
        total = np.where(missing, 0.0, contribution).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(total * nstrat / nok, dtype=np.float64)

    def degf(self, weights: FloatArray | None = None) -> int:
        """R's degf(): PSUs minus strata among the rows with a non-zero weight."""
        w = self.weights if weights is None else weights
        inset = w != 0
        return int(len(np.unique(self.psu[inset])) - len(np.unique(self.strata[inset])))


def make_design(
    n: int,
    *,
    weights: Sequence[float] | FloatArray | None = None,
    strata: Labels | None = None,
    clusters: Labels | None = None,
    fpc: Sequence[float] | FloatArray | None = None,
    lonely_psu: str = "fail",
    adjust_domain_lonely: bool = False,
) -> Design:
    """A design as R's ``svydesign(ids=~cluster or ~1, strata=, weights=, fpc=, nest=TRUE)``.

    ``lonely_psu`` is R's ``options(survey.lonely.psu)`` for strata with a single PSU: "fail" (R's default)
    refuses them here, "certainty", "remove", "adjust" and "average" estimate as R does (Design.recvar_t).
    ``adjust_domain_lonely`` is R's ``options(survey.adjust.domain.lonely)``: with "adjust" or "average",
    a stratum with several PSUs of which only one has rows in a domain is treated as lonely there.

    ``fpc`` is the population size per row (constant within a stratum): persons without clusters,
    PSUs with clusters. Without weights, the weights follow from the fpc (N_h / n_h) or are all 1.
    Clusters are nested in strata (a cluster id is read within its stratum, R's ``nest=TRUE``).
    """
    if n < 2:
        raise SurveyError("A design needs at least two observations.")
    stratum_labels: Labels = strata if strata is not None else np.ones(n, dtype=np.intp)
    if len(stratum_labels) != n:
        raise SurveyError("strata: length differs from the data.")
    s_codes, s_levels = _codes(stratum_labels)
    nstrata = len(s_levels)
    cluster_array = None
    if clusters is not None:
        if len(clusters) != n:
            raise SurveyError("clusters: length differs from the data.")
        cluster_array = _homogeneous_array(clusters)
    # PSUs ordered by (stratum, cluster label) or, without clusters, by (stratum, row)
    if clusters is None:
        order = np.argsort(s_codes, kind="stable")
        psu_codes = np.empty(n, dtype=np.intp)
        psu_codes[order] = np.arange(n)
        psu_stratum = np.asarray(s_codes[order], dtype=np.intp)
        npsu_total = n
    elif cluster_array is not None:
        c_codes, c_levels = _codes(cluster_array)
        keys, inverse = np.unique(s_codes * len(c_levels) + c_codes, return_inverse=True)
        psu_codes = np.asarray(inverse, dtype=np.intp).reshape(-1)
        psu_stratum = np.asarray(keys // len(c_levels), dtype=np.intp)
        npsu_total = len(keys)
    else:
        psu_keys = [(int(s), c) for s, c in zip(s_codes, clusters, strict=True)]
        psu_codes, psu_levels = _codes(psu_keys)
        psu_stratum = np.array([k[0] for k in psu_levels], dtype=np.intp)
        npsu_total = len(psu_levels)
    if lonely_psu not in LONELY_PSU:
        raise SurveyError(f"lonely_psu: {lonely_psu!r} is not one of {', '.join(LONELY_PSU)}.")
    n_h = np.bincount(psu_stratum, minlength=nstrata).astype(np.float64)
    lonely = [s_levels[h] for h in range(nstrata) if n_h[h] < 2]
    if lonely and lonely_psu == "fail":
        raise SurveyError(
            f"Stratum {lonely[0]!r} has only one PSU; a variance cannot be estimated "
            "(R: survey.lonely.psu='fail'). Merge it with a neighbouring stratum or choose another "
            "lonely-PSU rule (certainty, remove, adjust, average)."
        )
    fpc_population: FloatArray | None = None
    if fpc is not None:
        fpc_arr = np.asarray(fpc, dtype=np.float64)
        if fpc_arr.shape != (n,) or np.isnan(fpc_arr).any():
            raise SurveyError("fpc: one population size per row is required.")
        fpc_population = np.empty(nstrata)
        for h in range(nstrata):
            values = np.unique(fpc_arr[s_codes == h])
            if len(values) != 1:
                raise SurveyError(f"fpc: the population size varies within stratum {s_levels[h]!r}.")
            if values[0] < n_h[h]:
                raise SurveyError(
                    f"fpc: the population size {values[0]:g} of stratum {s_levels[h]!r} is smaller than "
                    f"the {int(n_h[h])} sampled units."
                )
            fpc_population[h] = values[0]
    if weights is None:
        w = np.ones(n) if fpc_population is None else (fpc_population / n_h)[s_codes]
    else:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (n,):
            raise SurveyError("weights: length differs from the data.")
        if np.isnan(w).any():
            raise SurveyError("weights: missing values are not allowed.")
        if (w < 0).any():
            raise SurveyError("weights: negative weights are not allowed.")
    return Design(
        weights=np.array(w, dtype=np.float64),
        strata=s_codes,
        nstrata=nstrata,
        psu=psu_codes,
        npsu_total=npsu_total,
        psu_stratum=psu_stratum,
        n_psu_in_stratum=n_h,
        fpc_population=fpc_population,
        lonely_psu=lonely_psu,
        adjust_domain_lonely=adjust_domain_lonely,
    )


# ---------------------------------------------------------------------------------------------------
# Calibration


def _fast_cell_codes(columns: Sequence[Labels], n: int) -> tuple[IntArray, list[tuple[Any, ...]]] | None:
    """_cell_codes for columns that are each of one type (str, int or bool; these cannot be missing): codes per
    column combined in lexicographic (tuple) order. None if a column is mixed or the cells are too many."""
    arrays = [_homogeneous_array(col) for col in columns]
    if not columns or any(a is None or a.shape != (n,) for a in arrays):
        return None
    coded = [_codes(a) for a in arrays if a is not None]
    if math.prod(len(levels) for _, levels in coded) >= 2**62:
        return None
    cells = np.zeros(n, dtype=np.int64)
    for codes, levels in coded:
        cells = cells * len(levels) + codes
    keys, inverse = np.unique(cells, return_inverse=True)
    out_levels = []
    for key in keys.tolist():
        parts = []
        for _, levels in reversed(coded):
            key, k = divmod(key, len(levels))
            parts.append(levels[k])
        out_levels.append(tuple(reversed(parts)))
    return np.asarray(inverse, dtype=np.intp).reshape(-1), out_levels


def _cell_codes(columns: Sequence[Labels], n: int) -> tuple[IntArray, list[tuple[Any, ...]]]:
    fast = _fast_cell_codes(columns, n)
    if fast is not None:
        return fast
    keys = list(zip(*columns, strict=True)) if columns else [()] * n
    for key in keys:
        for v in key:
            if v is None or (isinstance(v, float) and math.isnan(v)):
                raise SurveyError("Calibration variables must not have missing values.")
    return _codes(keys)


def post_stratify(
    design: Design, columns: Sequence[Labels], population: dict[tuple[Any, ...], float]
) -> Design:
    """R's ``postStratify(design, ~a+b, population)`` (partial=FALSE).

    ``columns`` are the post-stratification variables (one sequence per variable), ``population`` maps
    a tuple of their values to the population count of that cell.
    """
    cells, levels = _cell_codes(columns, design.n)
    return _post_stratify_cells(design, cells, levels, population)


def _post_stratify_cells(
    design: Design, cells: IntArray, levels: list[tuple[Any, ...]], population: dict[tuple[Any, ...], float]
) -> Design:
    sample = np.bincount(cells, weights=design.weights, minlength=len(levels))
    missing_pop = [lvl for lvl, s in zip(levels, sample, strict=True) if s != 0 and population.get(lvl, 0) == 0]
    if missing_pop:
        raise SurveyError(f"Post-stratum {missing_pop[0]!r} is in the sample but not in the population.")
    sampled = {lvl for lvl, s in zip(levels, sample, strict=True) if s != 0}
    absent = [k for k, v in population.items() if v != 0 and k not in sampled]
    if absent:
        raise SurveyError(f"Post-stratum {sorted(absent, key=str)[0]!r} of the population is absent from the sample.")
    pop = np.array([population.get(lvl, 0.0) for lvl in levels], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        reweight = np.where(sample != 0, pop / sample, 1.0)
    new_w = design.weights * reweight[cells]
    step = PostStratum(cells=cells, ncells=len(levels), old_weights=design.weights, weights=new_w)
    return design.with_weights(new_w, step)


@dataclass(frozen=True)
class RakeResult:
    design: Design
    iterations: int
    converged: bool


def rake(
    design: Design,
    margins: Sequence[tuple[Sequence[Labels], dict[tuple[Any, ...], float]]],
    *,
    maxit: int = 10,
    epsilon: float = 1.0,
) -> RakeResult:
    """R's ``rake(design, sample.margins, population.margins, control=list(maxit, epsilon))``.

    Each margin is (columns, population) as for post_stratify(). Convergence as R: the largest absolute
    change of the weighted counts in the cross-classification of all margin variables between two
    sweeps is below epsilon (an absolute count if epsilon >= 1, else a fraction of the weight total).
    """
    if not margins:
        raise SurveyError("Raking needs at least one margin.")
    all_columns: list[Labels] = [col for cols, _ in margins for col in cols]
    joint, joint_levels = _cell_codes(all_columns, design.n)
    margin_cells = [(*_cell_codes(cols, design.n), pop) for cols, pop in margins]

    def table(d: Design) -> FloatArray:
        return np.asarray(np.bincount(joint, weights=d.weights, minlength=len(joint_levels)), dtype=np.float64)

    eps = epsilon * float(design.weights.sum()) if epsilon < 1 else epsilon
    base_calibration = design.calibration
    old = table(design)
    current = design
    iteration = 0
    converged = False
    while iteration < maxit:
        current = replace(current, calibration=())
        for cells, levels, pop in margin_cells:
            current = _post_stratify_cells(current, cells, levels, pop)
        new = table(current)
        if float(np.max(np.abs(old - new))) < eps:
            converged = True
            break
        old = new
        iteration += 1
    steps = tuple(s for s in current.calibration if isinstance(s, PostStratum))
    final = replace(current, calibration=(*base_calibration, Raking(margins=steps)))
    return RakeResult(design=final, iterations=iteration, converged=converged)


# ---------------------------------------------------------------------------------------------------
# Estimates


@dataclass(frozen=True)
class Estimate:
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    n: int  # unweighted observations used (non-missing, in the domain)
    df: int | None = None  # degrees of freedom of a t interval (proportions)
    glm_estimate: float | None = None  # proportions: expit of R's IRLS intercept (svyciprop's value)

    @property
    def empty(self) -> bool:
        """No respondent with a value in the domain: there is nothing to estimate (R refuses or drops it)."""
        return self.n == 0


def _domain_mask(design: Design, domain: Sequence[bool] | NDArray[np.bool_] | None) -> NDArray[np.bool_] | None:
    if domain is None:
        return None
    mask = np.asarray(domain, dtype=bool)
    if mask.shape != (design.n,):
        raise SurveyError("domain: length differs from the data.")
    return mask


def _domain_weights(design: Design, domain: Sequence[bool] | NDArray[np.bool_] | None) -> FloatArray:
    mask = _domain_mask(design, domain)
    if mask is None:
        return design.weights
    return np.asarray(design.weights * mask, dtype=np.float64)


def _present(
    design: Design, domain: Sequence[bool] | NDArray[np.bool_] | None, ok: NDArray[np.bool_] | None = None
) -> NDArray[np.bool_] | None:
    """The rows R's ``subset()``/``na.rm=TRUE`` keep (domain and non-missing) where the variance depends on
    them (Design.needs_presence), else None."""
    if not design.needs_presence:
        return None
    mask = _domain_mask(design, domain)
    out = np.ones(design.n, dtype=bool) if mask is None else mask.copy()
    if ok is not None:
        out &= ok
    return out


def _numeric(y: Sequence[float] | FloatArray, n: int) -> FloatArray:
    arr = np.asarray(y, dtype=np.float64)
    if arr.shape != (n,):
        raise SurveyError("variable: length differs from the data.")
    return arr


def wald(estimate: float, se: float, level: float = 0.95) -> tuple[float, float]:
    """R's confint() on svymean/svytotal: normal quantile."""
    z = normal_quantile(0.5 + level / 2.0)
    return estimate - z * se, estimate + z * se


def mean_matrix(
    design: Design, x: FloatArray, weights: FloatArray, present: NDArray[np.bool_] | None = None
) -> tuple[FloatArray, FloatArray]:
    """svymean on the columns of x (no missing values) with the given (domain) weights; ``present`` as for
    Design.recvar."""
    psum = float(weights.sum())
    if psum == 0:
        nan = np.full(x.shape[1], np.nan)
        return nan, nan
    average = (x * (weights / psum)[:, None]).sum(axis=0)
    lin = (x - average) * (weights / psum)[:, None]
    return average, np.sqrt(design.recvar(lin, present))


def svymean(
    design: Design, y: Sequence[float] | FloatArray, domain: Sequence[bool] | NDArray[np.bool_] | None = None
) -> Estimate:
    """R's ``svymean(~y, design, na.rm=TRUE)`` (in a domain: ``svyby(~y, ~d, design, svymean, na.rm=TRUE)``)."""
    arr = _numeric(y, design.n)
    ok = ~np.isnan(arr)
    w = _domain_weights(design, domain) * ok
    x = np.where(ok, arr, 0.0)[:, None]
    est, se = mean_matrix(design, x, w, _present(design, domain, ok))
    lo, hi = wald(float(est[0]), float(se[0]))
    return Estimate(float(est[0]), float(se[0]), lo, hi, int(np.count_nonzero(w)))


@dataclass(frozen=True)
class DomainMeans:
    """Means of one variable in every domain of a grouping variable, levels sorted as R's factor()."""

    levels: list[Any]
    estimate: FloatArray
    se: FloatArray
    n: IntArray  # respondents with a value (and a non-zero weight) per domain


def svyby_mean(design: Design, y: Sequence[float] | FloatArray, by: Labels) -> DomainMeans:
    """R's ``svyby(~y, ~by, design, svymean, na.rm=TRUE)``: the same numbers as ``svymean(design, y, by == level)``
    for every level, with the linearised values of all domains in one matrix (one variance pass for all domains).
    Rows whose ``by`` is missing belong to no domain (R drops them)."""
    return svyby_means(design, [y], by)[0]


def svyby_means(
    design: Design, variables: Sequence[Sequence[float] | FloatArray] | FloatArray, by: Labels
) -> list[DomainMeans]:
    """svyby_mean() for several variables with the same domains: a list of variables or a matrix
    (rows, variables). Each variable drops its own missing values (one ``svyby(~y, ...)`` per variable)."""
    columns = list(np.asarray(variables, dtype=np.float64).T) if isinstance(variables, np.ndarray) else variables
    labels = by if isinstance(by, np.ndarray) else list(by)
    if len(labels) != design.n:
        raise SurveyError("by: length differs from the data.")
    absent = missing_mask(labels)
    if absent.any():
        present = np.flatnonzero(~absent)
        sub_codes, levels = _codes(labels[present] if isinstance(labels, np.ndarray) else [labels[i] for i in present])
        codes = np.full(design.n, -1, dtype=np.intp)
        codes[present] = sub_codes
    else:
        codes, levels = _codes(labels)
    return [_domain_means(design, _numeric(y, design.n), codes, levels) for y in columns]


def _domain_means(design: Design, arr: FloatArray, codes: IntArray, levels: list[Any]) -> DomainMeans:
    ndom = len(levels)
    ok = ~np.isnan(arr) & (codes >= 0)
    rows = np.flatnonzero(ok)
    w = design.weights[rows]
    yv = arr[rows]
    dom = codes[rows]
    wsum = np.bincount(dom, weights=w, minlength=ndom)
    ysum = np.bincount(dom, weights=w * yv, minlength=ndom)
    with np.errstate(invalid="ignore", divide="ignore"):
        average = ysum / wsum
        lin_t = np.zeros((ndom, design.n))  # linearised values, one row per domain (zero outside it)
        lin_t[dom, rows] = (yv - average[dom]) * (w / wsum[dom])
    empty = wsum == 0
    lin_t[empty] = 0.0
    present = None
    if design.needs_presence:
        present = np.zeros((ndom, design.n), dtype=bool)
        present[dom, rows] = True
    se = np.sqrt(design.recvar_t(lin_t, present))
    average[empty] = np.nan
    se[empty] = np.nan
    n = np.bincount(dom, weights=(w != 0).astype(np.float64), minlength=ndom).astype(np.intp)
    return DomainMeans(levels=levels, estimate=np.asarray(average, dtype=np.float64), se=se, n=n)


def svytotal(
    design: Design, y: Sequence[float] | FloatArray, domain: Sequence[bool] | NDArray[np.bool_] | None = None
) -> Estimate:
    """R's ``svytotal(~y, design, na.rm=TRUE)`` (in a domain as svyby)."""
    arr = _numeric(y, design.n)
    ok = ~np.isnan(arr)
    w = _domain_weights(design, domain) * ok
    x = np.where(ok, arr, 0.0) * w
    total = float(x.sum())
    se = float(np.sqrt(design.recvar(x[:, None], _present(design, domain, ok)))[0])
    lo, hi = wald(total, se)
    return Estimate(total, se, lo, hi, int(np.count_nonzero(w)))


def svyratio(
    design: Design, y: Sequence[float] | FloatArray, x: Sequence[float] | FloatArray,
    domain: Sequence[bool] | NDArray[np.bool_] | None = None,
) -> Estimate:
    """R's ``svyratio(~y, ~x, design, na.rm=TRUE)`` with ``confint()`` (normal quantile): the ratio of the
    totals of y and x, its variance from the linearised values ``(y - R x) / X`` as R's ``svyratio``
    computes them. Rows missing either value are dropped (R drops them from both)."""
    ya, xa = _numeric(y, design.n), _numeric(x, design.n)
    ok = ~np.isnan(ya) & ~np.isnan(xa)
    w = _domain_weights(design, domain) * ok
    yv, xv = np.where(ok, ya, 0.0), np.where(ok, xa, 0.0)
    x_total = float((xv * w).sum())
    n = int(np.count_nonzero(w))
    if x_total == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, n)
    ratio = float((yv * w).sum()) / x_total
    lin = (yv - ratio * xv) * w / x_total
    se = float(np.sqrt(design.recvar(lin[:, None], _present(design, domain, ok)))[0])
    lo, hi = wald(ratio, se)
    return Estimate(ratio, se, lo, hi, n)


def _expit(v: float) -> float:
    """survey:::expit, exp(v) / (1 + exp(v)), with R's overflow behaviour (NaN for +Inf)."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(np.float64(v))
        return float(e / (1.0 + e))


def normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _wald_factors(level: float, df: float) -> tuple[float, float]:
    """confint.svyglm(method="Wald", ddf=df): a t interval expressed as a normal one of level
    ``1 - 2 pnorm(qt((1 - level) / 2, df))``, then ``qnorm(c(a, 1 - a))`` as confint.default does (for
    df = 1 the level rounds to 1 and R's interval becomes (0, NaN); this reproduces that)."""
    tlevel = 1.0 - 2.0 * normal_cdf(-t_quantile(0.5 + level / 2.0, df))
    a = (1.0 - tlevel) / 2.0
    lower = -math.inf if a <= 0 else normal_quantile(a)
    upper = math.inf if a <= 0 else normal_quantile(1.0 - a)
    return lower, upper


def _logit_glm(y: FloatArray, prior: FloatArray, maxit: int = 25, epsilon: float = 1e-8) -> tuple[float, bool]:
    """The intercept of R's ``glm(y ~ 1, family=quasibinomial, weights=prior)`` by the same IRLS as
    ``glm.fit`` (same starting values and deviance stopping rule), so the coefficient matches R's
    inexact one, not the exact logit of the proportion. Returns (eta, converged)."""
    thresh, eps = 30.0, float(np.finfo(float).eps)

    def linkinv(e: FloatArray) -> FloatArray:
        t = np.where(e < -thresh, eps, np.where(e > thresh, 1.0 / eps, np.exp(np.clip(e, -thresh, thresh))))
        return np.asarray(t / (1.0 + t), dtype=np.float64)

    def mu_eta(e: FloatArray) -> FloatArray:
        ex = np.exp(np.clip(e, -thresh, thresh))
        return np.asarray(np.where((e > thresh) | (e < -thresh), eps, ex / ((1 + ex) * (1 + ex))), dtype=np.float64)

    def deviance(mu: FloatArray) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(y != 0, y * np.log(y / mu), 0.0)
            b = np.where(1 - y != 0, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0)
        return float(np.sum(2.0 * prior * (a + b)))

    ystart = np.where(prior == 0, 0.0, y)
    mustart = (prior * ystart + 0.5) / (prior + 1.0)
    eta = np.log(mustart / (1.0 - mustart))
    mu = linkinv(eta)
    devold = deviance(mu)
    for _ in range(maxit):
        me = mu_eta(eta)
        good = (prior > 0) & (me != 0)
        var = mu * (1.0 - mu)
        z = eta[good] + (y - mu)[good] / me[good]
        w2 = prior[good] * me[good] ** 2 / var[good]
        coef = float(np.sum(w2 * z) / np.sum(w2))
        eta = np.full(y.shape, coef)
        mu = linkinv(eta)
        dev = deviance(mu)
        if abs(dev - devold) / (abs(dev) + 0.1) < epsilon:
            return coef, True
        devold = dev
    return float(eta[0]), False


def logit_interval(
    design: Design, indicator: FloatArray, weights: FloatArray, df: int, level: float = 0.95,
    present: NDArray[np.bool_] | None = None,
) -> tuple[float, float, float]:
    """``svyciprop(~I(y == c), design, method="logit")``: the quasibinomial intercept eta and its
    sandwich standard error, ``expit(eta -/+ qt(1 - alpha/2, df) * se)``; NaN if df <= 0.

    ``indicator`` is 0/1 with NaN for missing values (which glm drops), ``weights`` the design weights
    of the domain (zero outside). Returns (lower, upper, expit(eta))."""
    ok = ~np.isnan(indicator)
    if float((weights * ok).sum()) == 0:
        return math.nan, math.nan, math.nan
    y = np.where(ok, indicator, 0.0)
    # svyglm(rescale=TRUE) divides by the mean weight of the design's rows: R's subset() drops the rows
    # outside a domain from an uncalibrated design but keeps them (weight 0) in a calibrated one.
    in_rows = np.ones(design.n, dtype=bool) if design.calibration else weights != 0
    prior_all = weights / weights[in_rows].mean()
    p = float((weights * ok * y).sum() / (weights * ok).sum())
    if p <= 0.0 or p >= 1.0:
        return p, p, p
    eta, _ = _logit_glm(y[ok], prior_all[ok])
    with np.errstate(over="ignore"):  # R's arithmetic: exp() overflows to Inf (mu 0), it does not raise
        mu = float(1.0 / (1.0 + np.exp(-np.float64(eta))))
    # A diverged fit (mu exactly 0 or 1) divides by zero: the scores become Inf/NaN and so does the
    # interval, as in R, which neither raises nor warns there.
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(ok, prior_all * (y - mu), 0.0) / (mu * (1.0 - mu) * float(prior_all[ok].sum()))
    if present is None and design.needs_presence:
        present = (weights != 0) & ok
    se = math.sqrt(float(design.recvar(scores[:, None], present)[0]))
    if df <= 0:
        return math.nan, math.nan, _expit(eta)
    lower, upper = _wald_factors(level, df)
    return _expit(eta + lower * se), _expit(eta + upper * se), _expit(eta)


def beta_quantile(q: float, a: float, b: float) -> float:
    """The q-quantile of the Beta(a, b) distribution (R's ``qbeta(q, a, b)``), by bisection on the
    regularised incomplete beta function; R's limits for a shape of zero (a point mass at 0 or 1) and
    the closed forms for a shape of one."""
    if math.isnan(q) or math.isnan(a) or math.isnan(b) or a < 0 or b < 0 or not 0.0 <= q <= 1.0:
        return math.nan
    if a == 0.0:
        return 0.0
    if b == 0.0:
        return 1.0
    if a == 1.0:
        return -math.expm1(math.log1p(-q) / b)  # 1 - (1 - q)^(1/b)
    if b == 1.0:
        return math.exp(math.log(q) / a) if q > 0 else 0.0  # q^(1/a)
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _betai(a, b, mid) < q:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 2e-16 * max(hi, 1e-300):
            break
    return 0.5 * (lo + hi)


def korn_graubard_interval(
    design: Design, indicator: FloatArray, weights: FloatArray, df: int, level: float = 0.95,
    present: NDArray[np.bool_] | None = None,
) -> tuple[float, float]:
    """The Korn-Graubard (Clopper-Pearson with an effective sample size) interval of a proportion, as
    ``svyciprop(~I(y == c), design, method="beta")`` computes it: ``n_eff = p (1 - p) / var(p)``,
    scaled by ``(qt(alpha/2, nrow - 1) / qt(alpha/2, degf))^2``, then
    ``(qbeta(alpha/2, n_eff p, n_eff (1 - p) + 1), qbeta(1 - alpha/2, n_eff p + 1, n_eff (1 - p)))``.

    For a share of exactly 0 or 1 the variance is 0 and R's n_eff is 0/0 (a NaN interval); there the
    effective sample size is the number of respondents, i.e. a design effect of 1, as Korn and Graubard
    (1998) propose: the interval is then [0, 1 - (alpha/2)^(1/n_eff)] or [(alpha/2)^(1/n_eff), 1]
    (decision 0023). ``indicator`` is 0/1 with NaN for missing values, ``weights`` the domain's design
    weights (zero outside). NaN if the design has no degrees of freedom."""
    ok = ~np.isnan(indicator)
    w = weights * ok
    if float(w.sum()) == 0 or df <= 0:
        return math.nan, math.nan
    y = np.where(ok, indicator, 0.0)
    answered = w != 0
    positives = int(np.count_nonzero(answered & (y != 0)))
    respondents = int(np.count_nonzero(answered))
    # R's nrow(design): subset() keeps the rows outside a domain (weight 0) in a calibrated design only
    rows = design.n if design.calibration else int(np.count_nonzero(weights != 0))
    if rows <= 1:
        return math.nan, math.nan
    alpha = 1.0 - level
    correction = (t_quantile(1.0 - alpha / 2.0, rows - 1) / t_quantile(1.0 - alpha / 2.0, df)) ** 2
    if positives == 0:
        return 0.0, beta_quantile(1.0 - alpha / 2.0, 1.0, respondents * correction)
    if positives == respondents:
        return beta_quantile(alpha / 2.0, respondents * correction, 1.0), 1.0
    if present is None and design.needs_presence:
        present = (weights != 0) & ok
    est, se = mean_matrix(design, y[:, None], w, present)
    p, var = float(est[0]), float(se[0]) ** 2
    n_eff = p * (1.0 - p) / var * correction
    return (beta_quantile(alpha / 2.0, n_eff * p, n_eff * (1.0 - p) + 1.0),
            beta_quantile(1.0 - alpha / 2.0, n_eff * p + 1.0, n_eff * (1.0 - p)))


def _qrule_math(x_sorted: FloatArray, cumw: FloatArray, total: float, p: float) -> float:
    """survey:::qrule_math on values sorted ascending with their cumulative weights (all weights > 0):
    the last value whose cumulative weight is at most ``p * total`` if it reaches ``p`` exactly, else the
    next one (R's ``qs()``; when no cumulative weight is at most ``p * total``, R takes the first position
    and, since it does not reach ``p`` exactly, the second value; reproduced)."""
    k = max(int(np.searchsorted(cumw, p * total, side="right")), 1) - 1
    following = k if k == len(x_sorted) - 1 else k + 1
    return float(x_sorted[k]) if p - cumw[k] / total == 0 else float(x_sorted[following])


def svyquantile(
    design: Design,
    y: Sequence[float] | FloatArray,
    quantiles: Sequence[float] = (0.5,),
    domain: Sequence[bool] | NDArray[np.bool_] | None = None,
    alpha: float = 0.05,
) -> dict[float, Estimate]:
    """R's ``svyquantile(~y, design, quantiles, na.rm=TRUE)`` with its defaults in survey 4.x
    (``qrule="math"``, ``interval.type="mean"``: Woodruff's interval) and, in a domain, the same on
    ``subset(design, domain)`` (as ``svyby(..., svyquantile)``).

    The quantile is the smallest value whose weighted cumulative share reaches ``p`` (``qrule_math``). The
    interval: the share ``m`` of values at most the quantile (svymean) and its t interval with the
    design's degrees of freedom, ``m -/+ qt(1 - alpha/2, df) se(m)``, mapped back through the same rule;
    NaN where an end leaves [0, 1] (as R). The standard error is R's: the interval's width divided by
    ``2 qt(1 - alpha/2, df)``. Weights are summed in extended precision, as R's ``cumsum`` and ``sum``."""
    arr = _numeric(y, design.n)
    ok = ~np.isnan(arr)
    w = _domain_weights(design, domain) * ok
    n = int(np.count_nonzero(w))
    out: dict[float, Estimate] = {}
    if n == 0:
        for p in quantiles:
            out[p] = Estimate(math.nan, math.nan, math.nan, math.nan, 0, design.degf(w))
        return out
    rows = np.flatnonzero(w != 0)
    values, weights = arr[rows], w[rows]
    order = np.argsort(values, kind="stable")
    x_sorted = values[order]
    cumw = np.cumsum(weights[order].astype(np.longdouble)).astype(np.float64)
    total = float(np.cumsum(weights.astype(np.longdouble))[-1])
    psum = float(np.cumsum(w.astype(np.longdouble))[-1])
    df = design.degf(w)
    crit = t_quantile(1.0 - alpha / 2.0, df) if df > 0 else math.nan
    present = _present(design, domain, ok)
    x_filled = np.where(ok, arr, 0.0)
    for p in quantiles:
        if not 0.0 <= p <= 1.0:
            raise SurveyError(f"Quantile {p!r} is not between 0 and 1.")
        qhat = _qrule_math(x_sorted, cumw, total, p)
        # svymean(x <= qhat) as R computes it: sum() and colSums() accumulate in extended precision, so a
        # share of exactly 1 stays 1 (and its interval's upper end defined)
        indicator = (x_filled <= qhat).astype(np.float64)
        terms = indicator * w / psum
        m = float(np.sum(terms.astype(np.longdouble)))
        s = math.sqrt(float(design.recvar((indicator - m) * w / psum, present)[0]))
        lo_p, hi_p = m - crit * s, m + crit * s
        lower = math.nan if math.isnan(lo_p) or lo_p < 0 else _qrule_math(x_sorted, cumw, total, lo_p)
        upper = math.nan if math.isnan(hi_p) or hi_p > 1 else _qrule_math(x_sorted, cumw, total, hi_p)
        out[p] = Estimate(qhat, (upper - lower) / (2.0 * crit), lower, upper, n, df)
    return out


def missing_mask(values: Labels) -> NDArray[np.bool_]:
    if isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind in "iubfU":
        kind = values.dtype.kind
        if kind == "f":
            return np.isnan(values)
        if kind == "U":
            return np.isin(values, sorted(MISSING_MARKERS))
        return np.zeros(values.shape, dtype=bool)
    return np.array(
        [v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and v in MISSING_MARKERS)
         for v in values],
        dtype=bool,
    )


def svyprop(
    design: Design,
    y: Sequence[Any],
    domain: Sequence[bool] | NDArray[np.bool_] | None = None,
    categories: Sequence[Any] | None = None,
) -> dict[Any, Estimate]:
    """Proportions per category as R's ``svymean(~factor, design, na.rm=TRUE)``, with
    ``svyciprop(~I(y == c), design, method="logit")`` intervals (df = degf of the domain's design).
    A share of exactly 0 or 1, where the logit interval has zero width (and R's glm diverges), gets
    the Korn-Graubard interval instead (``korn_graubard_interval``, ``svyciprop(method="beta")`` with a
    design effect of 1)."""
    values = list(y)
    if len(values) != design.n:
        raise SurveyError("variable: length differs from the data.")
    missing = missing_mask(values)
    if categories is None:
        categories = sorted({v for v, m in zip(values, missing, strict=True) if not m}, key=str)
    index = {c: i for i, c in enumerate(categories)}
    x = np.zeros((design.n, len(categories)))
    for row, (v, m) in enumerate(zip(values, missing, strict=True)):
        if not m:
            if v not in index:
                raise SurveyError(f"Unknown category {v!r}.")
            x[row, index[v]] = 1.0
    domain_w = _domain_weights(design, domain)
    w = domain_w * ~missing
    present = _present(design, domain, ~missing)
    est, se = mean_matrix(design, x, w, present)
    df = design.degf(domain_w)
    n = int(np.count_nonzero(w))
    out: dict[Any, Estimate] = {}
    for i, c in enumerate(categories):
        indicator = np.where(missing, np.nan, x[:, i])
        lo, hi, glm_p = logit_interval(design, indicator, domain_w, df, present=present)
        if n and (glm_p == 0.0 or glm_p == 1.0):  # logit_interval's (p, p, p) of a boundary share
            lo, hi = korn_graubard_interval(design, indicator, domain_w, df, present=present)
        out[c] = Estimate(float(est[i]), float(se[i]), lo, hi, n, df, glm_p)
    return out


# ---------------------------------------------------------------------------------------------------
# Weight trimming and diagnostics


@dataclass(frozen=True)
class WeightDiagnostics:
    n: int
    minimum: float
    maximum: float
    mean: float
    total: float
    cv: float  # population standard deviation / mean
    deff_weighting: float  # Kish: 1 + cv^2 = n * sum(w^2) / sum(w)^2
    effective_n: float  # sum(w)^2 / sum(w^2)


def weight_diagnostics(weights: Sequence[float] | FloatArray) -> WeightDiagnostics:
    w = np.asarray(weights, dtype=np.float64)
    if w.size == 0 or float(w.sum()) <= 0:
        raise SurveyError("Diagnostics need positive weights.")
    mean = float(w.mean())
    cv = float(w.std() / mean)
    total = float(w.sum())
    sq = float((w * w).sum())
    return WeightDiagnostics(
        n=int(w.size),
        minimum=float(w.min()),
        maximum=float(w.max()),
        mean=mean,
        total=total,
        cv=cv,
        deff_weighting=w.size * sq / total**2,
        effective_n=total**2 / sq,
    )


def trim_weights(
    weights: Sequence[float] | FloatArray, lower: float | None = None, upper: float | None = None, maxit: int = 100
) -> FloatArray:
    """Trim weights to [lower, upper] and redistribute the trimmed amount over the untrimmed weights in
    proportion to their size, so the weight total is kept; repeated until every weight is within the
    bounds. Raises SurveyError if the bounds cannot hold the total (n * lower > total or n * upper < total)."""
    w = np.array(weights, dtype=np.float64)
    lo = -math.inf if lower is None else float(lower)
    hi = math.inf if upper is None else float(upper)
    if lo > hi:
        raise SurveyError("Trimming: the lower bound is above the upper bound.")
    total = float(w.sum())
    if w.size * lo > total + 1e-9 * abs(total) or w.size * hi < total - 1e-9 * abs(total):
        raise SurveyError("Trimming: the bounds cannot keep the weight total.")
    fixed = np.zeros(w.size, dtype=bool)
    for _ in range(maxit):
        over, under = w > hi * (1 + 1e-12), w < lo * (1 - 1e-12) if lo > 0 else w < lo
        if not (over.any() or under.any()):
            return w
        w[over] = hi
        w[under] = lo
        fixed |= over | under
        free = ~fixed
        excess = total - float(w.sum())
        free_sum = float(w[free].sum())
        if free_sum <= 0:
            raise SurveyError("Trimming: no untrimmed weights are left to take the trimmed amount.")
        w[free] *= 1.0 + excess / free_sum
    raise SurveyError(f"Trimming did not settle within {maxit} rounds.")


TRIM_BOUND_TOLERANCE = 1e-9  # relative: a weight within 1e-9 * |bound| of a bound sits at it


def count_at_bounds(weights: Sequence[float] | FloatArray, lower: float | None, upper: float | None,
                    rel_tol: float = TRIM_BOUND_TOLERANCE) -> int:
    """How many weights sit at a trimming bound (within ``rel_tol`` times the bound): the weights that
    trimming set, as opposed to those it only rescaled to keep the total."""
    w = np.asarray(weights, dtype=np.float64)
    at = np.zeros(w.shape, dtype=bool)
    for bound in (lower, upper):
        if bound is not None:
            at |= np.abs(w - float(bound)) <= rel_tol * abs(float(bound))
    return int(np.count_nonzero(at))


# ---------------------------------------------------------------------------------------------------
# CSV command line: survey_estimate


OUTPUT_COLUMNS = [
    "variable", "domain_variable", "domain", "category", "kind",
    "estimate", "se", "ci_lower", "ci_upper", "n", "note",
]
EMPTY_NOTE = "empty"  # the note of a row whose domain has no respondent with a value (estimate fields blank)


class InputError(SurveyError):
    def __init__(self, path: str, message: str, *, line: int | None = None, column: str | None = None) -> None:
        where = path + (f", line {line}" if line is not None else "") + (f", column {column!r}" if column else "")
        super().__init__(f"{where}: {message}")


def read_csv(path: str) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            sample = fh.read(8192)
            fh.seek(0)
            delimiter = ";" if sample.count(";") > sample.count(",") else ","
            reader = csv.DictReader(fh, delimiter=delimiter)
            if reader.fieldnames is None:
                raise InputError(path, "the file is empty.")
            header = [h.strip() for h in reader.fieldnames]
            rows = []
            for raw in reader:
                if None in raw:
                    raise InputError(path, "more fields than the header has.", line=reader.line_num)
                rows.append({k.strip(): (v or "").strip() for k, v in raw.items()})
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror}).") from exc
    except UnicodeDecodeError as exc:
        raise InputError(path, "is not UTF-8 text.") from exc
    return header, rows


def _parse_float(path: str, value: str, line: int, column: str, what: str) -> float:
    try:
        out = float(value)
    except ValueError:
        raise InputError(path, f"{what} {value!r} is not a number.", line=line, column=column) from None
    if math.isnan(out) or math.isinf(out):
        raise InputError(path, f"{what} {value!r} is not a finite number.", line=line, column=column)
    return out


def _is_numeric(values: list[str]) -> bool:
    present = [v for v in values if v not in MISSING_MARKERS]
    if not present:
        return False
    try:
        for v in present:
            float(v)
    except ValueError:
        return False
    return True


def read_margins(path: str, data_header: list[str], data_rows: list[dict[str, str]], data_path: str) -> list[
    tuple[list[list[str]], dict[tuple[Any, ...], float]]
]:
    """MARGINS.csv: columns variable,category,population; one raking margin per variable."""
    header, rows = read_csv(path)
    for col in ("variable", "category", "population"):
        if col not in header:
            raise InputError(path, "the column is missing (expected variable,category,population).", column=col)
    margins: dict[str, dict[tuple[Any, ...], float]] = {}
    lines: dict[str, int] = {}
    for i, row in enumerate(rows, start=2):
        var = row["variable"]
        if var not in data_header:
            raise InputError(path, f"variable {var!r} is not a column of {data_path}.", line=i, column="variable")
        pop = _parse_float(path, row["population"], i, "population", "population")
        if pop < 0:
            raise InputError(path, f"population {row['population']!r} is negative.", line=i, column="population")
        cell = (row["category"],)
        if cell in margins.setdefault(var, {}):
            raise InputError(path, f"category {row['category']!r} of {var!r} appears twice.", line=i, column="category")
        margins[var][cell] = pop
        lines.setdefault(var, i)
    out = []
    for var, pop_table in margins.items():
        values = [r[var] for r in data_rows]
        for line, v in enumerate(values, start=2):
            if v in MISSING_MARKERS:
                raise InputError(data_path, "a raking variable must not be missing.", line=line, column=var)
            if pop_table.get((v,), 0) == 0:
                raise InputError(
                    data_path, f"category {v!r} has no population count in {path}.", line=line, column=var
                )
        present = set(values)
        for (cat,), pop in pop_table.items():
            if pop > 0 and cat not in present:
                raise InputError(
                    path, f"category {cat!r} of {var!r} does not occur in {data_path}; raking cannot reach it.",
                    line=lines[var], column="category",
                )
        out.append(([values], pop_table))
    if not out:
        raise InputError(path, "no margins.")
    return out


def _fmt(value: float) -> str:
    return "NA" if math.isnan(value) else repr(float(value))


def parse_declaration(text: str) -> tuple[str, list[str] | None]:
    """``COL`` or ``COL=level1,level2,...`` (--factor, --by): the column and its declared levels, in order."""
    name, sep, levels = text.partition("=")
    name = name.strip()
    if not sep:
        return name, None
    declared = [lv.strip() for lv in levels.split(",")]
    if not name or not declared or any(not lv for lv in declared) or len(set(declared)) != len(declared):
        raise SurveyError(f"{text!r}: expected COL=level1,level2,... with distinct, non-empty levels.")
    return name, declared


def _sorted_levels(values: list[str]) -> list[str]:
    """The distinct present values, in numeric order if they are all numbers (R's factor() of a number),
    else in text order."""
    present = sorted({v for v in values if v not in MISSING_MARKERS})
    if _is_numeric(present):
        return sorted(present, key=lambda v: (float(v), v))
    return present


def _parse_quantiles(text: str) -> list[tuple[str, float]]:
    out = []
    for part in text.split(","):
        label = part.strip()
        try:
            p = float(label)
        except ValueError:
            raise SurveyError(f"--quantiles: {label!r} is not a number.") from None
        if not 0.0 <= p <= 1.0:
            raise SurveyError(f"--quantiles: {label!r} is not between 0 and 1.")
        out.append((label, p))
    return out


def _check_levels(path: str, values: list[str], levels: list[str], column: str, option: str) -> None:
    allowed = set(levels)
    for line, v in enumerate(values, start=2):
        if v not in MISSING_MARKERS and v not in allowed:
            raise InputError(path, f"value {v!r} is not one of the levels declared with {option}.", line=line,
                             column=column)


def run(args: argparse.Namespace) -> list[dict[str, str]]:
    data_path: str = args.data
    header, rows = read_csv(data_path)
    if len(rows) < 2:
        raise InputError(data_path, "at least two data rows are needed.")
    factors = dict(parse_declaration(f) for f in (getattr(args, "factor", None) or []))
    by, by_levels = parse_declaration(args.by) if args.by else ("", None)
    variables = list(dict.fromkeys([*(args.var or []), *factors]))
    if not variables:
        raise SurveyError("nothing to estimate: give at least one --var or --factor.")
    quantiles = _parse_quantiles(args.quantiles) if getattr(args, "quantiles", None) else []
    needed = [(c, "--factor" if c in factors else "--var") for c in variables] + [
        (c, opt) for c, opt in ((by, "--by"), (args.strata, "--strata"), (args.cluster, "--cluster"),
                                (args.weight, "--weight"), (args.fpc, "--fpc")) if c
    ]
    for col, opt in needed:
        if col not in header:
            raise InputError(data_path, f"the column given with {opt} does not exist.", column=col)

    def required(col: str) -> list[str]:
        values = [r[col] for r in rows]
        for line, v in enumerate(values, start=2):
            if v in MISSING_MARKERS:
                raise InputError(data_path, "a design variable must not be missing.", line=line, column=col)
        return values

    weights = None
    if args.weight:
        weights = [_parse_float(data_path, v, line, args.weight, "weight")
                   for line, v in enumerate(required(args.weight), start=2)]
        for line, w in enumerate(weights, start=2):
            if w < 0:
                raise InputError(data_path, f"weight {w:g} is negative.", line=line, column=args.weight)
    fpc = None
    if args.fpc:
        fpc = [_parse_float(data_path, v, line, args.fpc, "population size")
               for line, v in enumerate(required(args.fpc), start=2)]
    strata = required(args.strata) if args.strata else None
    clusters = required(args.cluster) if args.cluster else None
    try:
        design = make_design(len(rows), weights=weights, strata=strata, clusters=clusters, fpc=fpc,
                             lonely_psu=getattr(args, "lonely_psu", None) or "fail",
                             adjust_domain_lonely=bool(getattr(args, "adjust_domain_lonely", False)))
    except SurveyError as exc:
        raise InputError(data_path, str(exc)) from None
    if args.rake:
        margins = read_margins(args.rake, header, rows, data_path)
        result = rake(design, margins, maxit=args.rake_maxit, epsilon=args.rake_epsilon)
        if not result.converged:
            print(f"warning: raking did not converge after {result.iterations} iterations", file=sys.stderr)
        design = result.design

    domains: list[tuple[str, str, NDArray[np.bool_] | None]] = [("", "", None)]
    if by:
        by_values = [r[by] for r in rows]
        if by_levels is not None:
            _check_levels(data_path, by_values, by_levels, by, "--by")
        levels = by_levels if by_levels is not None else sorted({v for v in by_values if v not in MISSING_MARKERS})
        domains += [(by, lvl, np.array([v == lvl for v in by_values])) for lvl in levels]

    out: list[dict[str, str]] = []
    for var in variables:
        raw = [r[var] for r in rows]
        if var in factors:
            declared = factors[var]
            if declared is not None:
                _check_levels(data_path, raw, declared, var, "--factor")
            categories = declared if declared is not None else _sorted_levels(raw)
            values = None
        else:
            numeric = _is_numeric(raw)
            values = np.array([math.nan if v in MISSING_MARKERS else float(v) for v in raw]) if numeric else None
            categories = sorted({v for v in raw if v not in MISSING_MARKERS})
        for dvar, dlevel, mask in domains:
            base = {"variable": var, "domain_variable": dvar, "domain": dlevel}
            if values is not None:
                for kind, fn in (("mean", svymean), ("total", svytotal)):
                    e = fn(design, values, mask)
                    out.append({**base, "category": "", "kind": kind, **_row(e)})
                if quantiles:
                    found = svyquantile(design, values, [p for _, p in quantiles], mask)
                    for label, p in quantiles:
                        out.append({**base, "category": label, "kind": "quantile", **_row(found[p])})
            else:
                for cat, e in svyprop(design, raw, mask, categories).items():
                    out.append({**base, "category": cat, "kind": "proportion", **_row(e)})
    return out


def _row(e: Estimate) -> dict[str, str]:
    if e.empty:
        return {"estimate": "", "se": "", "ci_lower": "", "ci_upper": "", "n": "0", "note": EMPTY_NOTE}
    return {
        "estimate": _fmt(e.estimate), "se": _fmt(e.se), "ci_lower": _fmt(e.ci_lower),
        "ci_upper": _fmt(e.ci_upper), "n": str(e.n), "note": "",
    }


def build_parser(prog: str = "survey-estimate") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Design-based survey estimates (agree with R survey).")
    add_arguments(parser)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", metavar="DATA.csv")
    parser.add_argument("--var", action="append", metavar="COL",
                        help="a variable to estimate: mean and total if numeric, else category proportions")
    parser.add_argument("--factor", action="append", metavar="COL[=L1,L2,...]",
                        help="a categorical variable (also if coded as numbers, e.g. --factor q5=1,2,3,4,5): "
                             "proportions per level as R's svymean(~factor(q5)); declared levels are reported "
                             "in their order, also without answers (a share of 0); without levels, the values "
                             "that occur, in numeric order if all are numbers")
    parser.add_argument("--by", metavar="COL[=L1,L2,...]",
                        help="domains; declared levels are all reported, a level without respondents as a row "
                             "with blank estimates and note 'empty'")
    parser.add_argument("--quantiles", metavar="P1,P2,...",
                        help="quantiles of the numeric --var variables, e.g. 0.25,0.5,0.75: R's svyquantile "
                             "(qrule='math', Woodruff interval)")
    parser.add_argument("--strata", metavar="COL")
    parser.add_argument("--cluster", metavar="COL")
    parser.add_argument("--weight", metavar="COL")
    parser.add_argument("--fpc", metavar="COL", help="population size of the stratum (PSUs with --cluster)")
    parser.add_argument("--lonely-psu", choices=LONELY_PSU, default="fail",
                        help="strata with a single PSU, as R's options(survey.lonely.psu): fail (default) refuses "
                             "them, certainty/remove leave them out of the variance, adjust centres them at zero, "
                             "average gives them the mean contribution of the other strata")
    parser.add_argument("--adjust-domain-lonely", action="store_true",
                        help="R's options(survey.adjust.domain.lonely=TRUE): with --lonely-psu adjust or average, "
                             "apply the rule also to a stratum with a single PSU in a domain")
    parser.add_argument("--rake", metavar="MARGINS.csv", help="columns variable,category,population")
    parser.add_argument("--rake-maxit", type=int, default=10)
    parser.add_argument("--rake-epsilon", type=float, default=1.0)
    parser.add_argument("--out", required=True, metavar="ESTIMATES.csv")


def write_estimates(path: str, rows: list[dict[str, str]]) -> None:
    """Write atomically: a temporary file in the same directory, renamed when complete."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".survey-estimate-", suffix=".csv", dir=directory)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=OUTPUT_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def execute(args: argparse.Namespace, err: Callable[[str], object]) -> int:
    try:
        rows = run(args)
        write_estimates(args.out, rows)
    except SurveyError as exc:
        err(f"error: {exc}")
        return 2
    except OSError as exc:
        err(f"error: {args.out}: cannot be written ({exc.strerror}).")
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return int(exc.code or 0)
    return execute(args, lambda msg: print(msg, file=sys.stderr))


if __name__ == "__main__":
    raise SystemExit(main())
