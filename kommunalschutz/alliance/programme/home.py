"""The alliance programme's part of the start page: agreement reviews due (renewals), and for a municipal
coordinator their municipality's stage. Scoped with the alliance's own selectors (agreements_for,
own_target_ids), the same the record and agreement pages use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from kommunalschutz.alliance.programme.lifecycle import stage_label
from kommunalschutz.foundation.core.home import FIRST_FEW, HomeItem, HomeSection, sections
from kommunalschutz.foundation.core.roles import Role

# Agreements whose review (the agreed renewal of its measures) falls due within this many days.
RENEWAL_WINDOW_DAYS = 90


def _date(value: Any) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _reviews(user: Any) -> HomeSection:
    from kommunalschutz.alliance.programme.selectors import agreements_for, open_reviews

    today = timezone.localdate()
    reviews = open_reviews(within_days=RENEWAL_WINDOW_DAYS).filter(agreement__in=agreements_for(user))
    items = []
    for review in reviews[:FIRST_FEW]:
        agreement = review.agreement
        target = agreement.municipality or agreement.district
        overdue = review.due_on < today
        items.append(HomeItem(
            f"{target.name if target else agreement.title}",
            reverse("alliance:agreement_detail", args=[agreement.pk]),
            detail=(_("review was due on %(date)s") if overdue else _("review due on %(date)s"))
            % {"date": _date(review.due_on)}, urgent=overdue))
    return HomeSection(
        key="alliance-reviews", wing="alliance", position=10, title=_("Agreements to review and renew"),
        count=reviews.count(), items=items, more_url=reverse("alliance:record_list"),
        more_label=_("Municipalities in the programme"),
        empty=_("No agreement is due for review in the next 90 days.")
        if user.has_perm("alliance.view_programme") else "")


def _own_municipalities(user: Any) -> HomeSection | None:
    from kommunalschutz.alliance.programme.rules import own_target_ids
    from kommunalschutz.alliance.programme.selectors import district_records, municipality_records

    if user.has_perm("alliance.view_programme"):
        return None
    municipalities, districts = own_target_ids(user, Role.MUNICIPAL_COORDINATOR)
    if not municipalities and not districts:
        return None
    items = []
    records: list[Any] = [*municipality_records(user).filter(pk__in=municipalities),
                          *district_records(user).filter(pk__in=districts)]
    for record in records:
        stage = getattr(record, "current_stage", None)
        detail = (_("%(stage)s since %(date)s") % {"stage": stage_label(stage),
                                                   "date": _date(record.current_stage_date)}
                  if stage else _("not contacted yet"))
        name = "alliance:municipality_record" if len(record.ags) == 8 else "alliance:district_record"
        items.append(HomeItem(record.name, reverse(name, args=[record.ags]), detail=detail))
    return HomeSection(key="alliance-own", wing="alliance", position=5, title=_("Your municipality in the programme"),
                       count=len(items), items=items[:FIRST_FEW], waiting=False)


def home_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated or not user.has_perm("alliance.view_agreements"):
        return {}
    return sections(_own_municipalities(user), _reviews(user))
