"""The case team: the owner and the people assigned to a case (team roles only).

Permission checks (cases.work_case, cases.message_case, cases.manage_case_team) happen in the views and
the API before these functions run; the functions check the rules of the data and refuse with a
ValidationError naming the field. Every write runs in one transaction with its audit entry.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core.audit import record_create, record_delete, record_update, snapshot
from kommunalschutz.protection.cases.models import Case, CaseEvent, CaseTeamMember
from kommunalschutz.protection.cases.services import (
    add_event,
    case_url,
    eligible_team_users,
    locked_case,
    notify,
    refusal,
)


@transaction.atomic
def assign_owner(*, actor: User, case: Case, owner: User | None) -> Case:
    """Make ``owner`` the case owner (a team role only); the new owner is notified."""
    case = locked_case(case)
    if owner is None:
        raise refusal("owner", _("Choose the new case owner."))
    if not eligible_team_users(case).filter(pk=owner.pk).exists():
        raise refusal("owner", _("Only coordinators, the responsible police contacts and the LKA can own a case."))
    if case.owner_id == owner.pk:
        raise refusal("owner", _("This person already owns the case."))
    before = snapshot(case)
    case.owner = owner
    case.save()
    record_update(actor=actor, obj=case, before=before, summary="case owner assigned")
    add_event(case, CaseEvent.Kind.ASSIGNED, gettext("New case owner"), actor=actor)
    if owner.pk != actor.pk:
        notify([owner], case, gettext("You are now the owner of case %(reference)s.") % {"reference": case.reference},
               case_url(case))
    return case


@transaction.atomic
def add_team_member(*, actor: User, case: Case, user: User | None, function: str) -> CaseTeamMember:
    case = locked_case(case)
    if user is None:
        raise refusal("user", _("Choose the person to add."))
    if function not in CaseTeamMember.Function.values:
        raise refusal("function", _("Choose a function from the list."))
    if not eligible_team_users(case).filter(pk=user.pk).exists():
        raise refusal("user", _("Only coordinators, the responsible police contacts and the LKA can join a case team."))
    if CaseTeamMember.objects.filter(case=case, user=user).exists():
        raise refusal("user", _("This person is already on the case team."))
    member = CaseTeamMember.objects.create(case=case, user=user, function=function, added_by=actor)
    record_create(actor=actor, obj=member, summary="case team member added")
    add_event(case, CaseEvent.Kind.TEAM, gettext("Team member added: %(function)s")
              % {"function": member.get_function_display()}, actor=actor)
    if user.pk != actor.pk:
        notify([user], case, gettext("You have been added to the team of case %(reference)s.")
               % {"reference": case.reference}, case_url(case))
    return member


@transaction.atomic
def remove_team_member(*, actor: User, case: Case, member: CaseTeamMember) -> None:
    if member.case_id != case.pk:
        raise refusal("member", _("This person is not on the case team."))
    record_delete(actor=actor, obj=member, summary="case team member removed")
    member.delete()
    add_event(case, CaseEvent.Kind.TEAM, gettext("Team member removed"), actor=actor)
