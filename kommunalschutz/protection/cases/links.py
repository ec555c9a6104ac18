"""Links between related cases (same perpetrator, series, related, duplicate).

Permission checks (cases.work_case, cases.message_case, cases.manage_case_team) happen in the views and
the API before these functions run; the functions check the rules of the data and refuse with a
ValidationError naming the field. Every write runs in one transaction with its audit entry.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core.audit import record_create
from kommunalschutz.protection.cases.models import Case, CaseEvent, CaseLink
from kommunalschutz.protection.cases.selectors import visible_cases
from kommunalschutz.protection.cases.services import add_event, refusal


@transaction.atomic
def link_cases(*, actor: User, case: Case, other: Case | None, kind: str) -> CaseLink:
    """Link two related cases; the actor must be able to see the other case too."""
    if kind not in CaseLink.Kind.values:
        raise refusal("kind", _("Choose the kind of link from the list."))
    if other is None or not visible_cases(actor).filter(pk=other.pk).exists():
        raise refusal("other", _("No case with this number that you can see."))
    if other.pk == case.pk:
        raise refusal("other", _("A case cannot be linked to itself."))
    # One link per pair, in either direction: lock both cases (in key order, so that linking A to B and
    # B to A at the same moment cannot deadlock) before looking for an existing link.
    list(Case.objects.select_for_update().filter(pk__in=[case.pk, other.pk]).order_by("pk").values_list("pk"))
    if CaseLink.objects.filter(Q(from_case=case, to_case=other) | Q(from_case=other, to_case=case)).exists():
        raise refusal("other", _("The two cases are already linked."))
    link = CaseLink.objects.create(from_case=case, to_case=other, kind=kind, created_by=actor)
    record_create(actor=actor, obj=link, summary="cases linked")
    for each in (case, other):
        add_event(each, CaseEvent.Kind.LINK, gettext("Linked case: %(kind)s") % {"kind": link.get_kind_display()},
                  actor=actor)
    return link
