"""The platform's emblem and every icon file made from it (favicon, app icons, web app manifest).

The emblem is a shield (protection) carrying a town wall with three battlements and a gate (the
municipality: the mural crown of municipal heraldry), white on the brand blue of static/css/main.css.
One geometry draws both the SVG and the PNGs, so the vector and the pixel icons cannot drift apart.

Regenerate the files in kommunalschutz/static/icons/ after changing anything here:

    python -m kommunalschutz.foundation.core.icons

The output is deterministic (tests/foundation/core/test_icons.py regenerates into a temporary directory and
compares byte for byte with the committed files). The directory is also served at the site root
(``WHITENOISE_ROOT``), for browsers and tools that ask for /favicon.ico or /apple-touch-icon.png without
reading the page's <link> tags; see docs/decisions/0026-icons-and-forms.md.
"""

from __future__ import annotations

import io
import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageDraw

ICON_DIR = Path(__file__).resolve().parents[2] / "static" / "icons"
NAME = "Kommunalschutz"
BRAND = "#0b4f8a"  # --brand in main.css
BRAND_DARK = "#083a66"  # --brand-dark
WHITE = "#ffffff"

# Geometry on a 64 x 64 grid. The shield: a flat top, straight sides, two cubic curves meeting at the point.
Point = tuple[float, float]
SHIELD_TOP, SHIELD_LEFT, SHIELD_RIGHT, SHIELD_SHOULDER, SHIELD_TIP = 5.0, 8.0, 56.0, 29.0, 60.0
CURVES: list[tuple[Point, Point, Point, Point]] = [
    ((SHIELD_RIGHT, SHIELD_SHOULDER), (SHIELD_RIGHT, 46.0), (45.0, 55.0), (32.0, SHIELD_TIP)),
    ((32.0, SHIELD_TIP), (19.0, 55.0), (SHIELD_LEFT, 46.0), (SHIELD_LEFT, SHIELD_SHOULDER)),
]
STROKE = 2.5
# The wall: body, three battlements on top, and a round-arched gate cut out of the middle.
WALL = (18.0, 27.0, 46.0, 46.0)  # left, top, right, bottom
BATTLEMENTS = [(18.0, 20.0, 24.0, 27.0), (29.0, 20.0, 35.0, 27.0), (40.0, 20.0, 46.0, 27.0)]
GATE = (27.5, 34.0, 36.5, 46.0)  # left, top of the arch, right, bottom

PNG_SIZES = {"icon-192.png": 192, "icon-512.png": 512}
APPLE_TOUCH = ("apple-touch-icon.png", 180)  # iOS wants an opaque square; it rounds the corners itself
MASKABLE = ("icon-maskable-512.png", 512)  # Android crops to a circle: the emblem stays in the safe zone
ICO_SIZES = [16, 32, 48]
OVERSAMPLE = 8  # draw large, then shrink with a good filter: smooth edges without an anti-aliasing engine


def _cubic(p0: Point, p1: Point, p2: Point, p3: Point, steps: int = 24) -> Iterator[Point]:
    for index in range(1, steps + 1):
        t = index / steps
        u = 1 - t
        yield (u ** 3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t ** 3 * p3[0],
               u ** 3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t ** 3 * p3[1])


def shield_outline() -> list[Point]:
    points: list[Point] = [(SHIELD_LEFT, SHIELD_TOP), (SHIELD_RIGHT, SHIELD_TOP), (SHIELD_RIGHT, SHIELD_SHOULDER)]
    for curve in CURVES:
        points.extend(_cubic(*curve))
    return points


def _gate_outline() -> list[Point]:
    left, top, right, bottom = GATE
    radius = (right - left) / 2
    centre = (left + radius, top + radius)
    arch: list[Point] = []
    steps = 16
    for index in range(steps + 1):  # from the left springer over the top to the right one
        angle = math.pi + math.pi * index / steps
        arch.append((centre[0] + radius * math.cos(angle), centre[1] + radius * math.sin(angle)))
    return [(left, bottom), *arch, (right, bottom)]


def svg() -> str:
    """The emblem as SVG (the icon modern browsers prefer; it stays sharp at every size)."""
    def n(value: float) -> str:
        return f"{value:g}"

    curves = " ".join(f"C{n(c1[0])} {n(c1[1])} {n(c2[0])} {n(c2[1])} {n(end[0])} {n(end[1])}"
                      for _start, c1, c2, end in CURVES)
    shield = (f"M{n(SHIELD_LEFT)} {n(SHIELD_TOP)}H{n(SHIELD_RIGHT)}V{n(SHIELD_SHOULDER)}{curves}Z")
    left, top, right, bottom = WALL
    wall = f"M{n(left)} {n(bottom)}V{n(top)}H{n(right)}V{n(bottom)}Z"
    merlons = "".join(f"M{n(x0)} {n(y1)}V{n(y0)}H{n(x1)}V{n(y1)}Z" for x0, y0, x1, y1 in BATTLEMENTS)
    g_left, g_top, g_right, g_bottom = GATE
    radius = (g_right - g_left) / 2
    gate = (f"M{n(g_left)} {n(g_bottom)}V{n(g_top + radius)}A{n(radius)} {n(radius)} 0 0 1 "
            f"{n(g_right)} {n(g_top + radius)}V{n(g_bottom)}Z")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" role="img" aria-label="' + NAME + '">\n'
        f'  <path d="{shield}" fill="{BRAND}" stroke="{BRAND_DARK}" stroke-width="{n(STROKE)}" '
        'stroke-linejoin="round"/>\n'
        f'  <path d="{wall}{merlons}" fill="{WHITE}"/>\n'
        f'  <path d="{gate}" fill="{BRAND}"/>\n'
        "</svg>\n"
    )


def emblem(size: int, *, background: str | None = None, scale: float = 1.0) -> Image.Image:
    """The emblem as a square RGBA image of ``size`` pixels; ``scale`` < 1 leaves a margin around it."""
    big = size * OVERSAMPLE
    image = Image.new("RGBA", (big, big), background or (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    factor = big / 64 * scale
    offset = big * (1 - scale) / 2

    def at(points: list[Point]) -> list[Point]:
        return [(offset + x * factor, offset + y * factor) for x, y in points]

    outline = at(shield_outline())
    draw.polygon(outline, fill=BRAND_DARK)
    # The stroke: the dark shield, then the blue one shrunk towards its centre by the stroke width.
    inner_factor = (64 - 2 * STROKE) / 64
    centre = (32.0, (SHIELD_TOP + SHIELD_TIP) / 2)
    inner = [(centre[0] + (x - centre[0]) * inner_factor, centre[1] + (y - centre[1]) * inner_factor)
             for x, y in shield_outline()]
    draw.polygon(at(inner), fill=BRAND)
    for x0, y0, x1, y1 in [WALL, *BATTLEMENTS]:
        draw.rectangle(at([(x0, y0), (x1, y1)]), fill=WHITE)
    draw.polygon(at(_gate_outline()), fill=BRAND)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def manifest() -> str:
    """The web app manifest; icon paths are relative to it (they resolve beside it in /static/icons/)."""
    icons = [{"src": "icon.svg", "sizes": "any", "type": "image/svg+xml"}]
    icons += [{"src": name, "sizes": f"{size}x{size}", "type": "image/png"} for name, size in PNG_SIZES.items()]
    icons.append({"src": MASKABLE[0], "sizes": f"{MASKABLE[1]}x{MASKABLE[1]}", "type": "image/png",
                  "purpose": "maskable"})
    return json.dumps({
        "name": NAME, "short_name": NAME, "lang": "de", "start_url": "/", "scope": "/", "display": "browser",
        "theme_color": BRAND, "background_color": WHITE, "icons": icons,
    }, indent=2, ensure_ascii=False) + "\n"


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def render_all() -> dict[str, bytes]:
    """File name -> content of every icon file."""
    files = {"icon.svg": svg().encode("utf-8"), "manifest.json": manifest().encode("utf-8")}
    for name, size in PNG_SIZES.items():
        files[name] = _png(emblem(size))
    files[APPLE_TOUCH[0]] = _png(emblem(APPLE_TOUCH[1], background=WHITE, scale=0.82).convert("RGB"))
    files[MASKABLE[0]] = _png(emblem(MASKABLE[1], background=WHITE, scale=0.7).convert("RGB"))
    ico = io.BytesIO()
    largest = emblem(max(ICO_SIZES))
    # Each size drawn on its own (not shrunk from the largest) keeps the 16 px one crisp.
    largest.save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                 append_images=[emblem(s) for s in ICO_SIZES if s != max(ICO_SIZES)])
    files["favicon.ico"] = ico.getvalue()
    return files


def write_all(directory: Path = ICON_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in sorted(render_all().items()):
        path = directory / name
        path.write_bytes(content)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else ICON_DIR
    for path in write_all(target):
        print(f"{path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
