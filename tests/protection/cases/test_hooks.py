"""cases is the centre of the protection wing (decisions 0003 and 0010): it imports none of the apps that
hang on it, not even inside a function; they take part through the hooks they register in ready()."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kommunalschutz.protection.cases import hooks
from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.cases.retention import delete_case_after_retention
from tests.conftest import World
from tests.protection.cases.conftest import make_case

CASES = Path(__file__).resolve().parents[3] / "kommunalschutz" / "protection" / "cases"
HANGING_ON_CASES = ("intake", "evidence", "assessments", "measures", "casestats")


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_cases_imports_none_of_the_apps_that_hang_on_it() -> None:
    offending = {
        f"{path.relative_to(CASES)}: {module}"
        for path in CASES.rglob("*.py") if "migrations" not in path.parts
        for module in _imported_modules(path)
        if any(module.startswith(f"kommunalschutz.protection.{app}") for app in HANGING_ON_CASES)
    }
    assert offending == set()


def test_the_apps_register_their_hooks() -> None:
    registered = hooks.registered()
    # In the order of INSTALLED_APPS: the receipt becomes a tombstone before the files go.
    assert registered["before_case_deletion"] == ["anonymous receipt", "evidence files", "evidence packages",
                                                  "online-content imports"]
    assert registered["statistic_contributors"] == ["measures"]


def test_a_failing_deletion_hook_stops_the_deletion(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    case = make_case(municipality=world.pirna, status=Case.Status.CLOSED)

    def refuse(_case: Case) -> None:
        raise RuntimeError("refused")

    monkeypatch.setitem(hooks._before_case_deletion, "test", refuse)
    with pytest.raises(RuntimeError):
        delete_case_after_retention(case)
    assert Case.objects.filter(pk=case.pk).exists()
