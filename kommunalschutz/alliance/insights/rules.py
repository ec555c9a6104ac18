"""The public map and the programme figures are open; the internal dashboard is the office's."""

from __future__ import annotations

import rules

from kommunalschutz.foundation.core.roles import is_coordinator

rules.add_perm("insights.view_dashboard", is_coordinator)
