"""The councils app's part of the start page: running prevention councils without a meeting this year,
among the councils the user may see (visible_councils, the council list's own scope)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kommunalschutz.alliance.councils.models import CouncilMeeting, PreventionCouncil
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.home import FIRST_FEW, HomeItem, HomeSection, sections


def _where(council: PreventionCouncil) -> str:
    target = council.municipality or council.district
    return target.name if target is not None else ""


def home_context(request: HttpRequest) -> dict[str, Any]:
    from kommunalschutz.alliance.councils.selectors import visible_councils

    user = request.user
    if not user.is_authenticated or not user.has_perm("councils.view_councils"):
        return {}
    today = timezone.localdate()
    met = CouncilMeeting.objects.filter(council=OuterRef("pk"), held_on__year=today.year, held_on__lte=today)
    quiet = (visible_councils(user).filter(dissolved_on__isnull=True).exclude(Exists(met))
             .select_related("municipality", "district").order_by(*german("name"), "pk"))
    return sections(HomeSection(
        key="councils-no-meeting", wing="alliance", position=40,
        title=_("Prevention councils without a meeting in %(year)s") % {"year": today.year},
        count=quiet.count(),
        items=[HomeItem(council.name, reverse("councils:council_detail", args=[council.pk]),
                        detail=_where(council))
               for council in quiet[:FIRST_FEW]],
        more_url=reverse("councils:council_list"), more_label=_("Prevention councils")))
