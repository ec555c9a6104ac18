"""Which pages the browser tests visit: the public pages, and each role's main navigation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from django.urls import reverse

PIRNA_AGS = "14628270"
SAECHSISCHE_SCHWEIZ_OSTERZGEBIRGE_AGS = "14628"
CONFERENCE_SLUG = "kommunal-konferenz-2024"  # the demo's municipal conference of 27 Feb 2024

# username -> role, as `kommunalschutz demo` creates them (kommunalschutz/foundation/core/demo.py).
DEMO_USERS = {
    "koordination": "coordinator",
    "pirna-koordination": "municipal coordinator",
    "pirna-buergermeisterin": "official",
    "pd-dresden": "police contact",
    "lka-schutz": "protection officer",
    "coach": "coach",
    "analyse": "analyst",
    "pruefung": "auditor",
    "plauen-koordination": "municipal coordinator",
    "admin": "administrator",
}


def public_pages() -> list[tuple[str, str]]:
    """(description, path) of the pages anyone may open; the MAP_PAGES render Leaflet maps."""
    return [
        ("home", reverse("core:home")),
        ("municipality list", reverse("registry:municipality_list")),
        ("municipality page with map (Pirna)", reverse("registry:municipality_detail", args=[PIRNA_AGS])),
        ("district page", reverse("registry:district_detail", args=[SAECHSISCHE_SCHWEIZ_OSTERZGEBIRGE_AGS])),
        ("Saxony overview map", reverse("registry:overview_map")),
        ("login page", reverse("accounts:login")),
        ("alliance map", reverse("insights:public_map")),
        ("programme figures", reverse("insights:figures")),
        ("events", reverse("events:event_list")),
        ("event page (conference 2024)", reverse("events:event_detail", args=[CONFERENCE_SLUG])),
        ("anonymous report", reverse("intake:anonymous_report")),
        ("anonymous follow-up", reverse("intake:follow_up")),
        ("help and counselling partners", reverse("measures:partner_list")),
    ]


MAP_PAGES = {"municipality page with map (Pirna)", "district page", "Saxony overview map", "alliance map"}


def main_navigation_links(page: Any) -> list[str]:
    """Absolute same-origin URLs of every link in <nav class="main-nav">, in order, without repeats."""
    hrefs: list[str] = page.eval_on_selector_all(
        "nav.main-nav a[href]", "links => links.map(link => link.getAttribute('href'))"
    )
    origin = urlsplit(page.url)
    links: list[str] = []
    for href in hrefs:
        url = urljoin(page.url, href)
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
            continue  # an external link would fail the no-external-request test, not this one
        url = parts._replace(fragment="").geturl()
        if url not in links:
            links.append(url)
    return links
