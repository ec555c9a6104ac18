"""The time-series chart of the programme figures (core.charts makes it CSP-safe and caches it)."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from kommunalschutz.alliance.insights.figures import Figures
from kommunalschutz.foundation.core.charts import COLOURS, LINESTYLES, Chart, ChartCache, svg_of

# Two panels: the municipalities in the alliance, and the work done with them.
PANELS: tuple[tuple[str, ...], ...] = (
    ("contacted_municipalities", "member_municipalities", "cooperation_agreements", "municipalities_with_coaching",
     "model_municipalities"),
    ("consultations", "coaching_processes", "prevention_councils", "security_analyses"),
)


def figure_labels() -> dict[str, str]:
    """Translated column headings of the figures (the chart legend, the tables and the exports)."""
    return {
        "member_municipalities": _("Member municipalities"),
        "model_municipalities": _("Model municipalities"),
        "contacted_municipalities": _("Contacted municipalities"),
        "cooperation_agreements": _("Cooperation agreements"),
        "consultations": _("Consultations"),
        "coaching_processes": _("Coaching processes"),
        "municipalities_with_coaching": _("Municipalities with coaching"),
        "prevention_councils": _("Prevention councils"),
        "security_analyses": _("Security analyses"),
    }


_charts = ChartCache(limit=32)


def _render(series: list[Figures], labels: dict[str, str], panel_titles: tuple[str, str]) -> str:
    from matplotlib import rc_context
    from matplotlib.dates import AutoDateLocator, DateFormatter
    from matplotlib.figure import Figure

    # Text as text, and stable element ids (the same data gives the same bytes).
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "kommunalschutz"}):
        return _draw(Figure, AutoDateLocator, DateFormatter, series, labels, panel_titles)


def _draw(Figure: Any, AutoDateLocator: Any, DateFormatter: Any, series: list[Figures],
          labels: dict[str, str], panel_titles: tuple[str, str]) -> str:
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(9.5, 4.8), layout="constrained")
    axes = figure.subplots(1, 2)
    dates = [point.as_of for point in series]
    colour_index = 0
    for ax, names, panel_title in zip(axes, PANELS, panel_titles, strict=True):
        for name in names:
            ax.plot(dates, [getattr(point, name) for point in series], label=labels[name],
                    color=COLOURS[colour_index], linestyle=LINESTYLES[colour_index], linewidth=1.8)
            colour_index += 1
        ax.set_title(panel_title, fontsize=11, loc="left")
        ax.set_ylim(bottom=0, top=max(5, *(getattr(point, name) for point in series for name in names)) * 1.05)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, color="#d0d5db", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
        locator = AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(DateFormatter("%Y" if len(dates) > 18 else "%m/%Y"))
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.1), ncols=2, fontsize=8, frameon=False)
    return svg_of(figure)


def series_chart(series: list[Figures], *, chart_id: str = "figures-chart") -> Chart:
    """The programme figures over time as two line charts, with an accessible title and description."""
    labels = figure_labels()
    if series:
        first, last = series[0].as_of, series[-1].as_of
        title = _("Programme figures from %(start)s to %(end)s") % {
            "start": first.strftime("%d.%m.%Y"), "end": last.strftime("%d.%m.%Y")}
        latest = ", ".join(f"{labels[name]} {getattr(series[-1], name)}" for panel in PANELS for name in panel)
        description = _("Two line charts, one point per month. Left: municipalities in the alliance; "
                        "right: consultations, coaching processes, prevention councils and security analyses. "
                        "Values on %(end)s: %(latest)s. The table below the chart lists every value.") % {
            "end": last.strftime("%d.%m.%Y"), "latest": latest}
    else:
        title = _("Programme figures")
        description = _("There are no figures to show yet.")
    panel_titles = (_("Municipalities in the alliance"), _("Work with the municipalities"))
    key_source = json.dumps([[p.as_of.isoformat(), *p.values().values()] for p in series]
                            + [title, description, *labels.values(), *panel_titles, chart_id])
    return _charts.chart(key_source, lambda: _render(series, labels, panel_titles), chart_id=chart_id,
                         title=title, description=description)


def clear_cache() -> None:
    _charts.clear()
