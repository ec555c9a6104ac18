"""Server-side SVG charts (matplotlib) that a web page and a PDF embed alike, for every wing.

The SVG is embedded in the page, so it must live with the strict Content-Security-Policy
(style-src 'self'): matplotlib's ``style="…"`` attributes and its ``<style>`` element are turned into
SVG presentation attributes, which CSP does not govern. Text stays text (``svg.fonttype: none``):
no font is embedded or downloaded, the browser draws the labels with its own fonts, and screen
readers and the PDF renderer can read them.

Rendering takes a few hundred milliseconds, so each chart is kept in this process under a key
made from its data: a new data version gives a new key, and a stale chart can never be shown.
Pages with many charts can have them drawn in the background and stored (``stored_charts``:
a task records them, the page reads them back; surveys' results page, decision 0024).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from html import escape
from typing import Any

# Okabe-Ito: distinguishable with the common colour-vision deficiencies; line styles differ too.
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#882255", "#999933")
LINESTYLES = ("-", "--", "-.", ":", "-", "--", "-.", ":", "-")


@dataclass(frozen=True)
class Chart:
    svg: str  # safe to embed: built by us from numbers and our own translated labels
    title: str
    description: str


_STYLE = re.compile(r'\sstyle="([^"]*)"')
_FONT_SIZE = re.compile(r"^[0-9.]+(px|pt|em|%)$")


def _presentation_attributes(style: str) -> str:
    attributes: list[tuple[str, str]] = []
    for declaration in style.split(";"):
        if ":" not in declaration:
            continue
        name, value = (part.strip() for part in declaration.split(":", 1))
        if name == "font":
            # matplotlib writes the shorthand, e.g. "bold 12px 'DejaVu Sans'"
            tokens = value.replace("'", "").replace('"', "").split()
            for index, token in enumerate(tokens):
                if _FONT_SIZE.match(token):
                    attributes.append(("font-size", token))
                    if tokens[:index]:
                        attributes.append(("font-weight" if tokens[0] in ("bold", "normal") else "font-style",
                                           tokens[0]))
                    break
            attributes.append(("font-family", "system-ui, sans-serif"))
        elif name:
            attributes.append((name, value))
    return "".join(f' {name}="{escape(value, quote=True)}"' for name, value in attributes)


def make_csp_safe(svg: str, *, chart_id: str, title: str, description: str) -> str:
    """matplotlib's SVG as an inline, accessible element without any inline CSS."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = _STYLE.sub(lambda match: _presentation_attributes(match.group(1)), svg)
    # The page's stylesheet sizes the chart; the viewBox keeps its proportions.
    opening_end = svg.index(">")
    opening = re.sub(r'\s(width|height)="[^"]*"', "", svg[:opening_end])
    opening += (f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart-svg"'
                f' stroke-linejoin="round" stroke-linecap="butt" focusable="false"')
    return (opening + ">" + f'<title id="{chart_id}-title">{escape(title)}</title>'
            + f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + svg[opening_end + 1:])


def prefix_ids(svg: str, prefix: str) -> str:
    """The SVG with every id (and every reference to one: ``href="#…"``, ``url(#…)``, ``aria-labelledby``)
    prefixed. matplotlib numbers the elements of every figure alike, so several charts on one page or in one
    PDF need distinct ids, or a clip path or label of one chart would be found in another."""
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r'aria-labelledby="([^"]+)"',
                 lambda m: 'aria-labelledby="' + " ".join(f"{prefix}-{i}" for i in m.group(1).split()) + '"', svg)
    return re.sub(r'(href="#|url\(#)([^")]+)', lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)


def svg_of(figure: Any) -> str:
    """A matplotlib figure as SVG text without a creation date (the same data gives the same bytes)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


_STORED: ContextVar[dict[str, str] | None] = ContextVar("stored_charts", default=None)


@contextmanager
def stored_charts(svgs: dict[str, str]) -> Iterator[dict[str, str]]:
    """Inside, every chart is first looked up in ``svgs`` (key → finished SVG) and every chart drawn or
    found is added to it: a background task records a page's charts into an empty dict and stores it,
    the page passes the stored dict back and draws nothing. Keys carry the data, id, title and
    description (so the language too): a stored chart of other data is never used."""
    token = _STORED.set(svgs)
    try:
        yield svgs
    finally:
        _STORED.reset(token)


def warm_up() -> None:
    """Import matplotlib and load its font list before the first request needs a chart.

    A cold process spends seconds on this (more when the font cache must be built); the WSGI module
    calls it while a worker starts, so the first visitor of a page with a chart does not wait."""
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    font_manager.fontManager.get_default_size()
    figure = Figure(figsize=(1, 1))
    figure.subplots().plot([0, 1], [0, 1])
    svg_of(figure)


class ChartCache:
    """Charts kept in this process under a key made from their data (least recently used go first).

    ``chart(key_source, draw, …)`` draws with text as text and stable element ids (prefixed with the chart's
    id, so that two charts on one page never share one), makes the SVG safe for the CSP and adds the
    accessible title and description; a chart with other data, title or id
    gets another key, so a stale chart is never shown."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._svgs: OrderedDict[str, str] = OrderedDict()

    def chart(self, key_source: Any, draw: Callable[[], str], *, chart_id: str, title: str,
              description: str) -> Chart:
        key = hashlib.sha256(json.dumps([key_source, chart_id, title, description], default=str).encode()
                             ).hexdigest()
        stored = _STORED.get()
        svg = self._svgs.get(key) if stored is None or key not in stored else stored[key]
        if svg is None:
            from matplotlib import rc_context

            with rc_context({"svg.fonttype": "none", "svg.hashsalt": "kommunalschutz"}):
                raw = draw()
            svg = make_csp_safe(prefix_ids(raw, chart_id), chart_id=chart_id, title=title, description=description)
            self._svgs[key] = svg
            while len(self._svgs) > self.limit:
                self._svgs.popitem(last=False)
        elif key in self._svgs:
            self._svgs.move_to_end(key)
        if stored is not None:
            stored[key] = svg
        return Chart(svg=svg, title=title, description=description)

    def clear(self) -> None:
        self._svgs.clear()


# --- labels that are never cut ------------------------------------------------------------------------
# The SVG keeps its text as text, drawn by the browser or the PDF renderer with *their* fonts
# ("system-ui, sans-serif"), so matplotlib's own measurements cannot be trusted to the point. Labels
# are therefore wrapped and the margins reserved by a conservative estimate: the width in DejaVu Sans
# (one of the widest common sans-serif fonts, and the PDF renderer's fallback on Debian) plus 10 %.

TEXT_WIDTH_SAFETY = 1.10
LINE_HEIGHT = 1.25  # line spacing of wrapped labels, in font sizes


@functools.lru_cache(maxsize=1)
def _text_to_path() -> Any:
    from matplotlib.textpath import TextToPath

    return TextToPath()


@functools.lru_cache(maxsize=16)
def _font(font_size: float) -> Any:
    from matplotlib.font_manager import FontProperties

    return FontProperties(family="DejaVu Sans", size=font_size)


@functools.lru_cache(maxsize=8192)
def text_width(text: str, font_size: float) -> float:
    """The estimated width of one line of text in points (SVG user units) at ``font_size`` points.

    Labels are measured word by word while they are wrapped, and the same labels recur in every chart of a
    report: the measurement is kept (it depends on the text and the size only)."""
    if not text:
        return 0.0
    width, _height, _descent = _text_to_path().get_text_width_height_descent(text, _font(font_size),
                                                                             ismath=False)
    return float(width) * TEXT_WIDTH_SAFETY


def wrap_to_width(text: str, font_size: float, max_width: float) -> list[str]:
    """``text`` in lines of at most ``max_width`` points, broken at spaces only (so the lines joined
    with spaces give the text again); a single word wider than that stands on its own line."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, font_size) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines or [""]


@dataclass
class CategoryChart:
    """A figure with one horizontal row per category (top to bottom) and room for every label in full."""

    figure: Any
    ax: Any
    ys: list[int]  # data y of each category's row, in the order of the labels (first row on top)


def category_chart(labels: list[str], *, x_label: str, width_inches: float = 7.5, font_size: float = 8.0,
                   row_points: float = 23.0, label_share: float = 0.42) -> CategoryChart:
    """A horizontal chart whose category labels (left of the axes) and axis label (below) are wrapped
    to fit and each line drawn as its own anchored text, with margins from ``text_width``: no label is
    cut or truncated, whatever font draws it. Draw the data at ``ys`` (rows -0.5 … n-0.5)."""
    from matplotlib.figure import Figure

    width = width_inches * 72.0
    wrapped = [wrap_to_width(str(label), font_size, label_share * width) for label in labels]
    line = font_size * LINE_HEIGHT
    row = max([row_points] + [len(lines) * line + 6.0 for lines in wrapped])
    label_width = max([text_width(text, font_size) for lines in wrapped for text in lines] + [0.0])
    left = label_width + 12.0
    right = 18.0  # half of the widest tick label ("100")
    # the axis label is centred under the axes: its lines may reach to the nearer edge of the figure
    centre_points = left + (width - left - right) / 2.0
    axis_label_size = font_size + 1.0
    axis_room = 2.0 * min(centre_points, width - centre_points) - 8.0
    axis_lines = wrap_to_width(x_label, axis_label_size, axis_room) if x_label else []
    top = 8.0
    bottom = font_size * 1.6 + 8.0 + len(axis_lines) * axis_label_size * LINE_HEIGHT + 6.0
    n = max(1, len(labels))
    axes_height = n * row
    height = axes_height + top + bottom
    figure = Figure(figsize=(width_inches, height / 72.0))
    ax = figure.add_axes((left / width, bottom / height, (width - left - right) / width, axes_height / height))
    ys = list(range(len(labels)))[::-1]
    ax.set_ylim(-0.5, n - 0.5)
    ax.set_yticks(ys, [""] * len(ys))
    ax.tick_params(axis="x", labelsize=font_size)
    for y, lines in zip(ys, wrapped, strict=True):
        for index, text in enumerate(lines):
            offset = ((len(lines) - 1) / 2.0 - index) * line
            ax.annotate(text, xy=(0, y), xycoords=("axes fraction", "data"), xytext=(-6, offset),
                        textcoords="offset points", ha="right", va="center", fontsize=font_size,
                        annotation_clip=False)
    centre = centre_points / width
    for index, text in enumerate(axis_lines):
        baseline = bottom - font_size * 1.6 - 8.0 - (index + 1) * axis_label_size * LINE_HEIGHT + 3.0
        figure.text(centre, baseline / height, text, ha="center", va="baseline", fontsize=axis_label_size)
    return CategoryChart(figure, ax, ys)
