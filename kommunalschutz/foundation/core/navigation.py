"""The main navigation: grouped by wing, filtered by what the signed-in user may open.

Each entry names the permission its page checks at the door (the same django-rules permission the view
asks with ``require_perm``), so the navigation never offers a page that would answer 404. Entries are
grouped by wing (decision 0020); the public pages form a group of their own. A group the user has
nothing in is left out; a group with a single entry is shown as that entry's link.

A browser test visits every entry of every demo role (tests/browser/test_demo_roles_accessibility.py),
and tests/foundation/core/test_no_dead_links.py follows every link one level deep.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kommunalschutz.foundation.core.states import with_state


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    permission: str | None = None  # a django-rules permission name; None = everyone
    authenticated: bool = False

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class NavGroup:
    key: str  # stable, for ids and tests
    label: str | Promise
    items: tuple[NavItem, ...]
    public: bool = False


@dataclass
class ShownItem:
    label: str | Promise
    url: str
    current: bool


@dataclass
class ShownGroup:
    key: str
    label: str | Promise
    items: list[ShownItem]
    public: bool

    @property
    def current(self) -> bool:
        return any(item.current for item in self.items)


@dataclass
class Navigation:
    """What base.html renders: the start link, the groups the user has entries in, the personal links."""

    start: ShownItem
    groups: list[ShownGroup] = field(default_factory=list)
    personal: list[ShownItem] = field(default_factory=list)

    @property
    def flat(self) -> bool:
        """Only the public group (an anonymous visit): shown as one row of links, as before."""
        return all(group.public for group in self.groups)

    def __iter__(self) -> Iterator[ShownItem]:
        """Every link in order (tests and callers that want a flat list)."""
        yield self.start
        for group in self.groups:
            yield from group.items
        yield from self.personal


START = NavItem(_("Start"), "core:home")

GROUPS: tuple[NavGroup, ...] = (
    # The prevention alliance's work, each entry scoped to what the role may see.
    NavGroup("alliance", pgettext_lazy("navigation", "Alliance"), (
        NavItem(_("Dashboard"), "insights:dashboard", permission="insights.view_dashboard"),
        NavItem(_("Municipalities in the programme"), "alliance:record_list", permission="alliance.view_records"),
        NavItem(_("Engagements"), "engagements:engagement_list", permission="alliance.view_records"),
        NavItem(_("Coaching processes"), "engagements:coaching_list",
                permission="engagements.view_coaching_processes"),
        NavItem(_("Prevention councils"), "councils:council_list", permission="councils.view_councils"),
        NavItem(_("Offers"), "engagements:offer_list", permission="alliance.manage_programme"),
        NavItem(_("My events"), "events:my_events", permission="events.register"),
    )),
    # Protection of office and mandate holders, under need to know.
    NavGroup("protection", pgettext_lazy("navigation", "Protection of office and mandate holders"), (
        NavItem(_("Report an incident"), "intake:report", permission="cases.report_incident"),
        NavItem(_("My reports"), "cases:my_reports", permission="cases.report_incident"),
        NavItem(_("Case intake"), "cases:dashboard", permission="cases.view_caseload"),
        NavItem(_("Cases"), "cases:case_list", permission="cases.view_caseload"),
        NavItem(_("Case statistics"), "casestats:dashboard", permission="casestats.view_statistics"),
    )),
    # Security analyses (citizen surveys) and the dark field (the officials' survey).
    NavGroup("surveys", pgettext_lazy("navigation", "Surveys"), (
        NavItem(_("Citizen surveys"), "surveys:list", permission="surveys.view_projects"),
        NavItem(_("Officials' survey"), "officials:list", permission="officials.view_waves"),
    )),
    # Administration and oversight.
    NavGroup("administration", pgettext_lazy("navigation", "Administration"), (
        NavItem(_("Organisations"), "accounts:organisation_list", permission="accounts.view_organisations"),
        NavItem(_("Registry import"), "registry:import_start", permission="registry.import_registry"),
        NavItem(_("Audit trail"), "core:audit_log", permission="core.view_audit_trail"),
        NavItem(_("Background tasks"), "core:task_list", permission="core.view_task_runs"),
    )),
    # Public: the alliance's map, figures and events, the open registry, and help for threatened officials.
    NavGroup("public", pgettext_lazy("navigation", "Public information"), (
        NavItem(_("Alliance map"), "insights:public_map"),
        NavItem(_("Programme figures"), "insights:figures"),
        NavItem(_("Situation reports"), "situation:list"),
        NavItem(_("Events"), "events:event_list"),
        NavItem(_("Municipalities"), "registry:municipality_list"),
        NavItem(_("Districts"), "registry:district_list"),
        NavItem(with_state(_("Map of %(state)s")), "registry:overview_map"),
        NavItem(_("Police directorates"), "registry:police_directorate_list"),
        NavItem(_("Report anonymously"), "intake:anonymous_report"),
        NavItem(_("Help and counselling"), "measures:partner_list"),
    ), public=True),
)

PERSONAL: tuple[NavItem, ...] = (
    NavItem(_("Notifications"), "cases:notifications", authenticated=True),
    NavItem(_("My account"), "accounts:profile", authenticated=True),
)


def all_items() -> list[NavItem]:
    """Every entry the navigation knows, in order."""
    return [START, *(item for group in GROUPS for item in group.items), *PERSONAL]


def _may_open(item: NavItem, user: object) -> bool:
    signed_in = bool(user is not None and getattr(user, "is_authenticated", False))
    if item.authenticated and not signed_in:
        return False
    return not item.permission or bool(signed_in and user.has_perm(item.permission))  # type: ignore[attr-defined]


def navigation_for(request: HttpRequest) -> Navigation:
    user = getattr(request, "user", None)
    # Set by accounts' SecondFactorMiddleware, which runs on every page before this is rendered.
    if getattr(request, "second_factor_pending", False):
        # Until the second factor is verified, the session shows no more than an anonymous visit.
        user = None
    path = request.path

    def shown(item: NavItem) -> ShownItem:
        url = item.url
        return ShownItem(item.label, url, current=path == url)

    navigation = Navigation(start=shown(START))
    for group in GROUPS:
        items = [shown(item) for item in group.items if _may_open(item, user)]
        if items:
            navigation.groups.append(ShownGroup(group.key, group.label, items, group.public))
    navigation.personal = [shown(item) for item in PERSONAL if _may_open(item, user)]
    return navigation
