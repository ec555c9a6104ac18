"""Run the vendored axe-core in a page and fail on serious or critical violations.

Injection: the pages forbid inline scripts (CSP script-src 'self'), so page.add_script_tag(content=...)
is blocked. page.evaluate goes through the DevTools protocol, which CSP does not govern, so axe runs in
the page without weakening its policy (no bypass_csp context): the page is checked as users get it,
with any CSP-blocked inline style really missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
# All of axe's default rules (WCAG 2.0-2.2 A/AA and best practices); experimental rules stay off.
RUN_OPTIONS = {"resultTypes": ["violations"]}


def run_axe(page: Any) -> list[dict[str, Any]]:
    """All axe violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # `void 0` keeps Playwright from treating the script's value as a function to call.
        page.evaluate(AXE_SOURCE + "\n;void 0")
    violations: list[dict[str, Any]] = page.evaluate(
        "async (options) => (await window.axe.run(document, options)).violations", RUN_OPTIONS
    )
    return violations


def describe(violations: list[dict[str, Any]], *, max_nodes: int = 5) -> str:
    """Rule, impact, what it means, and the offending elements: enough to fix without rerunning."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"][:max_nodes]:
            target = " ".join(str(t) for t in node.get("target", []))
            html = " ".join(node.get("html", "").split())[:160]
            lines.append(f"    {target}: {html}")
        if len(violation["nodes"]) > max_nodes:
            lines.append(f"    … and {len(violation['nodes']) - max_nodes} more")
    return "\n".join(lines)


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]


def assert_accessible(page: Any, where: str = "") -> list[dict[str, Any]]:
    """Fail with a list of every serious or critical violation; return the lesser ones for reporting."""
    violations = run_axe(page)
    serious = blocking(violations)
    assert not serious, (
        f"axe-core found {len(serious)} serious/critical violation(s) on {where or page.url}:\n{describe(serious)}"
    )
    return violations
