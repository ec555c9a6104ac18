"""Who reads which situation report (docs/roles-and-permissions.md, decision 0041).

- The public edition of a released report: everyone, anonymous visitors included (it is published).
- The internal edition of a released report: the coordination office and the state's roles that already
  see the case statistics at state level (police contacts, LKA protection officers).
- Drafts (both editions), creating, editing the press release, computing and releasing: the coordination
  office only. Everyone else gets 404 for a draft, exactly like for a report that does not exist.
"""

from __future__ import annotations

from typing import Any

import rules

from kommunalschutz.foundation.core.roles import is_coordinator, is_police_contact, is_protection_officer


@rules.predicate
def is_released(user: Any, report: Any) -> bool:
    return bool(report is not None and getattr(report, "is_released", False))


may_manage = is_coordinator
may_read_internal = is_coordinator | is_police_contact | is_protection_officer

rules.add_perm("situation.manage_reports", may_manage)
rules.add_perm("situation.view_internal_edition", may_read_internal)
# Object level: a released report for everyone; a draft for those who manage reports.
rules.add_perm("situation.view_report", is_released | may_manage)
rules.add_perm("situation.view_internal_report", (is_released & may_read_internal) | may_manage)
