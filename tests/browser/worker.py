"""Browser tests that drive their own Chromium in a worker thread, and the steps they share.

Playwright's sync API refuses a second instance in the thread where the session-wide browser of
tests/browser may run, so these tests start Chromium in a worker thread. The thread only drives the
browser; every database access stays in the test's own thread (read TOTP keys with ``totp_source`` before
starting, for instance).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, configure

T = TypeVar("T")


def totp_source(user: Any, *, create: bool = False) -> Callable[[], str] | None:
    """A code generator for a user's authenticator (a user or a username), read now, evaluated later.

    ``create`` gives a user without a confirmed device one (test users); otherwise None if there is none.
    """
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if create:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="browser", defaults={"confirmed": True})
    else:
        lookup = {"user__username": user} if isinstance(user, str) else {"user": user}
        device = TOTPDevice.objects.filter(confirmed=True, **lookup).first()
        if device is None:
            return None
    key, step, t0, digits, drift = device.bin_key, device.step, device.t0, device.digits, device.drift
    return lambda: f"{totp(key, step=step, t0=t0, digits=digits, drift=drift):0{digits}d}"


def in_chromium(work: Callable[[Any], T]) -> T:
    """Run ``work(chromium)`` with a fresh headless Debian Chromium in a worker thread; return its result.

    No deadline for the whole: each of the work's waits is bounded (tests/browser/conftest.py's TIMEOUT_MS),
    so a slow machine makes the test slower, not red.
    """

    def thread() -> T:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                return work(chromium)
            finally:
                chromium.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(thread).result()


def foreign_requests(base: str, requests: list[str]) -> list[str]:
    """The requested URLs that went to another server than ``base`` (data:, blob: and about: aside)."""
    own = urlsplit(base).netloc
    return [url for url in requests
            if urlsplit(url).scheme not in ("data", "blob", "about") and urlsplit(url).netloc != own]


@dataclass
class Tab:
    """A page in its own browser context (no cookies shared with other tabs), recording what it loads."""

    context: Any
    page: Any
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def csp_errors(self) -> list[str]:
        return [error for error in self.console_errors if "Content Security Policy" in error]

    def assert_clean(self, base: str) -> None:
        """No Content-Security-Policy violation, no request to another server."""
        assert self.csp_errors() == []
        assert foreign_requests(base, self.requests) == []

    def close(self) -> None:
        self.context.close()


def open_tab(chromium: Any) -> Tab:
    context = configure(chromium.new_context(locale="de-DE", viewport={"width": 1280, "height": 900}))
    page = context.new_page()
    tab = Tab(context, page)
    context.on("request", lambda request: tab.requests.append(request.url))
    page.on("console", lambda msg: tab.console_errors.append(msg.text) if msg.type == "error" else None)
    return tab


def in_browser(steps: Callable[[Any, list[str], list[str]], None], *, rounds: int = 1) -> None:
    """Run ``steps(page, requests, console_errors)`` ``rounds`` times, each in a fresh context of one Chromium;
    the two lists collect over all rounds."""

    def work(chromium: Any) -> None:
        requests: list[str] = []
        console_errors: list[str] = []
        for _round in range(rounds):
            tab = open_tab(chromium)
            steps(tab.page, tab.requests, tab.console_errors)
            requests += tab.requests
            console_errors += tab.console_errors
            tab.close()

    in_chromium(work)


def log_in(page: Any, base: str, username: str, password: str, code: Callable[[], str] | None = None) -> None:
    """Log in through the real forms: the password, then the TOTP code if one is asked for."""
    page.goto(base + reverse("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("form:has(input[name=password]) [type=submit]").first.click()
    if code is not None and urlsplit(page.url).path == reverse("accounts:otp_verify"):
        page.fill("input[name=otp_token]", code())
        with page.expect_navigation():
            page.locator("form:has(input[name=otp_token]) [type=submit]").first.click()
    assert urlsplit(page.url).path not in (reverse("accounts:login"), reverse("accounts:otp_verify")), (
        f"{username} is still on {page.url} after logging in")


def tab_to(page: Any, selector: str, *, max_tabs: int = 80) -> None:
    """Tab from the top of the page until the element matching ``selector`` has focus."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        if page.evaluate("(sel) => document.activeElement?.matches(sel) ?? false", selector):
            return
    pytest.fail(f"{selector} on {page.url} never received focus within {max_tabs} Tab presses")
