"""The summaries the source writes into the audit trail, read from the code itself (an AST walk).

Every call of an audit function (core.audit.record, record_create, record_update, record_delete, build) and of
every helper that passes its own ``summary`` parameter on to one of them is found; its ``summary=`` argument
is expanded into every text it can have: literals, f-strings, "+" and conditional expressions, gettext calls,
local variables and module functions that return text. What is only known at run time (an address, a count)
becomes a placeholder.
"""
from __future__ import annotations

import ast
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

PH = object()  # a value only known at run time
Parts: TypeAlias = tuple[object, ...]
Function: TypeAlias = ast.FunctionDef | ast.AsyncFunctionDef
AUDIT_FUNCTIONS = {"record", "record_create", "record_update", "record_delete", "build"}
GETTEXT = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy"}
_GETTEXT_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@dataclass(frozen=True)
class Written:
    path: str
    line: int
    parts: Parts  # str or PH

    def sample(self, value: str = "7") -> str:
        return _GETTEXT_PLACEHOLDER.sub(value, "".join(value if part is PH else str(part) for part in self.parts))


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


class _Module:
    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.functions: dict[str, Function] = {node.name: node for node in ast.walk(tree)
                          if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
        self.constants: dict[str, ast.expr] = {
            target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)}
        self.parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent

    def enclosing(self, node: ast.AST) -> Function | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None


def _product(lists: list[list[Parts]]) -> list[Parts]:
    return [tuple(itertools.chain.from_iterable(combo)) for combo in itertools.product(*lists)]


def variants(node: ast.expr, module: _Module, function: Function | None, depth: int = 0) -> list[Parts] | None:
    """Every text the expression can have, as parts; None when it is a forwarded ``summary`` parameter."""
    if depth > 6:
        return [(PH,)]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [(node.value,)]
    if isinstance(node, ast.JoinedStr):
        lists: list[list[Parts]] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                lists.append([(value.value,)])
            else:
                assert isinstance(value, ast.FormattedValue)
                lists.append(_value(value.value, module, function, depth) if value.format_spec is None else [(PH,)])
        return _product(lists)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = variants(node.left, module, function, depth + 1)
        right = variants(node.right, module, function, depth + 1)
        return _product([left or [(PH,)], right or [(PH,)]])
    if isinstance(node, ast.IfExp):
        body = variants(node.body, module, function, depth + 1) or []
        return body + (variants(node.orelse, module, function, depth + 1) or [])
    if isinstance(node, ast.Subscript):
        return variants(node.value, module, function, depth + 1)
    if isinstance(node, ast.Name) and function is not None:
        if any(arg.arg == node.id for arg in function.args.args + function.args.kwonlyargs):
            return None if node.id == "summary" else [(PH,)]
        assigned = [n.value for n in ast.walk(function) if isinstance(n, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)]
        if assigned:
            return [v for value in assigned for v in (variants(value, module, function, depth + 1) or [(PH,)])]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):  # _("%(count)s …") % {…}
        return variants(node.left, module, function, depth + 1)
    if isinstance(node, ast.Call):
        callee = _name(node.func)
        if callee in GETTEXT and node.args and isinstance(node.args[-1], ast.Constant):
            return [(node.args[-1].value,)]
        if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and isinstance(node.func.value, ast.Name) \
                and isinstance(module.constants.get(node.func.value.id), ast.Dict):
            table = module.constants[node.func.value.id]
            assert isinstance(table, ast.Dict)
            options = [v for value in table.values for v in variants(value, module, function, depth + 1) or []]
            if len(node.args) > 1:
                options += variants(node.args[1], module, function, depth + 1) or []
            return options
        if callee in module.functions and (isinstance(node.func, ast.Name) or not node.args):
            target = module.functions[callee]
            returns = [n.value for n in ast.walk(target) if isinstance(n, ast.Return) and n.value is not None]
            if returns:
                return [v for value in returns for v in (variants(value, module, target, depth + 1) or [(PH,)])]
    return [(PH,)]


def _value(node: ast.expr, module: _Module, function: Function | None, depth: int) -> list[Parts]:
    """A formatted value: text it can take when it is text the source spells out, else a run-time value."""
    if isinstance(node, ast.Name | ast.Call | ast.IfExp):
        found = variants(node, module, function, depth + 1)
        return found if found else [(PH,)]
    return [(PH,)]


def forwarding(modules: dict[Path, _Module]) -> set[str]:
    """The audit functions and every helper that passes its own ``summary`` parameter on to one of them."""
    names = set(AUDIT_FUNCTIONS)
    while True:
        grown = set(names)
        for module in modules.values():
            for function in module.functions.values():
                params = [a.arg for a in function.args.args + function.args.kwonlyargs]
                if "summary" not in params:
                    continue
                for call in ast.walk(function):
                    if isinstance(call, ast.Call) and _name(call.func) in names and any(
                            k.arg == "summary" and isinstance(k.value, ast.Name) and k.value.id == "summary"
                            for k in call.keywords):
                        grown.add(function.name)
        if grown == names:
            return names
        names = grown


def written_summaries(root: Path) -> list[Written]:
    modules = {path: _Module(ast.parse(path.read_text(encoding="utf-8"))) for path in sorted(root.rglob("*.py"))
               if "migrations" not in path.parts}
    callees = forwarding(modules)
    found: list[Written] = []
    for path, module in modules.items():
        for node in ast.walk(module.tree):
            if not (isinstance(node, ast.Call) and _name(node.func) in callees):
                continue
            function = module.enclosing(node)
            for keyword in node.keywords:
                if keyword.arg == "summary":
                    texts = variants(keyword.value, module, function)
                    for parts in texts or []:
                        found.append(Written(str(path.relative_to(root.parent)), node.lineno, parts))
        # defaults of forwarding helpers ("registry import")
        for function in module.functions.values():
            if function.name in callees:
                args = function.args
                for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
                    if arg.arg == "summary" and default is not None:
                        for parts in variants(default, module, function) or []:
                            found.append(Written(str(path.relative_to(root.parent)), function.lineno, parts))
                for arg, default in zip(args.args[len(args.args) - len(args.defaults):], args.defaults, strict=True):
                    if arg.arg == "summary":
                        for parts in variants(default, module, function) or []:
                            found.append(Written(str(path.relative_to(root.parent)), function.lineno, parts))
    return [w for w in found if w.parts != ("",)]


