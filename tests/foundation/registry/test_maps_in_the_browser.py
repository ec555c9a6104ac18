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


def _visible_labels(page: Any, map_id: str) -> list[list[Any]]:
    """[name, left, top, right, bottom] of every place name shown on the map."""
    labels: list[list[Any]] = page.evaluate(
        """id => Array.from(document.querySelectorAll(
              '#' + id + ' .basemap-label:not(.basemap-label-hidden) .basemap-label-text'))
            .map(e => { const r = e.getBoundingClientRect();
                        return [e.textContent, r.left, r.top, r.right, r.bottom]; })""",
        map_id,
    )
    return labels


def _settled(page: Any, map_id: str) -> None:
    """Wait until the map has its base layer and its names stand still after Leaflet's zoom animation.

    The names are CSS-transitioned with the zoom and chosen anew on zoomend: the check waits for the
    animation class to go and then for two animation frames in a row with every name in the same place.
    """
    page.wait_for_selector(f"#{map_id}[data-basemap=ready]")
    page.wait_for_function("id => !document.getElementById(id).classList.contains('leaflet-zoom-anim')", arg=map_id)
    page.wait_for_function(
        """id => {
            const now = JSON.stringify(Array.from(document.querySelectorAll('#' + id + ' .basemap-label'))
                .map(e => [e.className, e.getBoundingClientRect().left, e.getBoundingClientRect().top]));
            const still = window.__basemapLabels === now;
            window.__basemapLabels = now;
            return still;
        }""", arg=map_id, polling="raf")


def _assert_apart(labels: list[list[Any]]) -> None:
    for i, (a, *ra) in enumerate(labels):
        for b, *rb in labels[i + 1:]:
            overlap = ra[0] < rb[2] and rb[0] < ra[2] and ra[1] < rb[3] and rb[1] < ra[3]
            assert not overlap, f"{a} and {b} overlap"


def test_the_base_map_lies_under_the_thematic_layer_with_names_that_do_not_collide(site: str) -> None:
    def steps(visit: Visit) -> None:
        page = visit.page
        visit.open(OVERVIEW)
        _settled(page, "overview-map")
        # Neighbours, their boundaries, the state, lakes, municipal and district boundaries, rivers, outline.
        assert page.locator("#overview-map .leaflet-basemap-pane path").count() == 8
        assert page.locator("#overview-map path.leaflet-interactive").count() == 74  # the thematic layer unchanged
        z = page.evaluate("""() => Object.fromEntries(['basemap', 'overlay', 'basemaplabels', 'tooltip'].map(
            name => [name, Number(getComputedStyle(document.querySelector('.leaflet-' + name + '-pane')).zIndex)]))""")
        assert z["basemap"] < z["overlay"] < z["basemaplabels"] < z["tooltip"], z

        labels = _visible_labels(page, "overview-map")
        names = {label[0] for label in labels}
        assert {"Dresden", "Chemnitz", "Plauen", "Pirna"} <= names, names  # the mini registry: south-west and east
        box = page.locator("#overview-map").bounding_box()
        for name, left, top, right, bottom in labels:  # nothing cut by the map's edge
            assert box["x"] <= left and right <= box["x"] + box["width"], name
            assert box["y"] <= top and bottom <= box["y"] + box["height"], name
        _assert_apart(labels)

        # Non-interactive: the pointer on a name reaches the municipality underneath; no name is a tab stop.
        [chemnitz] = [label for label in labels if label[0] == "Chemnitz"]
        page.mouse.move((chemnitz[1] + chemnitz[3]) / 2, (chemnitz[2] + chemnitz[4]) / 2)
        page.wait_for_selector(".leaflet-tooltip")
        assert "Chemnitz" in page.locator(".leaflet-tooltip").inner_text()
        assert page.locator("#overview-map .basemap-label[tabindex]").count() == 0
        assert page.locator("#overview-map .leaflet-basemaplabels-pane[aria-hidden=true]").count() == 1
        assert "GeoBasis-DE / BKG 2021 (Daten verändert)" in page.locator(
            "#overview-map .leaflet-control-attribution").inner_text()

        # After zooming in, the names are chosen anew for the new scale, again without collisions.
        shown = ("() => Array.from(document.querySelectorAll("
                 "'#overview-map .basemap-label:not(.basemap-label-hidden)'))"
                 ".map(e => e.textContent).sort().join('|')")
        before = page.evaluate(shown)
        page.click("#overview-map .leaflet-control-zoom-in")
        page.wait_for_function(f"previous => ({shown})() !== previous", arg=before)
        _settled(page, "overview-map")
        _assert_apart(_visible_labels(page, "overview-map"))
        assert [url for url in visit.requests if "basemap-sachsen.json" in url] == [
            visit.base_url + "/static/maps/basemap-sachsen.json"]
        assert visit.foreign_requests() == []
        assert [e for e in visit.console_errors if "Content Security Policy" in e] == []

    _in_browser(site, steps)


def test_a_single_municipality_has_its_surroundings(site: str) -> None:
    def steps(visit: Visit) -> None:
        page = visit.page
        visit.open(PIRNA_PAGE)
        _settled(page, "municipality-map")
        names = {label[0] for label in _visible_labels(page, "municipality-map")}
        assert {"Pirna", "Heidenau"} <= names, names
        # The municipality's neighbours are drawn around it (boundaries of the base map in view).
        assert page.locator("#municipality-map .leaflet-basemap-pane path").count() == 8

    _in_browser(site, steps)
