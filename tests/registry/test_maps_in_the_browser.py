"""The maps in a real Chromium: drawn from our own data under the strict CSP, and passable by keyboard."""

from __future__ import annotations

import pytest

from kommunalschutz.apps.registry.services import import_registry
from tests.browser import conftest as browser_fixtures
from tests.browser.conftest import Session
from tests.registry.conftest import MINI_SOURCES, PIRNA

pytestmark = pytest.mark.browser

# The browser fixtures live in tests/browser/conftest.py; borrowed here rather than copied.
browser = browser_fixtures.browser
new_session = browser_fixtures.new_session
session = browser_fixtures.session


@pytest.fixture
def registry(transactional_db: None) -> None:
    import_registry(actor=None, sources=MINI_SOURCES)


def test_overview_map_draws_every_municipality_with_a_legend_and_nothing_foreign(
    registry: None, session: Session
) -> None:
    page = session.page
    session.goto(session.url("registry:overview_map"))
    assert page.locator("#overview-map path.leaflet-interactive").count() == 74
    assert page.locator("#overview-legend li").count() == 3  # the mini registry's three directorates
    page.select_option("#color-by", "district")
    assert page.locator("#overview-legend li").count() == 3
    assert session.recorder.csp_violations() == []
    assert session.recorder.foreign_requests(session.base_url) == []
    assert not page.locator(".map-error").count()


def test_keyboard_passes_the_map_without_visiting_every_shape(registry: None, session: Session) -> None:
    page = session.page
    session.goto(session.url("registry:overview_map"))
    page.focus("a.skip-map")
    stops = []
    for _ in range(4):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("() => document.activeElement.tagName.toLowerCase()"))
    assert "path" not in stops
    assert stops[0] == "div"  # the map itself: arrow keys pan, +/- zoom


def test_skip_link_jumps_past_the_map(registry: None, session: Session) -> None:
    page = session.page
    session.goto(session.url("registry:municipality_detail", PIRNA))
    page.focus("a.skip-map")
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#municipality-map-after"
    assert page.locator("#municipality-map path.leaflet-interactive").count() == 1
    assert session.recorder.csp_violations() == []
