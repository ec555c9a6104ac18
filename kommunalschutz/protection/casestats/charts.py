"""Charts of the case statistics: server-side SVG (matplotlib), made CSP-safe by core.charts.

Charts are drawn from the suppressed tables only: a suppressed value is not drawn (no bar, no point)
and is marked with the same "<5" label as in the tables, so a chart never shows more than its table.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.charts import COLOURS, LINESTYLES, Chart, ChartCache, svg_of
from kommunalschutz.protection.casestats.tables import Table

_charts = ChartCache(limit=32)


def yearly_chart(per_year: Table, police: dict[int, int], *, min_cell: int) -> Chart:
    """Bars: incidents reported to the platform per year; points: official police figures for the state."""
    years = [int(row.key) for row in per_year.rows]
    values = [row.cells[0].value for row in per_year.rows]
    names = states.current().placeholders()
    title = _("Incidents per year: reports to the platform and official police figures for %(state)s") % names
    shown = ", ".join(f"{y}: {row.cells[0].display}" for y, row in zip(years, per_year.rows, strict=True))
    description = _("Bar chart of the incidents reported to the platform per year (%(values)s), with the "
                    "official police figures for %(state)s as points where published. Suppressed values are "
                    "not drawn. The tables below list every value.") % {"values": shown, **names}

    def draw() -> str:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        figure = Figure(figsize=(8.5, 4.0), layout="constrained")
        ax = figure.subplots()
        heights = [v if isinstance(v, int) else 0 for v in values]
        ax.bar(years, heights, color=COLOURS[0], label=_("reports to the platform"))
        for year, value in zip(years, values, strict=True):
            if value is None:
                ax.annotate(f"<{min_cell}", (year, 0), ha="center", va="bottom", fontsize=8)
        police_years = [y for y in years if y in police]
        if police_years:
            ax.plot(police_years, [police[y] for y in police_years], color=COLOURS[1], marker="o",
                    linestyle="--", label=_("police figures for %(state)s (latest published)") % names)
        ax.set_xticks(years, [str(y) for y in years])
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(bottom=0)
        ax.grid(True, axis="y", color="#d0d5db", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        return svg_of(figure)

    return _charts.chart(["yearly", years, values, sorted(police.items()), title, description], draw,
                   chart_id="casestats-yearly", title=title, description=description)


def types_chart(types: Table, *, min_cell: int) -> Chart:
    """One line per incident type over the years (suppressed points left out)."""
    years = [int(row.key) for row in types.rows]
    title = _("Incidents per year by type of incident")
    description = _("Line chart with one line per type of incident over the years; suppressed values are "
                    "left out. The table below lists every value.")
    series = [(label, [row.cells[j].value for row in types.rows]) for j, (_key, label) in enumerate(types.columns)]

    def draw() -> str:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        figure = Figure(figsize=(8.5, 4.4), layout="constrained")
        ax = figure.subplots()
        for index, (label, points) in enumerate(series):
            if not any(isinstance(p, int) and p > 0 for p in points):
                continue
            ax.plot(years, [p if isinstance(p, int) else float("nan") for p in points], label=label,
                    color=COLOURS[index % len(COLOURS)], linestyle=LINESTYLES[index % len(LINESTYLES)],
                    marker="o", markersize=3, linewidth=1.6)
        ax.set_xticks(years, [str(y) for y in years])
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(bottom=0)
        ax.grid(True, color="#d0d5db", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
        if ax.get_lines():  # no line when every value is zero or suppressed: then no legend either
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
        return svg_of(figure)

    return _charts.chart(["types", years, series, title, description], draw, chart_id="casestats-types",
                   title=title, description=description)
