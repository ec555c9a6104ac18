"""The import graph of a package, read from the source (imports written inside functions included).

tests/test_architecture.py checks the platform's layering with it: no cycle between files or between
apps, core imports no app, the foundation no wing, and wings import each other only in the one declared
direction. It reads files as text (ast) and runs nothing, so it sees every import, also one that only a
rarely used code path would execute.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

WINGS = ("foundation", "alliance", "protection", "surveys")


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported module of the package
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.source} imports {self.target}"


@dataclass
class Graph:
    modules: dict[str, Path] = field(default_factory=dict)
    imports: list[Import] = field(default_factory=list)

    def edges(self) -> dict[str, set[str]]:
        result: dict[str, set[str]] = defaultdict(set)
        for item in self.imports:
            result[item.source].add(item.target)
        return result

    def app_imports(self) -> list[Import]:
        """The imports that cross from one app to another."""
        return [item for item in self.imports if unit_of(item.source) != unit_of(item.target)]


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    if not level:
        return name or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def build(root: Path) -> Graph:
    """Every module below ``root`` (a package directory) and its imports of modules of the same package."""
    graph = Graph()
    sources = sorted(root.rglob("*.py"))
    for path in sources:
        graph.modules[_module_name(root, path)] = path
    for path in sources:
        module = _module_name(root, path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, is_package, node.level, node.module)
                # "from package import module" imports the module; "from module import name" the module.
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in graph.modules else base
                           for alias in node.names]
            else:
                continue  # not an import: nothing to record (and no lineno to read on a bare ast.AST)
            for target in targets:
                while target and target not in graph.modules:
                    target = target.rpartition(".")[0]
                if target and target != module:
                    graph.imports.append(Import(module, target, path, node.lineno))
    return graph


def unit_of(module: str) -> str:
    """The app a module belongs to: ``pkg.<wing>.<app>`` inside a wing, else ``pkg.<top-level part>``."""
    parts = module.split(".")
    if len(parts) >= 3 and parts[1] in WINGS:
        return ".".join(parts[:3])
    return ".".join(parts[:2])


def wing_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) >= 2 and parts[1] in WINGS else None


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    nodes = set(edges) | {target for targets in edges.values() for target in targets}
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found
