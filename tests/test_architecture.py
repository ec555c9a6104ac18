"""The house's layering, checked on every run: three wings on a foundation, no import loops.

docs/architecture.md draws the picture and docs/decisions/0009-three-wings.md says why. Imports
written inside functions count like any other: a loop hidden in a function is still a loop.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.import_graph import Graph, build, cycles, unit_of, wing_of

PACKAGE = Path(__file__).resolve().parent.parent / "kommunalschutz"
CORE = "kommunalschutz.foundation.core"
DEMO = "kommunalschutz.demo"
CONFIG = "kommunalschutz.config"
# The situation report stands above the three wings (it reads all of them, decision 0041): nothing but the
# configuration and the demo may import it.
SITUATION = "kommunalschutz.situation"

# The one declared direction between wings: a survey project serves the alliance's security-analysis
# engagement and is scoped like the alliance's records, so the survey wing may use the alliance's public
# interface; the alliance learns of survey progress only through what the survey wing writes to it.
ALLOWED_BETWEEN_WINGS = {("surveys", "alliance")}
# And one module-to-module exception: the officials' survey sets its estimate of the dark field beside the
# police figures and the platform's own case counts, read through the case statistics' public selectors
# (decision 0042). Nothing else of the survey wing reads the protection wing, and the protection wing reads
# nothing of the survey wing.
ALLOWED_MODULE_IMPORTS = {
    ("kommunalschutz.surveys.officials.darkfield", "kommunalschutz.protection.casestats.selectors"),
}


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build(PACKAGE)


def _listing(found: Sequence[object]) -> str:
    return "\n".join(str(item) for item in found)


def test_no_import_loop_between_files(graph: Graph) -> None:
    loops = cycles(graph.edges())
    assert loops == [], "import loops between files:\n" + _listing(loops)


def test_no_import_loop_between_apps(graph: Graph) -> None:
    edges: dict[str, set[str]] = {}
    for item in graph.app_imports():
        edges.setdefault(unit_of(item.source), set()).add(unit_of(item.target))
    loops = cycles(edges)
    details = [item for item in graph.app_imports()
               if any(unit_of(item.source) in loop and unit_of(item.target) in loop for loop in loops)]
    assert loops == [], "apps that import each other:\n" + _listing(loops) + "\nthrough:\n" + _listing(details)


def test_core_imports_no_app(graph: Graph) -> None:
    found = [item for item in graph.imports if unit_of(item.source) == CORE and unit_of(item.target) != CORE]
    assert found == [], _listing(found)


def test_foundation_imports_no_wing_demo_or_config(graph: Graph) -> None:
    found = [item for item in graph.imports
             if wing_of(item.source) == "foundation" and wing_of(item.target) != "foundation"]
    assert found == [], _listing(found)


def test_wings_import_each_other_only_in_the_declared_direction(graph: Graph) -> None:
    found = []
    for item in graph.imports:
        source, target = wing_of(item.source), wing_of(item.target)
        if source in (None, "foundation") or target in (None, "foundation") or source == target:
            continue
        if (source, target) not in ALLOWED_BETWEEN_WINGS and (item.source, item.target) not in ALLOWED_MODULE_IMPORTS:
            found.append(item)
    assert found == [], _listing(found)


def test_wings_do_not_import_the_demo_or_the_configuration(graph: Graph) -> None:
    found = [item for item in graph.imports
             if unit_of(item.target) in (DEMO, CONFIG) and unit_of(item.source) not in (DEMO, CONFIG)]
    assert found == [], _listing(found)


def test_only_the_configuration_and_the_demo_import_the_situation_report(graph: Graph) -> None:
    found = [item for item in graph.imports if unit_of(item.target) == SITUATION
             and unit_of(item.source) not in (SITUATION, DEMO, CONFIG)]
    assert found == [], _listing(found)


def test_the_situation_report_reads_the_wings(graph: Graph) -> None:
    read = {wing_of(item.target) for item in graph.imports if unit_of(item.source) == SITUATION}
    assert {"alliance", "protection", "surveys", "foundation"} <= read


def _write(root: Path, modules: dict[str, str]) -> Path:
    for name, text in modules.items():
        path = root.joinpath(*name.split(".")).with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(root).parents:
            init = root / parent / "__init__.py"
            if parent != Path(".") and not init.exists():
                init.write_text("")
        path.write_text(text)
    return root / "kommunalschutz"


def test_checker_finds_a_loop_hidden_in_a_function(tmp_path: Path) -> None:
    package = _write(tmp_path, {
        "kommunalschutz.protection.cases.services": "def f():\n    from ..intake import services\n",
        "kommunalschutz.protection.intake.services": "from kommunalschutz.protection.cases.services import f\n",
    })
    planted = build(package)
    assert cycles(planted.edges()) == [["kommunalschutz.protection.cases.services",
                                        "kommunalschutz.protection.intake.services"]]


def test_checker_finds_a_loop_between_apps_through_different_files(tmp_path: Path) -> None:
    package = _write(tmp_path, {
        "kommunalschutz.alliance.programme.selectors": "from kommunalschutz.alliance.engagements import models\n",
        "kommunalschutz.alliance.engagements.services": "import kommunalschutz.alliance.programme.models\n",
        "kommunalschutz.alliance.programme.models": "",
        "kommunalschutz.alliance.engagements.models": "",
    })
    planted = build(package)
    assert cycles(planted.edges()) == []
    edges: dict[str, set[str]] = {}
    for item in planted.app_imports():
        edges.setdefault(unit_of(item.source), set()).add(unit_of(item.target))
    assert cycles(edges) == [["kommunalschutz.alliance.engagements", "kommunalschutz.alliance.programme"]]


# Packages that only `make test` installs (requirements/dev.lock); `make run` installs base.lock alone.
DEVELOPMENT_ONLY = {"django_stubs_ext", "pytest", "pytest_django", "factory", "hypothesis", "playwright", "pypdf",
                    "time_machine", "mypy", "ruff", "schemathesis"}


def runtime_imports_of_development_packages(package: Path) -> list[str]:
    """Imports of development-only packages outside ``if TYPE_CHECKING:`` blocks (they would break `make run`)."""
    found = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guarded = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
                   for statement in block.body for node in ast.walk(statement)}
        for node in ast.walk(tree):
            if id(node) in guarded:
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            found += [f"{path}:{node.lineno}: {name}" for name in names if name.split(".")[0] in DEVELOPMENT_ONLY]
    return found


def test_the_platform_imports_no_development_package_at_run_time() -> None:
    assert runtime_imports_of_development_packages(PACKAGE) == []


def test_checker_finds_a_development_package_outside_type_checking(tmp_path: Path) -> None:
    module = tmp_path / "pkg" / "views.py"
    module.parent.mkdir()
    module.write_text("from typing import TYPE_CHECKING\nfrom django_stubs_ext import StrOrPromise\n"
                      "if TYPE_CHECKING:\n    import pytest\n")
    assert runtime_imports_of_development_packages(tmp_path / "pkg") == [f"{module}:2: django_stubs_ext"]
