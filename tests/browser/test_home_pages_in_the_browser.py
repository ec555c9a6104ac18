"""Each demo role's start page in Chromium: axe finds nothing serious, the role's items are visible, the wing
menus open and close by keyboard, and at 320 px nothing overflows (issue 13, item 2).

One test on purpose: every role's findings are collected, so one run lists them all.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.axe import blocking, describe, run_axe
from tests.browser.conftest import Session, log_in
from tests.browser.pages import DEMO_USERS
from tests.foundation.core.test_home_page import EXPECTED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def _check_home(session: Session, username: str, problems: list[str]) -> None:
    page = session.page
    session.goto("/")
    if page.locator("h1", has_text="Was heute ansteht").count() != 1:
        problems.append(f"{username}: the start page has no heading 'Was heute ansteht'")
    wanted, _unwanted = EXPECTED[username]
    for key in sorted(wanted):
        section = page.locator(f"[data-home-section='{key}']")
        if not section.count() or not section.first.is_visible():
            problems.append(f"{username}: the section {key} is not visible")
        elif section.first.locator("a[href]").count() == 0:
            problems.append(f"{username}: the section {key} links nowhere")
    if serious := blocking(run_axe(page)):
        problems.append(f"{username}: axe on the start page\n{describe(serious)}")


def _check_menus_by_keyboard(session: Session, problems: list[str]) -> None:
    """The wing menus are disclosures: Enter opens, the links are reachable, Escape closes."""
    page = session.page
    summary = page.locator("nav.main-nav details.nav-disclosure > summary").first
    menu_link = page.locator("nav.main-nav details.nav-disclosure").first.locator(".nav-menu a").first
    summary.focus()
    page.keyboard.press("Enter")
    if not menu_link.is_visible():
        problems.append("koordination: Enter on a wing does not open its menu")
        return
    page.keyboard.press("Tab")
    if not menu_link.evaluate("link => link === document.activeElement"):
        problems.append("koordination: Tab after opening a wing does not reach its first link")
    page.keyboard.press("Escape")
    if menu_link.is_visible():
        problems.append("koordination: Escape does not close the open wing")
    if not summary.evaluate("summary => summary === document.activeElement"):
        problems.append("koordination: after Escape the focus is not back on the wing")


def _check_narrow(session: Session, problems: list[str]) -> None:
    page = session.page
    page.set_viewport_size({"width": 320, "height": 800})
    session.goto("/")
    if _overflow(page) > 0:
        problems.append("koordination: the start page overflows at 320 px")
    for summary in page.locator("nav.main-nav details.nav-disclosure > summary").all():
        summary.click()
        if _overflow(page) > 0:
            problems.append(f"koordination: an open wing menu overflows at 320 px ({summary.inner_text()})")
    if serious := blocking(run_axe(page)):
        problems.append(f"koordination at 320 px, menu open: axe\n{describe(serious)}")


def test_each_roles_start_page_in_the_browser(new_session: Any, demo_db: Any) -> None:
    problems: list[str] = []
    for username in DEMO_USERS:
        session = new_session()
        try:
            log_in(session, username)
        except AssertionError as exc:
            problems.append(f"{username}: login failed: {str(exc).splitlines()[0]}")
            continue
        _check_home(session, username, problems)
        if username == "koordination":
            _check_menus_by_keyboard(session, problems)
            _check_narrow(session, problems)
    anonymous = new_session()
    anonymous.goto("/")
    if anonymous.page.locator("nav.main-nav details").count():
        problems.append("anonymous: the public navigation should be one row of links")
    if serious := blocking(run_axe(anonymous.page)):
        problems.append(f"anonymous: axe on the start page\n{describe(serious)}")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)
