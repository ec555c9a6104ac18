"""Case statistics: aggregates only, with small cells suppressed for everyone."""

from __future__ import annotations

import rules

from kommunalschutz.foundation.core.roles import (
    is_analyst,
    is_coordinator,
    is_municipal_coordinator,
    is_police_contact,
    is_protection_officer,
)

rules.add_perm("casestats.view_statistics",
               is_coordinator | is_municipal_coordinator | is_police_contact | is_protection_officer | is_analyst)
