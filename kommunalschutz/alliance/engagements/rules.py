"""Engagements follow the alliance's rules (see alliance/rules.py); coaching adds the coach.

Everything else about engagements is decided by ``alliance.view_municipality_work`` (reading)
and ``alliance.manage_programme`` (writing).
"""

from __future__ import annotations

import rules

from kommunalschutz.alliance.programme.rules import is_coach_of, is_own_municipality
from kommunalschutz.foundation.core.roles import is_coach, is_coordinator

# "My coaching processes": a coach sees only their own (the list is scoped).
rules.add_perm("engagements.view_coaching_processes", is_coordinator | is_coach)
rules.add_perm("engagements.view_coaching_process", is_coordinator | is_own_municipality | is_coach_of)
# Sessions and the closing evaluation are written by the coach (and the coordination office).
rules.add_perm("engagements.edit_coaching_process", is_coordinator | is_coach_of)
