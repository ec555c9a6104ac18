"""Browser fixtures: one Debian Chromium per session, a fresh context per test, helpers to log in.

Playwright's own browser download is never used (no network here, and CI must not depend on it).
Pages keep their Content-Security-Policy: axe is injected through the DevTools protocol
(see tests/browser/axe.py), which CSP does not govern, so we test exactly what users get.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium phones home at start, which this machine's closed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "kommunalschutz-demo"

# Browser tests wait for events (a navigation, a download, an element or a state), never for a fixed time.
# These are only the bounds after which such a wait counts as failed: generous, because a busy machine is
# several times slower than an idle one, and a passing test never waits for them.
TIMEOUT_MS = 60_000  # any single wait: an action, a navigation, an expectation
SLOW_WORK_MS = 600_000  # a request that does heavy work before it answers (a PDF, a sample, a simulation)


def configure(context: Any) -> Any:
    """Give a new browser context the suite's bounds for every wait, and Playwright's ``expect`` as well."""
    from playwright.sync_api import expect

    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return context


@pytest.hookimpl(trylast=True)  # after pytest-django's own reordering, so ours is final
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run browser tests last (stable order otherwise), the ``slow`` ones first among them.

    The session-wide sync Playwright keeps an asyncio loop running in the main thread from the first
    browser test to the end of the session; no other test should run under it (asyncio.run() would
    fail, and Django's async-safety check is switched off meanwhile). The tests that take minutes go
    out first, so that pytest-xdist does not hand one of them to a worker when the other has nothing
    left (the longest job first keeps the two workers' ends close).
    """
    items.sort(key=lambda item: (item.get_closest_marker("browser") is not None,
                                 item.get_closest_marker("slow") is None))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    # The sync Playwright API runs an asyncio loop in this thread; Django would then refuse the ORM
    # calls our (synchronous) tests make, mistaking them for calls from async code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Recorder:
    """What a browser context did: every request URL, and console errors (CSP violations among them)."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [msg for msg in self.console_errors if "Content Security Policy" in msg]

    def foreign_requests(self, origin: str) -> list[str]:
        """Requests to anything but the live server. data:/blob: URLs never leave the browser."""
        allowed = urlsplit(origin).netloc
        return [url for url in self.requests
                if urlsplit(url).scheme not in ("data", "blob", "about") and urlsplit(url).netloc != allowed]


@dataclass
class Session:
    context: Any
    page: Any
    recorder: Recorder
    base_url: str

    def url(self, name: str, *args: Any) -> str:
        return self.base_url + reverse(name, args=args)

    def goto(self, url: str) -> Any:
        """Open url (absolute or a path); on map pages, also wait until the map has fetched its data."""
        if url.startswith("/"):
            url = self.base_url + url
        response = self.page.goto(url, wait_until="load")
        if self.page.locator("[data-map]").count():
            # Checked as users see it: with the boundaries drawn, not an empty map box.
            self.page.wait_for_load_state("networkidle")
            # ... and over its base map (js/basemap.js), so axe also checks the place names.
            self.page.wait_for_selector("[data-map][data-basemap=ready], [data-map][data-basemap=error]")
        return response


@pytest.fixture
def new_session(browser: Any, live_server: Any) -> Iterator[Any]:
    """A factory for fresh browser contexts (no shared cookies), all closed at the end of the test."""
    sessions: list[Session] = []

    def _new() -> Session:
        context = configure(browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900}))
        recorder = Recorder()
        context.on("request", lambda request: recorder.requests.append(request.url))
        page = context.new_page()
        page.on("console", lambda msg: recorder.console_errors.append(msg.text) if msg.type == "error" else None)
        session = Session(context=context, page=page, recorder=recorder, base_url=live_server.url)
        sessions.append(session)
        return session

    yield _new
    for session in sessions:
        session.context.close()


@pytest.fixture
def session(new_session: Any) -> Session:
    result: Session = new_session()
    return result


def current_totp(username: str) -> str:
    """The code an authenticator app would show now for the user's confirmed TOTP device."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"


def log_in(session: Session, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real forms: password first, then the TOTP code if the role requires one."""
    page = session.page
    session.goto(session.url("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("form:has(input[name=password]) [type=submit]").first.click()
    if urlsplit(page.url).path == reverse("accounts:otp_verify"):
        page.fill("input[name=otp_token]", current_totp(username))
        with page.expect_navigation():
            page.locator("form:has(input[name=otp_token]) [type=submit]").first.click()
    path = urlsplit(page.url).path
    assert path not in (reverse("accounts:login"), reverse("accounts:otp_verify")), (
        f"{username} is still on {path} after logging in; the page says: "
        + page.locator("body").inner_text()[:300]
    )

