"""The charts of a situation report, drawn from the stored chart specs (sections.py) at display time.

The spec holds the frozen numbers only; the drawing is the wings' own (the programme figures' series from
``insights.charts``, the case statistics' bars and lines from ``casestats.charts``) or, for the map, drawn
here from the registry's boundaries. ``core.charts`` keeps each SVG CSP-safe and cached by its data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from django.utils.translation import gettext as _

from kommunalschutz.foundation.core.charts import Chart, ChartCache, prefix_ids, svg_of

# The public map's colours (static/css/insights.css) for the same building blocks.
BLOCK_COLOURS = {"model": "#cc79a7", "security_analysis": "#d55e00", "coaching": "#e69f00", "member": "#0072b2",
                 "contacted": "#56b4e9"}
NONE_COLOUR = "#e4e8ec"

_maps = ChartCache(limit=16)


def block_labels() -> dict[str, str]:
    return {
        "model": _("Model municipality"),
        "security_analysis": _("Security analysis"),
        "coaching": _("Coaching"),
        "member": _("Member with cooperation agreement"),
        "contacted": _("Contacted"),
    }


def _casestats_table(data: dict[str, Any]) -> Any:
    from kommunalschutz.protection.casestats import tables

    def one(entry: dict[str, Any] | None) -> Any:
        if entry is None:
            return None
        return tables.Cell(entry["value"], entry["suppressed"], entry["display"])

    return tables.Table(
        data["key"], data["title"], data["row_heading"], [(k, label) for k, label in data["columns"]],
        [tables.Row(row["key"], row["label"], [one(c) for c in row["cells"]], one(row.get("total")))
         for row in data["rows"]])


def _boundaries(land: str) -> list[tuple[str, list[list[list[list[float]]]]]]:
    from kommunalschutz.foundation.registry.compact import polygons_of
    from kommunalschutz.foundation.registry.models import Municipality

    found = Municipality.objects.filter(valid_until__isnull=True, boundary__isnull=False, land=land).order_by("ags")
    return [(ags, polygons_of(boundary)) for ags, boundary in found.values_list("ags", "boundary")]


def map_chart(spec: dict[str, Any], *, chart_id: str) -> Chart:
    blocks: dict[str, str] = spec["data"]["blocks"]
    land = spec["data"]["land"]
    labels = block_labels()
    title, description = spec["title"], spec["description"]

    def draw() -> str:
        from matplotlib import rc_context
        from matplotlib.collections import PolyCollection
        from matplotlib.figure import Figure
        from matplotlib.patches import Patch

        shapes = _boundaries(land)
        with rc_context({"svg.fonttype": "none", "svg.hashsalt": "kommunalschutz"}):
            figure = Figure(figsize=(7.5, 5.6), layout="constrained")
            ax = figure.subplots()
            polygons, colours = [], []
            for ags, parts in shapes:
                colour = BLOCK_COLOURS.get(blocks.get(ags, ""), NONE_COLOUR)
                for polygon in parts:
                    if polygon:
                        polygons.append(polygon[0])
                        colours.append(colour)
            if polygons:
                ax.add_collection(PolyCollection(polygons, facecolors=colours, edgecolors="#ffffff", linewidths=0.2))
                ax.autoscale_view()
            ax.set_aspect(1.6)  # degrees of longitude are shorter than of latitude at about 51° N
            ax.set_axis_off()
            handles = [Patch(facecolor=BLOCK_COLOURS[key], label=label) for key, label in labels.items()]
            handles.append(Patch(facecolor=NONE_COLOUR, label=_("not in the alliance")))
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
            return svg_of(figure)

    key = json.dumps(["map", land, sorted(blocks.items()), title, description, list(labels.values())])
    return _maps.chart(key, draw, chart_id=chart_id, title=title, description=description)


def render(spec: dict[str, Any], *, edition: str) -> Chart:
    """The SVG chart of one stored chart spec."""
    kind = spec["kind"]
    chart_id = f"{edition}-{spec['key']}"
    if kind == "figures_series":
        from kommunalschutz.alliance.insights import charts as insight_charts
        from kommunalschutz.alliance.insights.figures import FIGURE_NAMES, Figures

        series = [Figures(as_of=dt.date.fromisoformat(point[0]), **dict(zip(FIGURE_NAMES, point[1:], strict=True)))
                  for point in spec["data"]["series"]]
        return insight_charts.series_chart(series, chart_id=chart_id)
    if kind == "casestats_yearly":
        from kommunalschutz.protection.casestats import charts as casestats_charts

        police = {int(year): count for year, count in spec["data"]["police"].items()}
        return casestats_charts.yearly_chart(_casestats_table(spec["data"]["table"]), police,
                                             min_cell=spec["data"]["k"])
    if kind == "casestats_types":
        from kommunalschutz.protection.casestats import charts as casestats_charts

        return casestats_charts.types_chart(_casestats_table(spec["data"]["table"]), min_cell=spec["data"]["k"])
    if kind == "map":
        return map_chart(spec, chart_id=chart_id)
    raise ValueError(f"unknown chart kind {kind!r}")


def rendered(content: dict[str, Any]) -> dict[str, Chart]:
    """Every chart of an edition by its key, each with ids of its own (the page and the PDF hold them all)."""
    charts = {}
    for section in content["sections"]:
        for spec in section["charts"]:
            chart = render(spec, edition=content["edition"])
            charts[spec["key"]] = dataclasses.replace(chart, svg=prefix_ids(chart.svg, spec["key"]))
    return charts
