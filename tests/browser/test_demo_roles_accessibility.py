"""Every demo role can reach every page in its navigation, and no page has serious axe violations.

One test on purpose: every problem found is collected, so one run lists all defects instead of stopping
at the first. The demo is the session's shared demo database (``demo_db``, tests/demo/database.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.axe import blocking, describe, run_axe
from tests.browser.conftest import Session, log_in
from tests.browser.pages import DEMO_USERS, MAP_PAGES, main_navigation_links, public_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


def test_demo_roles_accessibility(new_session: Any, demo_db: Any) -> None:
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

    for username, role in DEMO_USERS.items():
        session = new_session()  # a fresh context: no cookies from the previous user
        try:
            log_in(session, username)
        except AssertionError as exc:  # keep going: the other roles' findings matter too
            problems.append(f"{username} ({role}): login failed: {str(exc).splitlines()[0]}")
            continue
        links = main_navigation_links(session.page)
        if not links:
            problems.append(f"{username} ({role}): the main navigation has no links")
        for url in links:
            _check(session, url, f"{username} ({role})", problems, minor)

    if minor:
        print("axe-core moderate/minor findings (not failing):")
        for (rule, impact, target), paths in sorted(minor.items()):
            print(f"- {rule} ({impact}) at {target} on {len(paths)} page(s), e.g. {min(paths)}")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)
