"""What the online-hate triage adds to a case's evidence package (item 4 of issue 17, decision 0043).

The package carries the comments a case worker has confirmed as offensive, each with the decision (labels,
legal category, who decided and when), the model's view beside it, the SHA-256 of its record and where it
came from. Imported comments that nobody has confirmed - not yet decided, or decided as not offensive - stay
out of the package (they stay in the case); the manifest and the PDF say how many. Online content recorded
one by one is always in the package, as before.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.evidence.models import EvidenceItem
from kommunalschutz.protection.evidence.package import PackageAnnotations
from kommunalschutz.protection.onlinehate import selectors
from kommunalschutz.protection.onlinehate.models import LegalCategory, Task1, Task2, TriagedItem


def _person(row: TriagedItem) -> str:
    user = row.decided_by
    return str(user.get_full_name() or user.get_username()) if user is not None else ""


def _triage(row: TriagedItem) -> dict[str, Any]:
    decided_at = timezone.localtime(row.decided_at) if row.decided_at else None
    entry: dict[str, Any] = {
        "record_sha256": row.record_sha256,
        "task1": row.label_task1, "task2": row.label_task2, "legal_category": row.legal_category or None,
        "task1_label": str(Task1(row.label_task1).label) if row.label_task1 else "",
        "task2_label": str(Task2(row.label_task2).label) if row.label_task2 in (
            Task2.ABUSE, Task2.INSULT, Task2.PROFANITY) else "",
        "legal_category_label": str(LegalCategory(row.legal_category).label) if row.legal_category else "",
        "decided_by": _person(row),
        "decided_at": decided_at.isoformat() if decided_at else None,
        "decided_at_display": decided_at.strftime("%d.%m.%Y %H:%M") if decided_at else "",
        "model": None,
    }
    if row.p_offense is not None:
        entry["model"] = {
            "version": row.model_version, "p_offense": round(row.p_offense, 4),
            "p_offense_percent": f"{row.p_offense * 100:.0f}",
            "p_abuse": round(row.p_abuse or 0.0, 4), "p_insult": round(row.p_insult or 0.0, 4),
            "p_profanity": round(row.p_profanity or 0.0, 4),
            "task1": row.predicted_task1, "task2": row.predicted_task2,
        }
    if row.thread_import_id is not None and row.thread_import is not None:
        entry["import"] = {"source": row.thread_import.source, "line": row.source_line,
                           "file_sha256": row.thread_import.file_sha256 or None}
    return entry


def annotate(case: Case, items: list[EvidenceItem]) -> PackageAnnotations:
    rows = selectors.package_rows(case)
    annotations = PackageAnnotations()
    undecided = not_offensive = 0
    for item in items:
        row = rows.get(item.pk)
        if row is None:
            continue
        if row.thread_import_id is not None and row.label_task1 != Task1.OFFENSE:
            annotations.leave_out.add(item.pk)
            undecided += not row.label_task1
            not_offensive += row.label_task1 == Task1.OTHER
            continue
        if row.label_task1:
            annotations.per_item[item.pk] = {"triage": _triage(row)}
    if undecided:
        annotations.notes.append(ngettext(
            "%(count)s imported comment is not in this package because nobody has confirmed it yet.",
            "%(count)s imported comments are not in this package because nobody has confirmed them yet.",
            undecided) % {"count": undecided})
    if not_offensive:
        annotations.notes.append(ngettext(
            "%(count)s imported comment is not in this package because the case team decided it is not "
            "offensive.",
            "%(count)s imported comments are not in this package because the case team decided they are not "
            "offensive.", not_offensive) % {"count": not_offensive})
    if annotations.per_item:
        annotations.notes.append(_("For the confirmed comments, the assessment and the legal category are the case "
                                   "team's; the model's probability is shown beside them for information only."))
    return annotations
