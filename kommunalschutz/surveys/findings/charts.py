"""Charts of the findings: server-side SVG (matplotlib), CSP-safe (core.charts), each beside a table."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core.charts import COLOURS, Chart, ChartCache, category_chart, svg_of
from kommunalschutz.foundation.core.numbers import german_number

_charts = ChartCache(limit=256)


def histogram_bins(weights: list[float], bins: int = 12) -> list[dict[str, float]]:
    """Equal-width bins of the weights: lower, upper, count (the table beside the histogram)."""
    w = np.asarray(weights, dtype=np.float64)
    if w.size == 0:
        return []
    lo, hi = float(w.min()), float(w.max())
    if hi <= lo:
        return [{"lower": lo, "upper": hi, "count": int(w.size)}]
    counts, edges = np.histogram(w, bins=bins, range=(lo, hi))
    return [{"lower": float(edges[i]), "upper": float(edges[i + 1]), "count": int(counts[i])} for i in range(bins)]


def weight_histogram(bins: list[dict[str, float]], *, chart_id: str = "weights-histogram") -> Chart:
    title = _("Distribution of the final weights")
    description = _("Histogram of the weights: number of respondents per weight range. The table below "
                    "lists every range.")

    def draw() -> str:
        from matplotlib.figure import Figure

        figure = Figure(figsize=(7.5, 3.2), layout="constrained")
        ax = figure.subplots()
        lefts = [b["lower"] for b in bins]
        widths = [max(b["upper"] - b["lower"], 1e-9) for b in bins]
        ax.bar(lefts, [b["count"] for b in bins], width=widths, align="edge", color=COLOURS[0],
               edgecolor="#ffffff", linewidth=0.6)
        ax.set_xlabel(_("weight"))
        ax.set_ylabel(_("respondents"))
        ax.grid(True, axis="y", color="#d0d5db", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
        return svg_of(figure)

    return _charts.chart(["hist", bins], draw, chart_id=chart_id, title=title, description=description)


def estimate_chart(title: str, bars: list[dict[str, Any]], *, chart_id: str, percent: bool) -> Chart:
    """Horizontal bars with 95 % confidence whiskers; ``bars``: label, estimate, lower, upper (None for
    a suppressed cell, which is not drawn)."""
    shown = [b for b in bars if b.get("estimate") is not None]
    description = _("Bar chart of the estimates with their 95 %% confidence intervals as whiskers: %(values)s. "
                    "Values based on fewer than 5 answers are not shown. The table below lists every value.") % {
        "values": "; ".join(
            f"{b['label']}: {_fmt(b['estimate'], percent)}" for b in shown) or _("no values")}

    def draw() -> str:
        labels = [str(b["label"]) for b in bars]
        chart = category_chart(labels, x_label=_("per cent, whiskers: 95 percent confidence interval")
                               if percent else "")  # labels wrapped in full, never cut
        ax, ys = chart.ax, chart.ys
        scale = 100.0 if percent else 1.0
        for y, b in zip(ys, bars, strict=True):
            if b.get("estimate") is None:
                ax.annotate(_("too few answers"), (0, y), va="center", fontsize=8, color="#4a5360")
                continue
            value = b["estimate"] * scale
            ax.barh(y, value, color=COLOURS[0], height=0.6)
            lo, hi = b.get("lower"), b.get("upper")
            if lo is not None and hi is not None and np.isfinite(lo) and np.isfinite(hi):
                ax.errorbar(value, y, xerr=[[value - lo * scale], [hi * scale - value]], fmt="none",
                            ecolor="#000000", capsize=3, linewidth=1)
        if percent:
            ax.set_xlim(0, 100)
        else:
            ax.set_xlim(left=0)
        ax.grid(True, axis="x", color="#d0d5db", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
        return svg_of(chart.figure)

    return _charts.chart(["bars", bars, percent], draw, chart_id=chart_id, title=title, description=description)


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return german_number(value * 100, 1) + " %"
    return german_number(value, 2)
