"""What the start page shows, contributed by the apps that know it.

core renders the start page but imports no app: an app adds its part of the page's context
with ``add_home_context`` in its ``AppConfig.ready`` (the registry adds its overview counts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

HomeContext = Callable[[HttpRequest], dict[str, Any]]

_contributors: list[HomeContext] = []


def add_home_context(contributor: HomeContext) -> None:
    if contributor not in _contributors:
        _contributors.append(contributor)


def home_context(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for contributor in _contributors:
        context.update(contributor(request))
    return context
