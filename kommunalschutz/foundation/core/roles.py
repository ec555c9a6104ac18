"""The platform's roles and the predicates every app's rules.py builds on.

They live in the foundation's core, below accounts and the registry, because every wing and
the foundation's own apps declare permissions with them. A user's roles come from their
memberships (accounts.models.User.role_set); anything without that attribute has no role.
docs/roles-and-permissions.md lists every permission per role.
"""

from __future__ import annotations

from typing import Any

import rules
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("coordinator (coordination office)")
    MUNICIPAL_COORDINATOR = "municipal_coordinator", _("municipal coordinator")
    OFFICIAL = "official", _("official (office or mandate holder)")
    POLICE_CONTACT = "police_contact", _("police contact")
    PROTECTION_OFFICER = "protection_officer", _("protection officer (LKA)")
    COACH = "coach", _("coach")
    ANALYST = "analyst", _("analyst")
    AUDITOR = "auditor", _("auditor")
    ADMINISTRATOR = "administrator", _("administrator")


# Roles whose holders see confidential casework or administer the platform.
SECOND_FACTOR_ROLES = frozenset(
    {Role.COORDINATOR, Role.POLICE_CONTACT, Role.PROTECTION_OFFICER, Role.ADMINISTRATOR}
)


def roles_of(user: Any) -> frozenset[str]:
    """The roles of an active, signed-in user; none for anonymous or deactivated users."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    roles: frozenset[str] = getattr(user, "role_set", frozenset())
    return roles


def has_role(*roles: str) -> Any:
    wanted = frozenset(roles)
    name = "has_role:" + ",".join(sorted(wanted))

    @rules.predicate(name=name)
    def predicate(user: Any) -> bool:
        return bool(roles_of(user) & wanted)

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
