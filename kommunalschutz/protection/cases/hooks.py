"""How the apps that hang on a case take part in the case's life without cases importing them.

``cases`` is the centre of the protection wing (docs/decisions/0003): intake, evidence, assessments,
measures and casestats import cases, never the other way round. Where the case's own code has to
reach them - retention must tombstone the anonymous receipt and delete the evidence files, the
statistical record counts the measures - each app registers a hook here in its AppConfig.ready().

A small typed registry rather than Django signals (docs/decisions/0010-protection-hooks.md): mypy
checks every hook's signature, a statistic contributor returns values (a signal's receivers would
hand back a list of (receiver, response) pairs to merge), an exception in a hook rolls the caller's
transaction back instead of depending on send() versus send_robust(), and the registered hooks can
be listed in one place. Hooks run in the order of INSTALLED_APPS and inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kommunalschutz.protection.cases.models import Case

# Called with the locked case before retention deletes it; must delete or tombstone what hangs on it.
CaseDeletionHook = Callable[[Case], object]
# Returns fields of the case's IncidentStatistic that the contributing app counts (e.g. measure_mask).
StatisticContributor = Callable[[Case], Mapping[str, Any]]

_before_case_deletion: dict[str, CaseDeletionHook] = {}
_statistic_contributors: dict[str, StatisticContributor] = {}


def register_before_case_deletion(name: str, hook: CaseDeletionHook) -> None:
    """Run ``hook(case)`` before retention deletes a case (registering a name again replaces its hook)."""
    _before_case_deletion[name] = hook


def register_statistic_contributor(name: str, contributor: StatisticContributor) -> None:
    """Merge ``contributor(case)`` into the case's statistical record (registering a name again replaces it)."""
    _statistic_contributors[name] = contributor


def before_case_deletion(case: Case) -> None:
    for hook in _before_case_deletion.values():
        hook(case)


def statistic_contributions(case: Case) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for contributor in _statistic_contributors.values():
        values.update(contributor(case))
    return values


def registered() -> dict[str, list[str]]:
    """The names of the registered hooks (for tests and for reading)."""
    return {"before_case_deletion": list(_before_case_deletion),
            "statistic_contributors": list(_statistic_contributors)}
