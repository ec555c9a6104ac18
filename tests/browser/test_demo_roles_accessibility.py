"""Every demo role can reach every page in its navigation, and no page has serious axe violations.

One test per role (and one for the public pages): within it every problem found is collected, so one run
lists all defects of that role instead of stopping at the first, and the roles run on both test workers
instead of one test taking five minutes at the end of the suite. The demo is the session's shared demo
database (``demo_db``, tests/demo/database.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.axe import blocking, describe, run_axe
from tests.browser.conftest import Session, log_in
from tests.browser.pages import DEMO_USERS, MAP_PAGES, main_navigation_links, public_pages

pytestmark = [pytest.mark.once, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# (rule, impact, element) -> the paths where axe found it; the same base-layout finding on
# sixty pages is one line, not sixty.
Minor = dict[tuple[str, str, str], set[str]]


def _check(session: Session, url: str, where: str, problems: list[str], minor: Minor) -> None:
    response = session.goto(url)
    if response is None or not response.ok:
        problems.append(f"{where}: {url} answered {response.status if response else 'nothing'}")
        return
    violations = run_axe(session.page)
    if serious := blocking(violations):
        problems.append(f"{where}: {url}\n{describe(serious)}")
    for violation in violations:
        if violation in serious:
            continue
        for node in violation["nodes"]:
            key = (violation["id"], str(violation["impact"]), " ".join(map(str, node.get("target", []))))
            minor.setdefault(key, set()).add(urlsplit(url).path)


def _report(problems: list[str], minor: Minor) -> None:
    if minor:
        print("axe-core moderate/minor findings (not failing):")
        for (rule, impact, target), paths in sorted(minor.items()):
            print(f"- {rule} ({impact}) at {target} on {len(paths)} page(s), e.g. {min(paths)}")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_public_pages_accessibility(new_session: Any, demo_db: Any) -> None:
    problems: list[str] = []
    minor: Minor = {}  # moderate/minor findings are printed, not failed

    anonymous = new_session()
    for where, path in public_pages():
        _check(anonymous, anonymous.base_url + path, f"anonymous, {where}", problems, minor)
        if where in MAP_PAGES and not anonymous.page.locator(".leaflet-container .leaflet-interactive").count():
            problems.append(f"anonymous, {where}: the Leaflet map shows no boundaries")
        if where in MAP_PAGES and not (
            anonymous.page.locator(".leaflet-container[data-basemap=ready] .leaflet-basemap-pane path").count()
            and anonymous.page.locator(".leaflet-basemaplabels-pane .basemap-label").count()
        ):
            problems.append(f"anonymous, {where}: the map has no base map under it")
    _report(problems, minor)


@pytest.mark.parametrize("username", list(DEMO_USERS))
def test_demo_role_accessibility(new_session: Any, demo_db: Any, username: str) -> None:
    problems: list[str] = []
    minor: Minor = {}
    role = DEMO_USERS[username]
    session = new_session()  # a fresh context: no cookies from another user
    log_in(session, username)
    links = main_navigation_links(session.page)
    if not links:
        problems.append(f"{username} ({role}): the main navigation has no links")
    for url in links:
        _check(session, url, f"{username} ({role})", problems, minor)
    _report(problems, minor)
