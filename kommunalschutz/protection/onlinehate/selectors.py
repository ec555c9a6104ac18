"""Online hate: reads for the import and triage pages (the case is already checked by the caller)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.shortcuts import get_object_or_404

from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.onlinehate.models import Task1, ThreadImport, TriagedItem

# What the triage page can show: key in the address -> filter.
SHOWS: dict[str, Q] = {
    "offen": Q(label_task1=""),
    "beleidigend": Q(label_task1=Task1.OFFENSE),
    "entschieden": ~Q(label_task1=""),
    "alle": Q(),
}


def triage_rows(case: Case, show: str = "offen") -> QuerySet[TriagedItem]:
    """The case's triaged items, most likely offensive first (unranked last), filtered by ``show``."""
    return (TriagedItem.objects.filter(case=case).filter(SHOWS.get(show, SHOWS["offen"]))
            .select_related("item", "decided_by", "thread_import")
            .order_by(F("p_offense").desc(nulls_last=True), "item__posted_at", "pk"))


def triage_counts(case: Case) -> dict[str, Any]:
    return TriagedItem.objects.filter(case=case).aggregate(
        total=Count("pk"), open=Count("pk", filter=Q(label_task1="")),
        offensive=Count("pk", filter=Q(label_task1=Task1.OFFENSE)),
        decided=Count("pk", filter=~Q(label_task1="")),
        unranked=Count("pk", filter=Q(p_offense__isnull=True)))


def triaged_for(case: Case, pk: int) -> TriagedItem:
    return get_object_or_404(TriagedItem.objects.select_related("item", "case"), case=case, pk=pk)


def imports_of(case: Case) -> QuerySet[ThreadImport]:
    return ThreadImport.objects.filter(case=case).select_related("created_by").order_by("-created_at", "-pk")


def import_for(case: Case, pk: int) -> ThreadImport:
    return get_object_or_404(ThreadImport.objects.select_related("case"), case=case, pk=pk)


def package_rows(case: Case) -> dict[int, TriagedItem]:
    """Triage rows of the case by evidence item, for the evidence package."""
    rows = TriagedItem.objects.filter(case=case).select_related("decided_by", "thread_import")
    return {row.item_id: row for row in rows}
