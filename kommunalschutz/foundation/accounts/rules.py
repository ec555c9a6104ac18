"""The accounts app's predicates (memberships, own objects) and permissions.

The role predicates live in core.roles; they are re-exported here for the apps that
take all their predicates from one place. Every app declares its permissions in its
own rules.py. docs/roles-and-permissions.md lists every permission per role; the
permission grid test checks the code against that table.
"""

from __future__ import annotations

from typing import Any

import rules

from kommunalschutz.foundation.core.roles import (
    has_role,
    is_administrator,
    is_analyst,
    is_auditor,
    is_coach,
    is_coordinator,
    is_municipal_coordinator,
    is_official,
    is_police_contact,
    is_protection_officer,
    is_staff_of_state,
    roles_of,
)

# The role predicates are core's; they are re-exported for the apps that take all their predicates from here.
__all__ = [
    "belongs_to_organisation",
    "has_role",
    "is_administrator",
    "is_analyst",
    "is_auditor",
    "is_coach",
    "is_coordinator",
    "is_municipal_coordinator",
    "is_official",
    "is_police_contact",
    "is_protection_officer",
    "is_self",
    "is_staff_of_state",
    "municipality_ids_for",
    "owns_token",
    "roles_of",
]


def municipality_ids_for(user: Any, *roles: str) -> set[int]:
    """Municipalities the user acts for (through a municipality organisation) in the given roles."""
    if not roles_of(user):
        return set()
    memberships = user.memberships.filter(organisation__municipality__isnull=False)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return set(memberships.values_list("organisation__municipality_id", flat=True))


@rules.predicate
def belongs_to_organisation(user: Any, organisation: Any) -> bool:
    if organisation is None or not roles_of(user):
        return False
    return bool(user.memberships.filter(organisation=organisation).exists())


@rules.predicate
def is_self(user: Any, other: Any) -> bool:
    # An anonymous user's pk (None) must not match an unsaved object's pk (None).
    if other is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.pk == getattr(other, "pk", None))


@rules.predicate
def owns_token(user: Any, token: Any) -> bool:
    if token is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(getattr(token, "user_id", None) == user.pk)


rules.add_perm("accounts.view_organisations", is_staff_of_state)
rules.add_perm("accounts.view_organisation", is_staff_of_state | belongs_to_organisation)
rules.add_perm("accounts.manage_organisations", is_administrator)
# Adding people to organisations, removing memberships and resetting a second factor.
rules.add_perm("accounts.manage_users", is_administrator)
rules.add_perm("accounts.view_user", is_administrator | is_self)
# The office or mandate of an account (accounts.models.Office): the person themselves and administrators.
rules.add_perm("accounts.change_office", is_administrator | is_self)
rules.add_perm("accounts.manage_own_tokens", rules.is_authenticated & rules.is_active)
# Nobody, administrators included, may see or revoke someone else's token through the UI or API:
# an administrator who needs to cut a person off deactivates the account, which voids its tokens.
rules.add_perm("accounts.manage_token", owns_token)
