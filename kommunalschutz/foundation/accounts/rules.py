"""Role predicates shared by every app, and the accounts app's own permissions.

Other apps import the predicates from here and declare their permissions in their
own rules.py. docs/roles-and-permissions.md lists every permission per role; the
permission grid test checks the code against that table.
"""

from __future__ import annotations

from typing import Any

import rules

from kommunalschutz.foundation.accounts.models import Role


def _roles(user: Any) -> frozenset[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return user.role_set  # type: ignore[no-any-return]


def has_role(*roles: str) -> Any:
    wanted = frozenset(roles)
    name = "has_role:" + ",".join(sorted(wanted))

    @rules.predicate(name=name)
    def predicate(user: Any) -> bool:
        return bool(_roles(user) & wanted)

    return predicate


is_coordinator = has_role(Role.COORDINATOR)
is_municipal_coordinator = has_role(Role.MUNICIPAL_COORDINATOR)
is_official = has_role(Role.OFFICIAL)
is_police_contact = has_role(Role.POLICE_CONTACT)
is_protection_officer = has_role(Role.PROTECTION_OFFICER)
is_coach = has_role(Role.COACH)
is_analyst = has_role(Role.ANALYST)
is_auditor = has_role(Role.AUDITOR)
is_administrator = has_role(Role.ADMINISTRATOR)
is_staff_of_state = is_coordinator | is_administrator


def municipality_ids_for(user: Any, *roles: str) -> set[int]:
    """Municipalities the user acts for (through a municipality organisation) in the given roles."""
    if not _roles(user):
        return set()
    memberships = user.memberships.filter(organisation__municipality__isnull=False)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return set(memberships.values_list("organisation__municipality_id", flat=True))


@rules.predicate
def belongs_to_organisation(user: Any, organisation: Any) -> bool:
    if organisation is None or not _roles(user):
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
rules.add_perm("accounts.manage_own_tokens", rules.is_authenticated & rules.is_active)
# Nobody, administrators included, may see or revoke someone else's token through the UI or API:
# an administrator who needs to cut a person off deactivates the account, which voids its tokens.
rules.add_perm("accounts.manage_token", owns_token)
