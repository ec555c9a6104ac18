"""Need to know for protection cases.

A case is visible to its reporter (who entered it, and the affected official's account) and to its
case team: the owner, the people assigned to it, the police contacts of the responsible police
directorate, and the LKA's protection officers once protection has been requested. New cases without
an owner are also visible to the coordination office's coordinators (the intake queue), so that one of
them takes the case. Everyone else, administrators included, gets 404. Auditors read the audit trail of
cases (core.view_confidential_audit), never the case itself. selectors.visible_cases mirrors these
predicates as a query; a test keeps the two in agreement.
"""

from __future__ import annotations

from typing import Any

import rules

from kommunalschutz.foundation.core.roles import (
    Role,
    is_coordinator,
    is_municipal_coordinator,
    is_official,
    is_police_contact,
    is_protection_officer,
    roles_of,
)


def _active(user: Any) -> bool:
    return bool(roles_of(user))


@rules.predicate
def is_case_reporter(user: Any, case: Any) -> bool:
    if case is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.pk in {case.reported_by_id, case.affected_user_id}


@rules.predicate
def is_responsible_police(user: Any, case: Any) -> bool:
    if case is None or case.police_directorate_id is None or Role.POLICE_CONTACT not in roles_of(user):
        return False
    return bool(user.memberships.filter(role=Role.POLICE_CONTACT,
                                        organisation__police_directorate_id=case.police_directorate_id).exists())


@rules.predicate
def is_involved_lka(user: Any, case: Any) -> bool:
    return bool(case is not None and case.lka_involved and Role.PROTECTION_OFFICER in roles_of(user))


@rules.predicate
def is_assigned(user: Any, case: Any) -> bool:
    if case is None or not _active(user):
        return False
    return bool(case.owner_id == user.pk or case.team.filter(user=user).exists())


@rules.predicate
def in_intake_queue(user: Any, case: Any) -> bool:
    from kommunalschutz.protection.cases.models import Case

    return bool(case is not None and case.owner_id is None and case.status == Case.Status.NEW
                and Role.COORDINATOR in roles_of(user))


# Team roles: only people in these roles can be on a case team (the grid checks the others never are).
is_team_role = is_coordinator | is_police_contact | is_protection_officer
is_case_team = is_team_role & (is_assigned | is_responsible_police | is_involved_lka)
is_case_worker = is_case_team | in_intake_queue

# Reporting: officials for themselves; coordinators and police contacts also on someone's behalf.
rules.add_perm("cases.report_incident",
               is_official | is_municipal_coordinator | is_police_contact | is_coordinator)
rules.add_perm("cases.report_on_behalf", is_municipal_coordinator | is_police_contact | is_coordinator)
# The caseload: lists of the cases one works on, the acknowledgement dashboard.
rules.add_perm("cases.view_caseload", is_coordinator | is_police_contact | is_protection_officer)
rules.add_perm("cases.view_case", is_case_reporter | is_case_worker)
# Acknowledge, change status, edit the incident, tasks, links, internal notes, close and reopen.
rules.add_perm("cases.work_case", is_case_worker)
# Messages between the reporter and the team.
rules.add_perm("cases.message_case", is_case_reporter | is_case_team)
rules.add_perm("cases.manage_case_team", (is_coordinator | is_police_contact) & is_case_worker)
