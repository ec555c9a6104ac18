"""Events: the coordination office organises them; people with a role register when invited.

Published event pages and registration through a public link need no account at all.
"""

from __future__ import annotations

from typing import Any

import rules

from kommunalschutz.foundation.core.roles import is_coordinator, roles_of


@rules.predicate
def has_any_role(user: Any) -> bool:
    return bool(roles_of(user))


rules.add_perm("events.manage_events", is_coordinator)
# "My events": the events one is invited to, one's registrations and cancellations.
rules.add_perm("events.register", has_any_role)
