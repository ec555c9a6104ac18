"""Evidence: reads."""

from __future__ import annotations

from django.db.models import QuerySet

from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.evidence.models import EvidenceItem


def case_evidence(case: Case) -> QuerySet[EvidenceItem]:
    """The evidence of one case, oldest first (the numbering of the evidence package)."""
    return EvidenceItem.objects.filter(case=case).select_related("created_by").order_by("created_at", "pk")
