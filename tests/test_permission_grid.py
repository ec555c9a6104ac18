"""The permission table in docs/roles-and-permissions.md, checked cell by cell against the rules.

Every persona of the test world is asked every permission of the table; object-level
permissions are asked with a representative own and foreign object (the convention is
described in the document). The table and the rules registry must list the same permissions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import rules
from django.utils import timezone

from kommunalschutz.foundation.accounts.models import APIToken, Organisation, Role, User
from kommunalschutz.foundation.core.models import TaskRun
from tests.conftest import PERSONAS, World
from tests.factories import (
    AgreementFactory,
    CoachFactory,
    CoachingProcessFactory,
    CouncilFactory,
    OrganisationFactory,
    UserFactory,
)

DOC = Path(__file__).resolve().parent.parent / "docs" / "roles-and-permissions.md"
NO_ROLE = "none"
CELLS = {"yes", "own", "no"}


@dataclass(frozen=True)
class Row:
    permission: str
    checked_on: str | None  # None: asked without an object
    cells: dict[str, str]  # role code (or "none") -> yes / own / no


def _code(cell: str) -> str:
    found = re.search(r"`([^`]+)`", cell)
    assert found, f"expected a `code` name in table cell {cell!r}"
    return found.group(1)


def parse_table(text: str) -> list[Row]:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("| Permission | Checked on |")), None)
    assert start is not None, "docs/roles-and-permissions.md has no '| Permission | Checked on |' table"
    header = [cell.strip() for cell in lines[start].strip().strip("|").split("|")]
    roles = [_code(cell) for cell in header[2:]]
    rows: list[Row] = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        assert len(cells) == len(header), f"row has {len(cells)} cells, header {len(header)}: {line}"
        values = [cell.lower() for cell in cells[2:]]
        assert set(values) <= CELLS, f"cells must be yes/own/no: {line}"
        checked_on = None if cells[1] in {"\u2013", "-", ""} else cells[1].lower()  # en dash or hyphen
        rows.append(Row(_code(cells[0]), checked_on, dict(zip(roles, values, strict=True))))
    return rows


ROWS = parse_table(DOC.read_text(encoding="utf-8"))


# --- representative objects --------------------------------------------------------------------


def _other_persona(world: World, user: User) -> User:
    other: User = world.outsider if user != world.outsider else world.analyst
    return other


def _own_organisation(world: World, user: User) -> Organisation | None:
    membership = user.memberships.select_related("organisation").order_by("pk").first()
    return membership.organisation if membership else None


def _foreign_organisation(world: World, user: User) -> Organisation:
    mine = set(user.memberships.values_list("organisation_id", flat=True))
    return next(org for org in (world.plauen_org, world.pirna_org) if org.pk not in mine)


def _token(user: User) -> APIToken:
    return APIToken.objects.create(user=user, name="grid", prefix=f"ks_g{user.pk}", token_hash=f"{user.pk:064d}",
                                   expires_at=timezone.now() + dt.timedelta(days=1))


def _task_run(user: User) -> TaskRun:
    return TaskRun.objects.create(kind="core.selftest", label="grid", requested_by=user)


def _home(world: World, user: User) -> Any:
    """The municipality a persona works for: its organisation's, or its directorate's (Dresden covers Pirna)."""
    membership = user.memberships.select_related("organisation").order_by("pk").first()
    if membership is None:
        return None
    organisation = membership.organisation
    if organisation.municipality_id:
        return organisation.municipality
    if organisation.police_directorate_id == world.dresden_pd.pk:
        return world.pirna
    return None


def _away(world: World, user: User) -> Any:
    return world.pirna if _home(world, user) == world.plauen else world.plauen


def _agreement(world: World, municipality: Any) -> Any:
    directorate = world.dresden_pd if municipality == world.pirna else world.zwickau_pd
    return AgreementFactory.create(municipality=municipality, police_directorate=directorate,
                                   coordination_office=world.coordination_office)


def _coaching(world: World, municipality: Any, coach_user: User) -> Any:
    return CoachingProcessFactory.create(engagement__municipality=municipality,
                                         coach=CoachFactory.create(user=coach_user))


def _council(municipality: Any) -> Any:
    # A municipality has at most one running council, so rows reuse it.
    from kommunalschutz.alliance.councils.models import PreventionCouncil

    return PreventionCouncil.objects.filter(municipality=municipality).first() or CouncilFactory.create(
        municipality=municipality)


def _own_coaching(world: World, user: User) -> Any:
    if user == world.coach:
        return _coaching(world, world.plauen, user)  # coached by them, in a municipality not theirs
    home = _home(world, user)
    return _coaching(world, home, UserFactory.create(username="other-coach")) if home else None


def _with_home(make: Callable[[World, Any], Any]) -> Callable[[World, User], Any]:
    def own(world: World, user: User) -> Any:
        home = _home(world, user)
        return make(world, home) if home else None

    return own


def _case(world: World, municipality: Any, **fields: Any) -> Any:
    from tests.factories import CaseFactory

    return CaseFactory.create(municipality=municipality, **fields)


def _own_case(world: World, user: User) -> Any:
    """A case the persona is on: reporter (officials, municipal coordinators), team (coordinator: assigned;
    the Dresden police: its directorate's Pirna case; the LKA: protection requested). Others have none."""
    role = _role_of_user(user)
    if role in {Role.OFFICIAL, Role.MUNICIPAL_COORDINATOR}:
        home = _home(world, user)
        return _case(world, home, reported_by=user, affected_user=user if role == Role.OFFICIAL else None,
                     intake="self" if role == Role.OFFICIAL else "on_behalf")
    if role == Role.COORDINATOR:
        case = _case(world, world.plauen, status="acknowledged", owner=UserFactory.create(username="case-owner"))
        from tests.factories import CaseTeamMemberFactory

        CaseTeamMemberFactory.create(case=case, user=user, function="case_worker")
        return case
    if role == Role.POLICE_CONTACT:
        return _case(world, world.pirna, status="acknowledged", owner=UserFactory.create(username="pirna-owner"))
    if role == Role.PROTECTION_OFFICER:
        return _case(world, world.plauen, status="acknowledged", owner=UserFactory.create(username="lka-owner"),
                     lka_involved=True)
    return None


def _foreign_case(world: World, user: User) -> Any:
    """Someone else's case outside the persona's area, already owned (so not in the intake queue)."""
    away = world.plauen if _home(world, user) != world.plauen else world.pirna
    if _role_of_user(user) == Role.POLICE_CONTACT:
        away = world.plauen  # Zwickau's directorate, not Dresden's
    return _case(world, away, status="acknowledged", reported_by=UserFactory.create(username=f"reporter-of-{user.pk}"),
                 owner=UserFactory.create(username=f"owner-of-{user.pk}"))


def _survey(municipality: Any, contractor: Any = None) -> Any:
    from kommunalschutz.surveys.projects.models import SurveyProject

    if contractor is None:
        contractor = OrganisationFactory.create(kind="analysis_contractor")
    return SurveyProject.objects.create(municipality=municipality, title="Bürgerbefragung", year=2026,
                                        reference_date=dt.date(2026, 1, 1), contractor=contractor)


def _own_survey(world: World, user: User) -> Any:
    """The analyst: a project of their contractor (in Plauen); others: a project of their municipality."""
    if _role_of_user(user) == Role.ANALYST:
        return _survey(world.plauen, user.memberships.get().organisation)
    home = _home(world, user)
    return _survey(home) if home else None


def _wave(contractor: Any) -> Any:
    """A closed wave of the officials' survey (the coordination office sees results of closed waves)."""
    from kommunalschutz.surveys.officials.models import Wave

    return Wave.objects.create(title="Amtsträgerbefragung", reference_start=dt.date(2026, 5, 1),
                               reference_end=dt.date(2026, 10, 31), field_start=dt.date(2026, 11, 1),
                               field_end=dt.date(2026, 12, 15), status=Wave.Status.CLOSED, contractor=contractor)


def _own_wave(world: World, user: User) -> Any:
    """Only an analyst owns a wave: one of their contractor's."""
    if _role_of_user(user) == Role.ANALYST:
        return _wave(user.memberships.get().organisation)
    return None


def _situation_report(*, released: bool) -> Any:
    from kommunalschutz.situation.models import SituationReport

    status = SituationReport.Status.RELEASED if released else SituationReport.Status.DRAFT
    return SituationReport.objects.create(title="Lagebericht", period_start=dt.date(2024, 1, 1),
                                          period_end=dt.date(2024, 3, 31), status=status)


def _role_of_user(user: User) -> str | None:
    membership = user.memberships.order_by("pk").first()
    return membership.role if membership else None


# kind of object -> (own object or None if the persona cannot have one, foreign object)
REPRESENTATIVES: dict[str, tuple[Callable[[World, User], Any], Callable[[World, User], Any]]] = {
    "organisation": (_own_organisation, _foreign_organisation),
    "user": (lambda world, user: user, _other_persona),
    "api token": (lambda world, user: _token(user), lambda world, user: _token(_other_persona(world, user))),
    "task run": (lambda world, user: _task_run(user), lambda world, user: _task_run(_other_persona(world, user))),
    # own = the persona's municipality (the Dresden police contact: Pirna, in its area); foreign = the other one
    "municipality": (_home, _away),
    "agreement": (_with_home(_agreement), lambda world, user: _agreement(world, _away(world, user))),
    "coaching process": (
        _own_coaching,
        lambda world, user: _coaching(world, _away(world, user), UserFactory.create(username="foreign-coach")),
    ),
    "prevention council": (
        _with_home(lambda world, home: _council(home)),
        lambda world, user: _council(_away(world, user)),
    ),
    "case": (_own_case, _foreign_case),
    "survey project": (_own_survey, lambda world, user: _survey(_away(world, user))),
    "officials' survey wave": (
        _own_wave, lambda world, user: _wave(OrganisationFactory.create(kind="analysis_contractor"))),
    # A situation report is nobody's own: "own" stands for a released report, "foreign" for a draft.
    "situation report": (lambda world, user: _situation_report(released=True),
                         lambda world, user: _situation_report(released=False)),
}


def _role_of(persona: str) -> str:
    membership = PERSONAS[persona]
    return NO_ROLE if membership is None else str(membership[1])


# --- the checks -----------------------------------------------------------------------------------


def test_table_lists_exactly_the_registered_permissions() -> None:
    in_table = [row.permission for row in ROWS]
    assert len(in_table) == len(set(in_table)), "a permission appears twice in the table"
    registered = set(rules.permissions.permissions)
    assert registered - set(in_table) == set(), "permissions missing from docs/roles-and-permissions.md"
    assert set(in_table) - registered == set(), "the table lists permissions the rules do not define"


def test_table_has_a_column_per_role() -> None:
    assert set(ROWS[0].cells) == {*Role.values, NO_ROLE}


def test_every_role_has_a_persona() -> None:
    assert {_role_of(persona) for persona in PERSONAS} == {*Role.values, NO_ROLE}


def test_every_object_kind_has_representatives() -> None:
    kinds = {row.checked_on for row in ROWS if row.checked_on is not None}
    assert kinds <= set(REPRESENTATIVES), f"add representative objects for {kinds - set(REPRESENTATIVES)}"


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_persona_has_exactly_the_permissions_of_the_table(world: World, persona: str) -> None:
    user = getattr(world, persona)
    role = _role_of(persona)
    mismatches: list[str] = []
    for row in ROWS:
        expected = row.cells[role]
        if row.checked_on is None:
            assert expected != "own", f"{row.permission}: 'own' needs an object kind in 'Checked on'"
            fresh = User.objects.get(pk=user.pk)  # no cached roles or permissions between rows
            if fresh.has_perm(row.permission) != (expected == "yes"):
                mismatches.append(f"{row.permission}: expected {expected}")
            continue
        make_own, make_foreign = REPRESENTATIVES[row.checked_on]
        own, foreign = make_own(world, user), make_foreign(world, user)
        fresh = User.objects.get(pk=user.pk)
        if own is not None and fresh.has_perm(row.permission, own) != (expected in {"yes", "own"}):
            mismatches.append(f"{row.permission} on own {row.checked_on}: expected {expected}")
        if own is None and expected == "own":
            mismatches.append(f"{row.permission}: 'own', but {persona} cannot own a {row.checked_on}")
        if fresh.has_perm(row.permission, foreign) != (expected == "yes"):
            mismatches.append(f"{row.permission} on foreign {row.checked_on}: expected {expected}")
    assert mismatches == [], f"{persona} ({role}) differs from docs/roles-and-permissions.md"


def test_a_deactivated_account_has_no_role_permissions(world: World) -> None:
    world.administrator.is_active = False
    world.administrator.save()
    admin = User.objects.get(pk=world.administrator.pk)
    granted = [row.permission for row in ROWS if row.checked_on is None and admin.has_perm(row.permission)]
    # Only the open registry stays readable; everything tied to a role or an account is gone.
    assert granted == ["registry.view_registry"]


def test_the_parser_rejects_unknown_cells() -> None:
    broken = "| Permission | Checked on | A (`coordinator`) |\n|---|---|---|\n| `x.y` | - | maybe |\n"
    with pytest.raises(AssertionError, match="yes/own/no"):
        parse_table(broken)
