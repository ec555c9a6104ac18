"""The favicon and app icons: served by the platform at the site root and under /static/, linked from every page,
and exactly what the generator (kommunalschutz/foundation/core/icons.py) makes."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.test import Client
from PIL import Image

from kommunalschutz.foundation.core import icons
from tests.conftest import World

ICON_TYPES = {"image/x-icon", "image/vnd.microsoft.icon"}


@pytest.mark.django_db
def test_favicon_ico_at_the_root_is_an_icon(client: Client) -> None:
    """Browsers ask for /favicon.ico on every page (without one: a 404 and a console error each time).
    WhiteNoise serves it from WHITENOISE_ROOT with DEBUG off, as under gunicorn."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in ICON_TYPES
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    assert body[:4] == b"\x00\x00\x01\x00"  # the ICO signature
    image = Image.open(io.BytesIO(body))
    assert {(16, 16), (32, 32), (48, 48)} <= set(image.info["sizes"])


@pytest.mark.django_db
def test_apple_touch_icon_at_the_root(client: Client) -> None:
    response = client.get("/apple-touch-icon.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


@pytest.mark.django_db
def test_the_favicon_passes_the_second_factor_gate(world: World, client: Client) -> None:
    """A user who still has to enter the TOTP code is redirected from every page, but not from the icon."""
    client.force_login(world.lka_officer)
    assert client.get("/").status_code == 302
    assert client.get("/favicon.ico").status_code == 200


@pytest.mark.django_db
def test_every_page_links_the_icons_and_the_manifest(client: Client) -> None:
    page = client.get("/").content.decode()
    links = dict(re.findall(r'<link rel="(icon|apple-touch-icon|manifest)" href="([^"]+)"', page))
    assert set(links) == {"icon", "apple-touch-icon", "manifest"}
    hrefs = re.findall(r'<link rel="(?:icon|apple-touch-icon|manifest)" href="([^"]+)"', page)
    assert len(hrefs) == 4  # ICO, SVG, touch icon, manifest
    for href in hrefs:
        response = client.get(href)
        assert response.status_code == 200, href
    svg = next(href for href in hrefs if href.endswith(".svg"))
    assert client.get(svg)["Content-Type"].startswith("image/svg+xml")


def test_the_manifest_names_icons_that_exist() -> None:
    manifest = json.loads((icons.ICON_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["name"] == "Kommunalschutz" and manifest["lang"] == "de"
    sizes = set()
    for icon in manifest["icons"]:
        path = icons.ICON_DIR / icon["src"]
        assert path.exists(), icon
        if icon["type"] == "image/png":
            with Image.open(path) as image:
                assert f"{image.width}x{image.height}" == icon["sizes"]
                sizes.add(image.width)
    assert {192, 512} <= sizes


def test_the_committed_icons_are_what_the_generator_makes() -> None:
    """Change the emblem in icons.py, then run `python -m kommunalschutz.foundation.core.icons`."""
    for name, content in icons.render_all().items():
        assert (icons.ICON_DIR / name).read_bytes() == content, f"{name} is stale: regenerate the icons"
