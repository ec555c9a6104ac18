"""The maps in a real Chromium: drawn from our own data under the strict CSP, and passable by keyboard.

Each test drives its own Chromium in a worker thread: Playwright's sync API refuses to start a second
instance in the thread where tests/browser's session-wide browser is still running.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from kommunalschutz.foundation.registry.services import import_registry
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, configure
from tests.foundation.registry.conftest import MINI_SOURCES, PIRNA

pytestmark = pytest.mark.browser


@dataclass
class Visit:
    page: Any
    base_url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path, wait_until="load")
        self.page.wait_for_load_state("networkidle")  # the overview map fetches its GeoJSON

    def foreign_requests(self) -> list[str]:
        own = urlsplit(self.base_url).netloc
        return [url for url in self.requests if urlsplit(url).scheme not in ("data", "blob", "about")
                and urlsplit(url).netloc != own]


def _in_browser(base_url: str, steps: Callable[[Visit], None]) -> None:
    def work() -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                context = chromium.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
                configure(context)
                page = context.new_page()
                visit = Visit(page=page, base_url=base_url)
                context.on("request", lambda request: visit.requests.append(request.url))
                page.on("console", lambda msg: visit.console_errors.append(msg.text) if msg.type == "error" else None)
                steps(visit)
            finally:
                chromium.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(work).result()


@pytest.fixture
def site(transactional_db: None, live_server: Any) -> str:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    import_registry(actor=None, sources=MINI_SOURCES)
    return str(live_server.url)


OVERVIEW = reverse("registry:overview_map")
PIRNA_PAGE = reverse("registry:municipality_detail", args=[PIRNA])


def test_overview_map_draws_every_municipality_with_a_legend_and_nothing_foreign(site: str) -> None:
    def steps(visit: Visit) -> None:
        page = visit.page
        visit.open(OVERVIEW)
        assert page.locator("#overview-map path.leaflet-interactive").count() == 74
        assert page.locator("#overview-legend li").count() == 3  # the mini registry's three directorates
        page.select_option("#color-by", "district")
        assert page.locator("#overview-legend li").count() == 3
        assert not page.locator(".map-error").count()
        assert [e for e in visit.console_errors if "Content Security Policy" in e] == []
        assert visit.foreign_requests() == []

    _in_browser(site, steps)


def test_keyboard_passes_the_map_without_visiting_every_shape(site: str) -> None:
    def steps(visit: Visit) -> None:
        page = visit.page
        visit.open(OVERVIEW)
        page.focus("a.skip-map")
        stops = []
        for _ in range(4):
            page.keyboard.press("Tab")
            stops.append(page.evaluate("() => document.activeElement.tagName.toLowerCase()"))
        assert "path" not in stops
        assert stops[0] == "div"  # the map itself: arrow keys pan, +/- zoom

    _in_browser(site, steps)


def test_skip_link_jumps_past_the_map(site: str) -> None:
    def steps(visit: Visit) -> None:
        page = visit.page
        visit.open(PIRNA_PAGE)
        assert page.locator("#municipality-map path.leaflet-interactive").count() == 1
        page.focus("a.skip-map")
        page.keyboard.press("Enter")
        page.wait_for_url("**#municipality-map-after")  # the jump is a (same-page) navigation: wait for it
        assert [e for e in visit.console_errors if "Content Security Policy" in e] == []

    _in_browser(site, steps)
