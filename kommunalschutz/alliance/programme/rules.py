"""Who may see and change the alliance's records.

The coordination office (role coordinator) may do everything. A municipal coordinator works on
their own municipality (or district); a police contact reads the municipalities of the districts
their directorate is responsible for, and the agreements it is party to. The helpers below are
shared by the engagements, councils, events and insights apps (imported from here), so "own" means
the same everywhere. Querysets are narrowed to the same scope by ``alliance.selectors.scope_for``.
"""

from __future__ import annotations

from typing import Any

import rules

from kommunalschutz.foundation.core.roles import (
    Role,
    is_coordinator,
    is_municipal_coordinator,
    is_police_contact,
    roles_of,
)


def target_of(obj: Any) -> tuple[int | None, int | None]:
    """(municipality id, district id) an alliance object concerns.

    For a municipality the district is its own district, so that district-level rights
    (police directorates, district coordinators) reach the municipalities in it.
    """
    from kommunalschutz.foundation.registry.models import District, Municipality

    if obj is None:
        return None, None
    if isinstance(obj, Municipality):
        return obj.pk, obj.district_id
    if isinstance(obj, District):
        return None, obj.pk
    for link in ("engagement", "council", "agreement"):
        # Detail records (coaching process, meeting, signatory, …) answer for their parent.
        parent = getattr(obj, link, None) if not hasattr(obj, "municipality_id") else None
        if parent is not None:
            return target_of(parent)
    municipality_id = getattr(obj, "municipality_id", None)
    if municipality_id is not None:
        district_id = Municipality.objects.filter(pk=municipality_id).values_list("district_id", flat=True).first()
        return municipality_id, district_id
    return None, getattr(obj, "district_id", None)


def own_target_ids(user: Any, *roles: str) -> tuple[set[int], set[int]]:
    """Municipality and district ids the user acts for in the given roles (through organisations)."""
    if not roles_of(user):
        return set(), set()
    memberships = user.memberships.all()
    if roles:
        memberships = memberships.filter(role__in=roles)
    pairs = memberships.values_list("organisation__municipality_id", "organisation__district_id")
    return {m for m, _ in pairs if m is not None}, {d for _, d in pairs if d is not None}


def police_directorate_ids(user: Any) -> set[int]:
    if not roles_of(user) & {Role.POLICE_CONTACT}:
        return set()
    return set(
        user.memberships.filter(role=Role.POLICE_CONTACT, organisation__police_directorate__isnull=False)
        .values_list("organisation__police_directorate_id", flat=True)
    )


def _is_own_target(user: Any, obj: Any) -> bool:
    municipality_id, district_id = target_of(obj)
    municipalities, districts = own_target_ids(user, Role.MUNICIPAL_COORDINATOR)
    if municipality_id is not None:
        # A district's coordinator does not speak for the municipalities in it.
        return municipality_id in municipalities
    return district_id is not None and district_id in districts


@rules.predicate
def is_own_municipality(user: Any, obj: Any) -> bool:
    """The municipal coordinator of the municipality (or district) the object concerns."""
    return obj is not None and _is_own_target(user, obj)


@rules.predicate
def is_responsible_police(user: Any, obj: Any) -> bool:
    """A police contact of the directorate responsible for the object's district."""
    from kommunalschutz.foundation.registry.models import District

    directorates = police_directorate_ids(user)
    if not directorates or obj is None:
        return False
    _, district_id = target_of(obj)
    if district_id is None:
        return False
    return District.objects.filter(pk=district_id, police_directorate_id__in=directorates).exists()


@rules.predicate
def is_party_to_agreement(user: Any, agreement: Any) -> bool:
    """The police directorate that signed (or will sign) the agreement."""
    if agreement is None:
        return False
    return getattr(agreement, "police_directorate_id", None) in police_directorate_ids(user)


@rules.predicate
def is_coach_of(user: Any, obj: Any) -> bool:
    """The coach of a coaching process (object: CoachingProcess, or its Engagement)."""
    if obj is None or not getattr(user, "is_authenticated", False):
        return False
    process = getattr(obj, "coaching", obj)
    coach = getattr(process, "coach", None)
    return bool(coach is not None and coach.user_id == user.pk)


# --- the alliance's own permissions ---------------------------------------------------------------

# The state-wide view: every municipality's records, the internal dashboard, the reminders.
rules.add_perm("alliance.view_programme", is_coordinator)
# Recording lifecycle steps, agreements, the offer catalogue, the coach pool; every other write
# of the alliance family that is not an own-municipality edit.
rules.add_perm("alliance.manage_programme", is_coordinator)
# The "Allianz" area: a list of the municipalities the user may see (scoped).
rules.add_perm("alliance.view_records", is_coordinator | is_municipal_coordinator | is_police_contact)
# One municipality's (or district's) lifecycle, agreements overview and engagements.
rules.add_perm("alliance.view_municipality_work", is_coordinator | is_own_municipality | is_responsible_police)
rules.add_perm("alliance.view_agreement", is_coordinator | is_own_municipality | is_party_to_agreement)
# The list of agreements (scoped like alliance.view_agreement): for the roles that may read some agreement.
rules.add_perm("alliance.view_agreements", is_coordinator | is_municipal_coordinator | is_police_contact)
