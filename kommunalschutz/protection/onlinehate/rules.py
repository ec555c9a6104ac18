"""Online hate: who imports, triages and exports (checked on the case, like its evidence).

Whoever may add evidence to a case may import a thread of comments into it (the reporter included); the
triage - the model's ranking and the decisions on each item - belongs to the case team; corrections leave
as training data only through a coordinator on the case team (decision 0043).
"""

from __future__ import annotations

import rules

from kommunalschutz.foundation.core.roles import is_coordinator
from kommunalschutz.protection.cases.rules import is_case_reporter, is_case_team, is_case_worker

rules.add_perm("onlinehate.import_online_content", is_case_reporter | is_case_team)
rules.add_perm("onlinehate.view_triage", is_case_worker)
rules.add_perm("onlinehate.decide_triage", is_case_team)
rules.add_perm("onlinehate.export_corrections", is_case_team & is_coordinator)
