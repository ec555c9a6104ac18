"""Online hate: what the pages show - the check report, the triage rows with their explanation marked in the
text, the model's status. No writes here."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import pgettext

from kommunalschutz.protection.onlinehate import classifier, forms, importing
from kommunalschutz.protection.onlinehate.models import Task1, Task2, TriagedItem


def show_choices() -> list[tuple[str, str]]:
    return [("offen", pgettext("triage filter", "Not yet decided")),
            ("beleidigend", pgettext("triage filter", "Confirmed as offensive")),
            ("entschieden", pgettext("triage filter", "Decided")),
            ("alle", pgettext("triage filter", "All"))]


def stored_report(text: str) -> dict[str, Any] | None:
    """The check report kept on an import (JSON in an encrypted field), or None."""
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def report(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The check report as the page lists it: the problems with their line, and counts per kind."""
    if not data:
        return None
    labels = importing.problem_kind_labels()
    problems = data.get("problems") or []
    return {
        "rows": data.get("rows_read", 0), "problem_count": data.get("problem_count", 0), "problems": problems,
        "more": max(0, int(data.get("problem_count", 0)) - len(problems)),
        "kinds": [(labels.get(kind, kind), count) for kind, count in sorted((data.get("by_kind") or {}).items())],
        "duplicates_in_file": data.get("duplicates_in_file", 0), "already_in_case": data.get("already_in_case", 0),
    }


def model_status() -> dict[str, Any]:
    try:
        model = classifier.load_model()
    except classifier.ModelMissing:
        return {"available": False, "version": ""}
    return {"available": True, "version": model.version}


def marked(text: str, fragments: Sequence[classifier.Fragment]) -> list[tuple[str, bool]]:
    """The text cut into (piece, is a fragment that weighed towards offensive) for <mark> in the template."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    for fragment in sorted(fragments, key=lambda f: f.start):
        if fragment.start < position or fragment.end > len(text) or text[fragment.start:fragment.end] != fragment.text:
            continue
        if fragment.start > position:
            pieces.append((text[position:fragment.start], False))
        pieces.append((fragment.text, True))
        position = fragment.end
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


def _percent(value: float | None) -> str:
    return "\N{EN DASH}" if value is None else f"{value * 100:.0f} %"


def triage_rows(rows: Iterable[TriagedItem], *, can_decide: bool,
                failed: tuple[int, forms.DecisionForm] | None = None) -> list[dict[str, Any]]:
    try:
        model: classifier.TriageModel | None = classifier.load_model()
    except classifier.ModelMissing:
        model = None
    shown = []
    for row in rows:
        text = row.item.content_text
        fragments = model.explain(text, limit=5) if model is not None and text and row.p_offense is not None else []
        form = None
        if can_decide:
            if failed is not None and failed[0] == row.pk:
                form = failed[1]
            else:
                form = forms.DecisionForm(prefix=f"d{row.pk}", initial={
                    "task1": row.label_task1 or row.predicted_task1,
                    "task2": (row.label_task2 or row.predicted_task2) if (row.label_task2 or row.predicted_task2)
                    != Task2.OTHER else "",
                    "legal_category": row.legal_category})
        shown.append({
            "row": row, "item": row.item, "pieces": marked(text, fragments),
            "fragments": [{"text": f.text, "weight": f"{f.weight:.2f}"} for f in fragments],
            "p_offense": _percent(row.p_offense), "p_offense_value": round((row.p_offense or 0) * 100),
            "fine": [(Task2.ABUSE.label, _percent(row.p_abuse)), (Task2.INSULT.label, _percent(row.p_insult)),
                     (Task2.PROFANITY.label, _percent(row.p_profanity))],
            "suggestion": _suggestion(row), "older_model": bool(model is not None and row.model_version
                                                                and row.model_version != model.version),
            "form": form,
        })
    return shown


def _suggestion(row: TriagedItem) -> str:
    if not row.predicted_task1:
        return ""
    if row.predicted_task1 == Task1.OTHER:
        return str(Task1.OTHER.label)
    return f"{Task1.OFFENSE.label} ({Task2(row.predicted_task2).label})" if row.predicted_task2 else str(
        Task1.OFFENSE.label)
