"""What the start page shows, contributed by the apps that know it.

core renders the start page but imports no app: an app adds its part of the page's context with
``add_home_context`` in its ``AppConfig.ready`` (each app keeps its contribution in its ``home.py``).

A contributor returns a dict that is merged into the page's context. For a signed-in user, the part
"What is on today" is built from ``HomeSection`` values an app returns under the key ``SECTIONS``
(``sections(...)`` makes that dict): the sections of all apps are collected, not overwritten, and shown
ordered by wing and position. Each section counts what waits, shows the first few items, each linking to
where it is handled, and links to the full list. A contributor decides itself, with the same rules and
selectors as the pages it links to, what the user may see (decision 0020).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

HomeContext = Callable[[HttpRequest], dict[str, Any]]

SECTIONS = "home_sections"
# How many items a section lists before "show all".
FIRST_FEW = 5

# The wings in the order the start page shows them (the navigation's order).
WINGS = ("protection", "alliance", "surveys", "foundation")
WING_LABELS: dict[str, str | Promise] = {
    "protection": pgettext_lazy("navigation", "Protection of office and mandate holders"),
    "alliance": pgettext_lazy("navigation", "Alliance"),
    "surveys": pgettext_lazy("navigation", "Citizen surveys"),
    "foundation": pgettext_lazy("navigation", "Platform"),
}

_contributors: list[HomeContext] = []


@dataclass(frozen=True)
class HomeItem:
    """One thing that waits: its label, where it is handled, a short detail (a date, a status)."""

    label: str | Promise
    url: str
    detail: str | Promise = ""
    urgent: bool = False  # overdue or acute: marked on the page


@dataclass(frozen=True)
class Figure:
    label: str | Promise
    value: int | str


@dataclass
class HomeSection:
    """A section of "What is on today". ``count`` is the total; ``items`` at most the first few."""

    key: str  # unique on the page (the heading's id), e.g. "cases-unacknowledged"
    title: str | Promise
    wing: str  # one of WINGS
    count: int = 0
    items: Sequence[HomeItem] = ()
    position: int = 50  # order inside the wing
    more_url: str = ""
    more_label: str | Promise = ""
    figures: Sequence[Figure] = ()  # key figures instead of (or besides) items
    empty: str | Promise = ""  # shown when nothing waits; a section without it is left out then
    note: str | Promise = ""
    waiting: bool = True  # False: information (e.g. one's municipality's stage), not counted as waiting

    @property
    def shown(self) -> bool:
        return bool(self.count or self.figures or self.empty)


@dataclass
class HomeWing:
    key: str
    sections: list[HomeSection] = field(default_factory=list)

    @property
    def label(self) -> str | Promise:
        return WING_LABELS.get(self.key, self.key)


def sections(*found: HomeSection | None) -> dict[str, Any]:
    """The dict a contributor returns for its sections (None entries are skipped)."""
    return {SECTIONS: [section for section in found if section is not None]}


def first_few(items: Sequence[HomeItem]) -> list[HomeItem]:
    return list(items[:FIRST_FEW])


def add_home_context(contributor: HomeContext) -> None:
    if contributor not in _contributors:
        _contributors.append(contributor)


def home_context(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {}
    found: list[HomeSection] = []
    for contributor in _contributors:
        contributed = dict(contributor(request))
        found.extend(contributed.pop(SECTIONS, []))
        context.update(contributed)
    shown = [section for section in found if section.shown]
    order = {wing: index for index, wing in enumerate(WINGS)}
    shown.sort(key=lambda section: (order.get(section.wing, len(WINGS)), section.position, section.key))
    wings: list[HomeWing] = []
    for section in shown:
        if not wings or wings[-1].key != section.wing:
            wings.append(HomeWing(section.wing))
        wings[-1].sections.append(section)
    context["home_wings"] = wings
    context["home_waiting"] = sum(section.count for section in shown if section.waiting)
    return context
