"""Every main page of every demo role holds from 320 px to 1920 px and at 200 % zoom, with no console error,
no failed request (the favicon among them) and every required field explained.

Widths (tests/browser/layout.py): 320 CSS px (WCAG reflow: 1280 px at 400 %), 640 CSS px (a 1280 px window at
200 % zoom: zoom divides the CSS width, so the layout is the same), 1280 and 1920 px. The page is loaded once at
1280 px and resized; it fails when the document scrolls sideways or a text is wider than its box.
One test on purpose, like test_demo_roles_accessibility: one run lists every defect.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import Session, log_in
from tests.browser.layout import check_widths
from tests.browser.pages import DEMO_USERS, main_navigation_links, public_pages

pytestmark = [pytest.mark.once, pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REQUIRED_MARKS_EXPLAINED = """
() => document.querySelector('.required-mark:not(.required-legend .required-mark)') === null
      || document.querySelector('.required-legend') !== null
"""


def _watch(session: Session) -> list[str]:
    """Failed requests (4xx/5xx: a missing favicon, a stylesheet) and console errors of the session."""
    failures: list[str] = []
    session.page.on("response", lambda response: failures.append(f"{response.status} for {response.url}")
                    if response.status >= 400 else None)
    session.page.on("console", lambda message: failures.append(f"console error: {message.text}")
                    if message.type == "error" else None)
    return failures


def _check(session: Session, failures: list[str], url: str, where: str, problems: list[str]) -> None:
    session.page.set_viewport_size({"width": 1280, "height": 900})
    failures.clear()
    response = session.goto(url)
    path = urlsplit(session.page.url).path
    if response is None or not response.ok:
        problems.append(f"{where}: {path} answered {response.status if response else 'nothing'}")
        return
    problems.extend(f"{where}: {path} {problem}" for problem in check_widths(session.page))
    if not session.page.evaluate(REQUIRED_MARKS_EXPLAINED):
        problems.append(f"{where}: {path} marks required fields with * but does not say what * means")
    problems.extend(f"{where}: {path} {failure}" for failure in dict.fromkeys(failures))


def test_every_main_page_holds_at_every_width(new_session: Any, demo_db: Any) -> None:
    problems: list[str] = []
    anonymous = new_session()
    failures = _watch(anonymous)
    for where, path in public_pages():
        _check(anonymous, failures, path, f"anonymous, {where}", problems)

    for username, role in DEMO_USERS.items():
        session = new_session()
        failures = _watch(session)
        try:
            log_in(session, username)
        except AssertionError as exc:
            problems.append(f"{username} ({role}): login failed: {str(exc).splitlines()[0]}")
            continue
        links = main_navigation_links(session.page)
        assert links, f"{username} ({role}): the main navigation has no links"
        for url in links:
            _check(session, failures, url, f"{username} ({role})", problems)
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)
