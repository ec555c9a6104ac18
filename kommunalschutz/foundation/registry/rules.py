from __future__ import annotations

import rules

from kommunalschutz.foundation.core.roles import is_administrator, is_coordinator

# Registry data is open data: reading needs no permission.
rules.add_perm("registry.view_registry", rules.always_allow)
rules.add_perm("registry.import_registry", is_administrator | is_coordinator)
rules.add_perm("registry.edit_contact", is_administrator | is_coordinator)
