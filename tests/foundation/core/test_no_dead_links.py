"""No link leads a demo user to a 404, a 403 or a server error (issue 13, item 2).

For every demo role, on the demo database, with Django's test client: the role's start page and every page
its main navigation leads to are opened, and every link on them is followed (one level deep). A page
reached that way is, once per URL pattern, searched for links as well, which are followed too: so the survey
project page, one click below the survey list, offers only the parts of the survey the role may open.

A link may redirect (a notification to its case); what counts is where it ends. Downloads (PDF, CSV, XLSX,
…) are requested too: a link to a file the role may not fetch is as dead as a page. One test for all roles
on purpose, collecting every dead link, so one run lists them all.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse

from kommunalschutz.foundation.accounts.models import User
from tests.bad_input.site import pattern_of
from tests.browser.pages import DEMO_USERS
from tests.demo.database import DemoData

# Not followed: the API (machine-readable, documented on its own page), static files and the log-out.
SKIP_PREFIXES = ("/api/v1/", "/static/", "/media/")
# Files whose making takes long on the demo (the report PDF is made in the background since issue 13).
SLOW_SUFFIXES = ("/bericht.pdf",)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.nav: list[str] = []
        self._in_nav = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "nav" and (self._in_nav or "main-nav" in (found.get("class") or "").split()):
            self._in_nav += 1
        if tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")
            if self._in_nav:
                self.nav.append(found["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._in_nav:
            self._in_nav -= 1


def _parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def _local(base: str, href: str) -> str | None:
    """The same-site path (with query) a link leads to, or None for another site, a fragment, mail, …"""
    if href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    parts = urlsplit(urljoin("http://testserver" + base, href))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith(SLOW_SUFFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


class _Walk:
    def __init__(self, client: Any, who: str, public: set[str] | None = None) -> None:
        self.client = client
        self.who = who
        self.status: dict[str, int] = {}
        self.pages: dict[str, str] = {}
        self.problems: list[str] = []
        # Addresses that opened for an anonymous visitor (the open registry's 418 municipality pages …):
        # opened again for a role only as the first of their kind, which is searched for the role's links.
        self.public = public if public is not None else set()
        self.kinds: set[str | None] = set()

    def get(self, url: str, found_on: str) -> str | None:
        """Open a link; remember a dead end; return the HTML of a page (None for anything else)."""
        if url in self.status:
            return self.pages.get(url)
        kind = pattern_of(urlsplit(url).path)
        if url in self.public and kind in self.kinds:
            return None
        self.kinds.add(kind)
        try:
            response = self.client.get(url, follow=True)
            status = response.status_code
        except Exception as exc:  # the test client re-raises what would have been a 500
            self.status[url] = 500
            self.problems.append(f"{self.who}: {url} (linked on {found_on}) raised {exc!r}"[:400])
            return None
        self.status[url] = status
        if status >= 400:
            self.problems.append(f"{self.who}: {url} (linked on {found_on}) answered {status}")
            return None
        if "text/html" not in response.get("Content-Type", ""):
            return None
        html: str = response.content.decode("utf-8", "replace")
        self.pages[url] = html
        return html


def _walk_role(client: Any, who: str, public: set[str] | None = None) -> _Walk:
    walk = _Walk(client, who, public)
    home = reverse("core:home")
    html = walk.get(home, "(start)")
    assert html is not None, f"{who}: the start page does not open"
    parsed = _parse(html)
    # Level 0: the start page and the pages the navigation leads to.
    level0 = [home] + [url for href in parsed.nav if (url := _local(home, href)) and url != home]
    expanded_patterns: set[str | None] = set()
    level1: list[tuple[str, str]] = []
    for page in dict.fromkeys(level0):
        page_html = walk.get(page, "(navigation)") if page != home else html
        if page_html is None:
            continue
        expanded_patterns.add(pattern_of(urlsplit(page).path))
        level1.extend((url, page) for href in _parse(page_html).links if (url := _local(page, href)))
    # Level 1: every link on them; each kind of page (URL pattern) once searched for links of its own.
    level2: list[tuple[str, str]] = []
    for url, found_on in dict.fromkeys(level1):
        page_html = walk.get(url, found_on)
        pattern = pattern_of(urlsplit(url).path)
        if page_html is None or pattern in expanded_patterns:
            continue
        expanded_patterns.add(pattern)
        level2.extend((link, url) for href in _parse(page_html).links if (link := _local(url, href)))
    for url, found_on in dict.fromkeys(level2):
        walk.get(url, found_on)
    return walk


def test_no_link_leads_a_demo_user_to_an_error(demo_db: DemoData, client: Any, login: Any) -> None:
    problems: list[str] = []
    users = {user.username: user for user in User.objects.filter(username__in=DEMO_USERS)}
    assert set(users) == set(DEMO_USERS), "the demo lacks a role's login"
    client.logout()
    anonymous = _walk_role(client, "anonymous")
    problems.extend(anonymous.problems)
    public = {url for url, status in anonymous.status.items() if status < 400}
    for username, role in DEMO_USERS.items():
        client.logout()
        login(users[username])
        problems.extend(_walk_role(client, f"{username} ({role})", public).problems)
    assert not problems, f"{len(problems)} dead link(s):\n" + "\n".join(problems)


@pytest.mark.parametrize("username", ["koordination", "pirna-koordination", "analyse"])
def test_the_survey_project_page_offers_only_parts_the_role_may_open(demo_db: DemoData, client: Any, login: Any,
                                                                        username: str) -> None:
    """The coordination office sees results but never the sample or the responses (issue 13's example)."""
    from kommunalschutz.surveys.projects.models import SurveyProject

    user = User.objects.get(username=username)
    login(user)
    checked = 0
    for project in SurveyProject.objects.all():
        response = client.get(reverse("surveys:detail", args=[project.pk]))
        if response.status_code == 404:
            continue  # not the role's project: nothing to show
        html = response.content.decode()
        for name, permission in (("sampling:overview", "sampling.manage_sample"),
                                 ("responses:entry", "responses.enter_responses"),
                                 ("findings:overview", "findings.view_results")):
            link = f'href="{reverse(name, args=[project.pk])}"'
            assert (link in html) == user.has_perm(permission, project), (username, project.pk, name)
        checked += 1
    if username == "koordination":
        assert checked, "the coordination office sees no survey project in the demo"
