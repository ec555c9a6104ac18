"""Prevention councils: the coordination office everything, a municipal coordinator their own
council, the responsible police directorate reads (it usually sits on the council)."""

from __future__ import annotations

import rules

from kommunalschutz.alliance.programme.rules import is_own_municipality, is_responsible_police
from kommunalschutz.foundation.core.roles import is_coordinator, is_municipal_coordinator, is_police_contact

rules.add_perm("councils.view_councils", is_coordinator | is_municipal_coordinator | is_police_contact)
rules.add_perm("councils.view_council", is_coordinator | is_own_municipality | is_responsible_police)
# Members, meetings (agenda, minutes, attendance, decisions), working groups, projects, contact.
rules.add_perm("councils.edit_council", is_coordinator | is_own_municipality)
# Checked on the municipality (or district) the new council belongs to.
rules.add_perm("councils.add_council", is_coordinator | is_own_municipality)
