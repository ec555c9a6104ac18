"""The start page per role ("What is on today") and the navigation grouped by wing (issue 13, item 2).

On the demo database: each demo role finds its own sections (and not those of other roles), each
listing only what the role may open; anonymous visitors keep the public start page.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core.navigation import GROUPS, all_items, navigation_for
from tests.demo.database import DemoData

SECTION = re.compile(r'data-home-section="([^"]+)"')

# username -> (sections that must be there, sections that must not)
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "koordination": ({"cases-unacknowledged", "alliance-reviews", "engagements-funding", "councils-no-meeting",
                      "insights-figures", "surveys-next"}, {"alliance-own", "engagements-coaching"}),
    "pirna-koordination": ({"alliance-own", "alliance-reviews", "surveys-next"},
                           {"insights-figures", "cases-unacknowledged", "measures-due"}),
    "plauen-koordination": ({"alliance-own", "alliance-reviews"}, {"insights-figures", "cases-unacknowledged"}),
    "pirna-buergermeisterin": ({"cases-messages", "cases-reports"},
                               {"cases-unacknowledged", "alliance-reviews", "surveys-next", "insights-figures"}),
    "pd-dresden": ({"cases-unacknowledged", "measures-due", "alliance-reviews"},
                   {"insights-figures", "surveys-next", "engagements-funding"}),
    "lka-schutz": ({"cases-unacknowledged", "measures-protection-requests", "assessments-review"},
                   {"alliance-reviews", "surveys-next"}),
    "coach": ({"engagements-coaching"}, {"cases-unacknowledged", "alliance-reviews", "surveys-next"}),
    "analyse": ({"surveys-next"}, {"cases-unacknowledged", "alliance-reviews", "insights-figures"}),
    "pruefung": (set(), {"cases-unacknowledged", "alliance-reviews", "surveys-next", "insights-figures"}),
    "admin": (set(), {"cases-unacknowledged", "alliance-reviews", "surveys-next", "insights-figures"}),
}


def _home(client: Any) -> str:
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return str(response.content.decode())


def test_each_role_sees_what_waits_for_it(demo_db: DemoData, client: Any, login: Any) -> None:
    for username, (wanted, unwanted) in EXPECTED.items():
        client.logout()
        login(User.objects.get(username=username))
        html = _home(client)
        assert "Was heute ansteht" in html, username
        found = set(SECTION.findall(html))
        assert wanted <= found, f"{username} misses {wanted - found}"
        assert not (unwanted & found), f"{username} sees {unwanted & found}"


def test_the_official_sees_her_reports_and_waiting_messages(demo_db: DemoData, client: Any, login: Any) -> None:
    from kommunalschutz.protection.cases.selectors import my_reports

    official = User.objects.get(username="pirna-buergermeisterin")
    login(official)
    html = _home(client)
    for case in my_reports(official):
        assert str(case.reference) in html
    assert "ungelesene Nachricht" in html


def test_the_case_lists_hold_only_cases_the_user_may_see(demo_db: DemoData, client: Any, login: Any) -> None:
    """Every case linked from the start page is one the user may open (need to know)."""
    from kommunalschutz.protection.cases.models import Case

    link = re.compile(r'href="/faelle/(\d+)/')
    for username in EXPECTED:
        client.logout()
        user = User.objects.get(username=username)
        login(user)
        for pk in set(link.findall(_home(client))):
            assert user.has_perm("cases.view_case", Case.objects.get(pk=pk)), (username, pk)


def test_the_coordination_office_sees_the_programme_figures(demo_db: DemoData, client: Any, login: Any) -> None:
    login(User.objects.get(username="koordination"))
    html = _home(client)
    assert "Das Programm in Zahlen" in html
    assert "Mitgliedskommunen" in html
    assert f'href="{reverse("insights:dashboard")}"' in html


def test_anonymous_visitors_keep_the_public_start_page(demo_db: DemoData, client: Any) -> None:
    html = _home(client)
    assert "Was heute ansteht" not in html
    assert not SECTION.findall(html)
    assert f'href="{reverse("intake:anonymous_report")}"' in html
    # One row of public links, no wing menus.
    assert "nav-disclosure" not in html


def test_the_navigation_groups_by_wing_and_shows_only_what_opens(demo_db: DemoData) -> None:
    factory = RequestFactory()
    coordinator = User.objects.get(username="koordination")
    request = factory.get("/")
    request.user = coordinator
    navigation = navigation_for(request)
    assert [group.key for group in navigation.groups] == ["alliance", "protection", "surveys", "administration",
                                                          "public"]
    urls = [item.url for item in navigation]
    # Every entry a role is shown is one whose page it may open: the entry's permission is the page's.
    for username in EXPECTED:
        request = factory.get("/")
        request.user = User.objects.get(username=username)
        shown = {item.url for item in navigation_for(request)}
        for item in all_items():
            allowed = not item.permission or request.user.has_perm(item.permission)
            assert (item.url in shown) == allowed, (username, item.url_name)
    assert len(urls) == len(set(urls)), "an entry appears twice"
    assert {group.key for group in GROUPS} >= {"alliance", "protection", "surveys", "administration", "public"}


def test_base_template_renders_the_wings_as_disclosures(demo_db: DemoData, client: Any, login: Any) -> None:
    login(User.objects.get(username="koordination"))
    html = _home(client)
    nav = html[html.index('<nav class="main-nav"'):html.index("</nav>", html.index('<nav class="main-nav"'))]
    for label in ("Allianz", "Schutz von Amts- und Mandatsträgern", "Verwaltung", "Öffentlich"):
        assert f">{label}</summary>" in nav or f">{label}<span" in nav, label
    assert "<script>" not in html  # CSP: no inline script


@pytest.mark.parametrize(("username", "municipalities", "districts"), [
    ("pirna-koordination", {"14628270"}, {"14628"}),
    ("plauen-koordination", {"14523320"}, {"14523"}),
])
def test_the_engagement_filter_lists_only_own_municipalities(demo_db: DemoData, client: Any, login: Any,
                                                             username: str, municipalities: set[str],
                                                             districts: set[str]) -> None:
    login(User.objects.get(username=username))
    response = client.get(reverse("engagements:engagement_list"))
    form = response.context["form"]
    assert {m.ags for m in form.fields["municipality"].queryset} == municipalities
    assert {d.ags for d in form.fields["district"].queryset} == districts


def test_the_engagement_filter_of_the_police_lists_its_directorate(demo_db: DemoData, client: Any,
                                                                   login: Any) -> None:
    from kommunalschutz.alliance.programme.selectors import visible_municipalities

    police = User.objects.get(username="pd-dresden")
    login(police)
    form = client.get(reverse("engagements:engagement_list")).context["form"]
    offered = set(form.fields["municipality"].queryset.values_list("pk", flat=True))
    assert offered
    assert offered <= set(visible_municipalities(police).values_list("pk", flat=True))
    client.logout()
    login(User.objects.get(username="koordination"))
    coordinator_form = client.get(reverse("engagements:engagement_list")).context["form"]
    assert coordinator_form.fields["municipality"].queryset.count() > len(offered)


def test_the_council_filter_lists_only_districts_of_visible_councils(demo_db: DemoData, client: Any,
                                                                     login: Any) -> None:
    login(User.objects.get(username="pirna-koordination"))
    form = client.get(reverse("councils:council_list")).context["form"]
    assert {d.ags for d in form.fields["district"].queryset} == {"14628"}
    client.logout()
    login(User.objects.get(username="koordination"))
    form = client.get(reverse("councils:council_list")).context["form"]
    assert form.fields["district"].queryset.count() > 1
