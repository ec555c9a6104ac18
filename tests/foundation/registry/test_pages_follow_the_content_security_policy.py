"""Registry pages and scripts keep to the strict CSP and never make the browser ask anyone but us."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from kommunalschutz.foundation.registry.importer import ImportResult
from tests.conftest import World
from tests.foundation.registry.conftest import PIRNA, SOE

PAGES = [
    reverse("registry:municipality_list"),
    reverse("registry:municipality_detail", args=[PIRNA]),
    reverse("registry:district_list"),
    reverse("registry:district_detail", args=[SOE]),
    reverse("registry:overview_map"),
    reverse("registry:police_directorate_list"),
]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._script_open: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name in attributes:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
        for name in ("src", "href"):
            value = attributes.get(name) or ""
            if tag in {"script", "link", "img", "iframe"} and "://" in value:
                self.problems.append(f"external {tag}: {value}")
        if tag == "script":
            self._script_open = attributes

    def handle_data(self, data: str) -> None:
        opened = self._script_open
        if opened is not None and data.strip() and opened.get("type") != "application/json":
            self.problems.append(f"inline script code: {data.strip()[:40]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_open = None


def _problems(html: str) -> list[str]:
    parser = _Tags()
    parser.feed(html)
    return parser.problems


@pytest.mark.parametrize("url", PAGES)
def test_page_has_no_inline_code_no_style_attributes_and_no_external_assets(
    client: Any, mini_registry: ImportResult, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert _problems(response.content.decode()) == []


def test_import_page_follows_the_policy_too(world: World, login: Any) -> None:
    response = login(world.administrator).get(reverse("registry:import_start"))
    assert _problems(response.content.decode()) == []


def test_map_script_draws_without_any_tile_server() -> None:
    static = Path(settings.BASE_DIR) / "static"
    script = (static / "js" / "map.js").read_text(encoding="utf-8")
    assert "tileLayer" not in script
    assert "://" not in script
    assert "innerHTML" not in script  # names come from data files: text nodes only
