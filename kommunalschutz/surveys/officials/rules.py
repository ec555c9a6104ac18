"""Who may see and do what in the officials' survey (need to know; docs/roles-and-permissions.md).

- The coordination office runs the waves: the frame from the registry, the field period, reminders, open
  links, closing, the next wave, and sees the aggregated results of a closed wave.
- A municipal coordinator brings their own municipality's groups into the frame (a list or an open link)
  and sees the wave's page with only their municipality's part.
- Analysts of the wave's analysis contractor see the results at any time and review the free text.
- Nobody sees an answer sheet: the pages show aggregates from STATISTICS_MIN_CELL respondents on.
The aggregated, suppressed results of a closed wave are public without a permission (the API, through
selectors.closed_waves).
"""

from __future__ import annotations

from typing import Any

import rules

from kommunalschutz.alliance.programme.rules import is_own_municipality
from kommunalschutz.foundation.core.roles import Role, is_analyst, is_coordinator, is_municipal_coordinator, roles_of


def _wave(obj: Any) -> Any:
    from kommunalschutz.surveys.officials.models import Wave

    return obj if isinstance(obj, Wave) else getattr(obj, "wave", None)


@rules.predicate
def is_wave_analyst(user: Any, obj: Any) -> bool:
    """An analyst of the analysis contractor the wave is commissioned to."""
    wave = _wave(obj)
    if wave is None or wave.contractor_id is None or Role.ANALYST not in roles_of(user):
        return False
    return bool(user.memberships.filter(role=Role.ANALYST, organisation_id=wave.contractor_id).exists())


@rules.predicate
def is_closed(_user: Any, obj: Any) -> bool:
    wave = _wave(obj)
    return wave is not None and wave.status == wave.Status.CLOSED


rules.add_perm("officials.view_waves", is_coordinator | is_municipal_coordinator | is_analyst)
rules.add_perm("officials.add_wave", is_coordinator)
rules.add_perm("officials.view_wave", is_coordinator | is_municipal_coordinator | is_wave_analyst)
rules.add_perm("officials.manage_wave", is_coordinator)
# Checked on the municipality whose list or open link it is.
rules.add_perm("officials.manage_municipality_frame", is_coordinator | is_own_municipality)
rules.add_perm("officials.view_results", (is_coordinator & is_closed) | is_wave_analyst)
rules.add_perm("officials.review_texts", is_wave_analyst)
