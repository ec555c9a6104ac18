"""The public alliance map and the figures page in a real Chromium, under the strict CSP, with axe.

Each test drives its own Chromium in a worker thread (as tests/foundation/registry/test_maps_in_the_browser.py
does): the session-wide browser of tests/browser may already run in the main thread.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.urls import reverse

from kommunalschutz.alliance.programme.models import Stage
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.foundation.registry.services import import_registry
from tests.alliance.insights.conftest import agreement, council, engagement, programme, step
from tests.browser.axe import assert_accessible
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Recorder, configure
from tests.browser.layout import check_widths, overflow_problems
from tests.foundation.registry.conftest import MINI_SOURCES, PIRNA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAUEN = "14523320"
MODEL_COLOUR, CONTACTED_COLOUR, MEMBER_COLOUR = "#cc79a7", "#56b4e9", "#0072b2"


def _in_browser(base_url: str, steps: Callable[[Any, Recorder], None]) -> None:
    def work() -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                context = chromium.new_context(locale="de-DE", viewport={"width": 1280, "height": 1000})
                configure(context)
                recorder = Recorder()
                context.on("request", lambda request: recorder.requests.append(request.url))
                page = context.new_page()
                page.on("console", lambda msg: recorder.console_errors.append(msg.text)
                        if msg.type == "error" else None)
                steps(page, recorder)
            finally:
                chromium.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(work).result()


@pytest.fixture
def site(live_server: Any) -> str:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`.")
    import_registry(actor=None, sources=MINI_SOURCES)
    programme()
    pirna = Municipality.objects.get(ags=PIRNA)
    plauen = Municipality.objects.get(ags=PLAUEN)
    step(pirna, Stage.MODEL, dt.date(2019, 2, 6))
    step(pirna, Stage.MEMBER, dt.date(2019, 6, 1))
    agreement(pirna, dt.date(2019, 6, 1))
    engagement(pirna, "coaching", dt.date(2020, 3, 1))
    step(plauen, Stage.CONTACTED, dt.date(2020, 5, 1), is_synthetic=True)
    council(plauen, dt.date(2021, 1, 1), name="Präventionsrat Plauen", contact_is_public=True,
            contact_name="Erika Öffentlich", contact_email="kpr@plauen.example", contact_phone="03741 123")
    return str(live_server.url)


def _fill(page: Any, ags: str) -> str:
    value: str = page.get_attribute(f'#alliance-map path[data-ags="{ags}"]', "fill")
    return value


def _table_names(page: Any) -> list[str]:
    names: list[str] = page.eval_on_selector_all("#map-table-body th",
                                                 "cells => cells.map(c => c.firstChild.textContent)")
    return [name.strip() for name in names]


def test_public_map_layers_replay_tutorial_and_table(site: str) -> None:
    def steps(page: Any, recorder: Recorder) -> None:
        page.goto(site + reverse("insights:public_map") + "?as_of=2019-03-31", wait_until="load")
        page.wait_for_load_state("networkidle")
        page.wait_for_selector('#alliance-map path[data-ags="14628270"]')
        assert page.locator("#alliance-map path.leaflet-interactive").count() >= 74
        assert _fill(page, PIRNA) == MODEL_COLOUR
        assert _table_names(page) == ["Pirna, Stadt"]
        assert_accessible(page, "alliance map")

        # The tutorial opens and closes by keyboard, and gives focus back to its button.
        toggle, panel = page.locator("#tutorial-toggle"), page.locator("#tutorial")
        assert panel.is_visible()
        toggle.focus()
        page.keyboard.press("Enter")
        assert not panel.is_visible() and toggle.get_attribute("aria-expanded") == "false"
        page.keyboard.press("Enter")
        assert panel.is_visible() and toggle.get_attribute("aria-expanded") == "true"
        assert page.evaluate("() => document.activeElement.id") == "tutorial"
        page.keyboard.press("Escape")
        assert not panel.is_visible()
        assert page.evaluate("() => document.activeElement.id") == "tutorial-toggle"
        page.keyboard.press("Enter")
        page.locator("#tutorial-close").focus()
        page.keyboard.press("Enter")
        assert not panel.is_visible()

        # Layers toggle by keyboard: without the model layer Pirna shows its next block.
        page.locator("#layer-model").focus()
        page.keyboard.press("Space")
        assert not page.locator("#layer-model").is_checked()
        assert _fill(page, PIRNA) == CONTACTED_COLOUR
        page.keyboard.press("Space")
        assert _fill(page, PIRNA) == MODEL_COLOUR

        # The slider replays the growth: the map, the counts and the table follow without a reload.
        slider = page.locator("#replay-slider")
        assert slider.is_visible()
        slider.focus()
        page.keyboard.press("End")
        assert _table_names(page) == ["Pirna, Stadt", "Plauen, Stadt, Hochschulstadt"]
        assert "synthetisch" in page.inner_text("#map-table-body")
        assert page.locator("[data-count='council']").inner_text() == "1"
        assert "Erika Öffentlich" in page.inner_text("#map-table-body")
        page.locator("#layer-model").uncheck()
        assert _fill(page, PIRNA) == "#e69f00"  # coaching comes before membership
        page.locator("#layer-model").check()
        slider.focus()
        page.keyboard.press("Home")
        assert _table_names(page) == ["Pirna, Stadt"]
        assert page.inner_text("#map-table-caption").endswith("28.02.2019")
        assert page.locator("#alliance-map path.council-marker").count() == 0
        page.keyboard.press("End")

        # A council dot is reachable by keyboard and opens the public contact.
        marker = page.locator("#alliance-map path.council-marker")
        assert marker.count() == 1
        marker.focus()
        page.keyboard.press("Enter")
        assert "Erika Öffentlich" in page.inner_text(".leaflet-popup-content")
        # Checked once Leaflet's fade-in is over (half-transparent text would fail contrast meanwhile).
        page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
        assert_accessible(page, "alliance map after the replay")

        # Play runs the months forward and can be paused.
        page.keyboard.press("Escape")
        slider.focus()
        page.keyboard.press("Home")
        page.locator("#replay-play").click()
        page.wait_for_function("() => Number(document.getElementById('replay-slider').value) >= 2")
        page.locator("#replay-play").click()
        assert page.locator("#replay-play").get_attribute("aria-pressed") == "false"

        assert recorder.csp_violations() == []
        assert recorder.foreign_requests(site) == []

    _in_browser(site, steps)


def test_figures_page_is_accessible_and_draws_the_chart(site: str) -> None:
    def steps(page: Any, recorder: Recorder) -> None:
        page.goto(site + reverse("insights:figures"), wait_until="load")
        chart = page.locator("svg.chart-svg")
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 400 and box["height"] > 150
        assert page.locator("#series-table tbody tr").count() > 20
        assert_accessible(page, "figures page")
        page.fill("#id_as_of", "2020-12-31")
        with page.expect_navigation():
            page.locator("form.as-of-form button[type=submit]").click()
        assert "31.12.2020" in page.inner_text("#figures-heading")
        assert recorder.csp_violations() == []
        assert recorder.foreign_requests(site) == []

    _in_browser(site, steps)


def test_the_paged_table_works_by_keyboard_at_320_px_and_the_slider_keeps_the_page(site: str) -> None:
    """Decision 0033: the table comes in pages of 50 (55 rows here); the pager is reached with Tab, leads to
    the server's next page, and nothing scrolls sideways at 320 px (WCAG reflow) with the pager shown."""
    towns = Municipality.objects.exclude(ags__in=[PIRNA, PLAUEN]).order_by("ags")[:53]
    for town in towns:
        step(town, Stage.CONTACTED, dt.date(2019, 3, 1))

    def steps(page: Any, recorder: Recorder) -> None:
        page.set_viewport_size({"width": 320, "height": 800})
        page.goto(site + reverse("insights:public_map") + "?as_of=2021-06-30", wait_until="load")
        page.wait_for_selector('#alliance-map[data-state="ready"]')
        assert page.locator("#map-table-body tr").count() == 50
        assert "Zeilen 1 bis 50 von 55" in page.inner_text("#map-table-pager")
        assert overflow_problems(page) == []
        assert_accessible(page, "alliance map at 320 px")
        assert check_widths(page) == []  # 640 px is 1280 px at 200 % zoom
        # The slider re-renders the same page for another date (fewer rows then: Plauen came in 2020).
        page.locator("#replay-slider").focus()
        page.keyboard.press("ArrowLeft")
        assert page.locator("#map-table-body tr").count() == 50
        page.keyboard.press("End")
        next_link = page.locator("#map-table-pager a[rel=next]")
        next_link.focus()
        assert page.evaluate("() => document.activeElement.getAttribute('rel')") == "next"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_selector('#alliance-map[data-state="ready"]')
        assert page.locator("#map-table-body tr").count() == 5
        assert "Seite 2 von 2" in page.inner_text("#map-table-pager")
        assert recorder.csp_violations() == []
        assert recorder.foreign_requests(site) == []

    _in_browser(site, steps)
