"""The main navigation, filtered by what the signed-in user may do.

Each app contributes entries here; a browser test visits every entry of every role.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    permission: str | None = None  # a django-rules permission name; None = everyone
    authenticated: bool = False

    @property
    def url(self) -> str:
        return reverse(self.url_name)


ITEMS: list[NavItem] = [
    NavItem(_("Start"), "core:home"),
    # Public: the alliance's map, figures and events, and the open registry.
    NavItem(_("Alliance map"), "insights:public_map"),
    NavItem(_("Programme figures"), "insights:figures"),
    NavItem(_("Events"), "events:event_list"),
    NavItem(_("Municipalities"), "registry:municipality_list"),
    NavItem(_("Districts"), "registry:district_list"),
    NavItem(_("Saxony map"), "registry:overview_map"),
    # Help for threatened officials: the anonymous report and the counselling partners are public.
    NavItem(_("Report anonymously"), "intake:anonymous_report"),
    NavItem(_("Help and counselling"), "measures:partner_list"),
    NavItem(_("Police directorates"), "registry:police_directorate_list"),
    # The alliance's work, each entry scoped to what the role may see.
    NavItem(_("Dashboard"), "insights:dashboard", permission="insights.view_dashboard"),
    NavItem(_("Alliance"), "alliance:record_list", permission="alliance.view_records"),
    NavItem(_("Engagements"), "engagements:engagement_list", permission="alliance.view_records"),
    NavItem(_("Coaching processes"), "engagements:coaching_list", permission="engagements.view_coaching_processes"),
    NavItem(_("Prevention councils"), "councils:council_list", permission="councils.view_councils"),
    NavItem(_("Citizen surveys"), "surveys:list", permission="surveys.view_projects"),
    NavItem(_("Offers"), "engagements:offer_list", permission="alliance.manage_programme"),
    NavItem(_("My events"), "events:my_events", permission="events.register"),
    # Protection of officials, under need to know.
    NavItem(_("Report an incident"), "intake:report", permission="cases.report_incident"),
    NavItem(_("My reports"), "cases:my_reports", permission="cases.report_incident"),
    NavItem(_("Cases"), "cases:case_list", permission="cases.view_caseload"),
    NavItem(_("Case intake"), "cases:dashboard", permission="cases.view_caseload"),
    NavItem(_("Case statistics"), "casestats:dashboard", permission="casestats.view_statistics"),
    NavItem(_("Notifications"), "cases:notifications", authenticated=True),
    # Administration and oversight.
    NavItem(_("Organisations"), "accounts:organisation_list", permission="accounts.view_organisations"),
    NavItem(_("Registry import"), "registry:import_start", permission="registry.import_registry"),
    NavItem(_("Audit trail"), "core:audit_log", permission="core.view_audit_trail"),
    NavItem(_("Background tasks"), "core:task_list", permission="core.view_task_runs"),
    NavItem(_("My account"), "accounts:profile", authenticated=True),
]


def navigation_for(request: HttpRequest) -> list[NavItem]:
    user = getattr(request, "user", None)
    # Set by accounts' SecondFactorMiddleware, which runs on every page before this is rendered.
    if getattr(request, "second_factor_pending", False):
        # Until the second factor is verified, the session shows no more than an anonymous visit.
        user = None
    items = []
    for item in ITEMS:
        if item.authenticated and not (user and user.is_authenticated):
            continue
        if item.permission and not (user and user.has_perm(item.permission)):
            continue
        items.append(item)
    return items
