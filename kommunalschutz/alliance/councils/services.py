"""Every write of the councils app: councils, members, meetings, working groups, projects.

Each function runs in one transaction with its audit event naming the actor. Callers check
permissions (views and API through rules); these functions check the data and raise
``ValidationError`` with a dict naming the fields, before anything is saved.

Choices made where the issue is silent (docs/alliance/prevention-councils.md):
- one running council per municipality (or district): a new one may start only on or after the
  day the previous one was dissolved; a council started again after a pause is recorded as a new
  council with ``establishment="reactivated"``, so the figures count each period once;
- dates of things that happened (establishment, dissolution, a member leaving, actual project
  dates, achieved milestones) may not lie in the future; meetings may be scheduled ahead, but
  minutes, attendance and decisions wait until the meeting's day has come.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.alliance.councils.models import (
    CouncilDecision,
    CouncilMeeting,
    CouncilMember,
    CouncilProject,
    MeetingAttendance,
    PreventionCouncil,
    ProjectMilestone,
    WorkingGroup,
)
from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error, day, raise_if_errors
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.registry.models import District, Municipality

# Fields update_council may change (the target and the dissolution have their own paths).
COUNCIL_FIELDS: tuple[str, ...] = (
    "name", "establishment", "established_on", "chair_name", "chair_function", "contact_name",
    "contact_function", "contact_email", "contact_phone", "contact_address", "contact_is_public", "source_url",
)
MEETING_FIELDS: tuple[str, ...] = ("title", "held_on", "location", "agenda")
WORKING_GROUP_FIELDS: tuple[str, ...] = ("name", "topic", "lead", "founded_on")
# The optional details of a project (create_project and update_project take them by name).
PROJECT_FIELDS: tuple[str, ...] = (
    "working_group", "status", "planned_start", "planned_end", "actual_start", "actual_end", "planned_budget",
    "actual_costs", "evaluation", *CouncilProject.BECCARIA_FIELDS,
)


# --- helpers -------------------------------------------------------------------------------------


def _full_clean(instance: models.Model, errors: Errors, *, exclude: Iterable[str] = ()) -> None:
    """Add the model's own field checks (lengths, e-mail, choices) to ``errors``, then raise if any."""
    try:
        instance.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                if message not in errors.get(field, []):
                    add_error(errors, field, message)
    raise_if_errors(errors)


def _not_in_future(errors: Errors, field: str, value: dt.date | None) -> None:
    if value is not None and value > timezone.localdate():
        add_error(errors, field, _("This date lies in the future; record it once it has happened."))


def _range(errors: Errors, start_field: str, start: Any, end_field: str, end: Any) -> None:
    if start is not None and end is not None and end < start:
        add_error(errors, end_field, _("The end (%(end)s) lies before the start (%(start)s).")
                  % {"end": day(end), "start": day(start)})


def _unknown(names: Iterable[str], allowed: Iterable[str], function: str) -> None:
    unknown = sorted(set(names) - set(allowed))
    if unknown:
        raise TypeError(f"{function}() got unexpected field(s): {', '.join(unknown)}")


def _not_negative(errors: Errors, field: str, value: Decimal | None) -> None:
    if value is not None and value < 0:
        add_error(errors, field, _("The amount cannot be negative."))


# --- councils ------------------------------------------------------------------------------------


def overlapping_council(
    *, municipality: Any, district: Any, established_on: dt.date, dissolved_on: dt.date | None = None,
    exclude_pk: int | None = None,
) -> PreventionCouncil | None:
    """Another council of the same municipality (or district) whose period overlaps the given one."""
    councils = PreventionCouncil.objects.all()
    councils = councils.filter(municipality=municipality) if municipality is not None else councils.filter(
        district=district)
    if exclude_pk is not None:
        councils = councils.exclude(pk=exclude_pk)
    # Periods are [established_on, dissolved_on): a successor may start on the day of the dissolution.
    councils = councils.filter(models.Q(dissolved_on__isnull=True) | models.Q(dissolved_on__gt=established_on))
    if dissolved_on is not None:
        councils = councils.filter(established_on__lt=dissolved_on)
    return councils.order_by("established_on").first()


def _check_council(council: PreventionCouncil, errors: Errors) -> None:
    has_municipality = council.municipality_id is not None
    has_district = council.district_id is not None
    if has_municipality == has_district:
        message = _("Choose either a municipality or a district, not both.") if has_municipality else _(
            "Choose the municipality or the district the council belongs to.")
        add_error(errors, "municipality", message)
        add_error(errors, "district", message)
    if council.established_on is None:
        add_error(errors, "established_on", _("Enter the date the council was founded or reactivated."))
        return
    _not_in_future(errors, "established_on", council.established_on)
    _range(errors, "established_on", council.established_on, "dissolved_on", council.dissolved_on)
    if council.pk is not None:
        first = council.meetings.order_by("held_on").values_list("held_on", flat=True).first()
        if first is not None and first < council.established_on:
            add_error(errors, "established_on", _("The council met on %(date)s already.") % {"date": day(first)})
    if council.contact_is_public and not (council.contact_name and (council.contact_email or council.contact_phone)):
        add_error(errors, "contact_is_public",
                  _("A public contact needs a name and an e-mail address or phone number."))
    if has_municipality != has_district:
        other = overlapping_council(
            municipality=council.municipality if has_municipality else None,
            district=council.district if has_district else None,
            established_on=council.established_on, dissolved_on=council.dissolved_on, exclude_pk=council.pk,
        )
        if other is not None:
            field = "municipality" if has_municipality else "district"
            if other.dissolved_on is None:
                message = _("“%(target)s” already has a running prevention council, “%(council)s” (since "
                            "%(since)s). Record its dissolution first.") % {
                    "target": council.target_name, "council": other.name, "since": day(other.established_on)}
            else:
                message = _("“%(target)s” had a prevention council, “%(council)s”, from %(since)s until "
                            "%(until)s; the periods may not overlap.") % {
                    "target": council.target_name, "council": other.name, "since": day(other.established_on),
                    "until": day(other.dissolved_on)}
            add_error(errors, field, message)


def create_council(
    *,
    actor: Actor,
    name: str,
    established_on: dt.date,
    municipality: Any = None,
    district: Any = None,
    establishment: str = PreventionCouncil.Establishment.FOUNDED,
    chair_name: str = "",
    chair_function: str = "",
    contact_name: str = "",
    contact_function: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    contact_address: str = "",
    contact_is_public: bool = False,
    is_synthetic: bool = False,
    source_url: str = "",
) -> PreventionCouncil:
    """Record a council founded (or reactivated) on ``established_on`` for a municipality or a district."""
    now = timezone.now()
    council = PreventionCouncil(
        municipality=municipality, district=district, name=name.strip(), establishment=establishment,
        established_on=established_on, chair_name=chair_name.strip(), chair_function=chair_function.strip(),
        contact_name=contact_name.strip(), contact_function=contact_function.strip(),
        contact_email=contact_email.strip(), contact_phone=contact_phone.strip(),
        contact_address=contact_address.strip(), contact_is_public=contact_is_public, is_synthetic=is_synthetic,
        source_url=source_url.strip(), created_at=now, updated_at=now,
    )
    errors: Errors = {}
    _check_council(council, errors)
    _full_clean(council, errors, exclude=["municipality", "district"])
    with transaction.atomic():
        # One council at a time per municipality (or district): lock the target and check the periods
        # again, so of two councils recorded at the same moment the second gets the refusal, not a 500.
        _lock_target(council)
        _check_council(council, errors)
        raise_if_errors(errors)
        council.save(force_insert=True)
        audit.record_create(actor=actor, obj=council)
    return council


def _lock_target(council: PreventionCouncil) -> None:
    if council.municipality_id is not None:
        Municipality.objects.select_for_update().filter(pk=council.municipality_id).first()
    elif council.district_id is not None:
        District.objects.select_for_update().filter(pk=council.district_id).first()


def update_council(*, actor: Actor, council: PreventionCouncil, **changes: Any) -> PreventionCouncil:
    """Change any of ``COUNCIL_FIELDS``; the municipality (or district) stays."""
    _unknown(changes, COUNCIL_FIELDS, "update_council")
    before = audit.snapshot(council, COUNCIL_FIELDS)
    for field, value in changes.items():
        setattr(council, field, value.strip() if isinstance(value, str) else value)
    errors: Errors = {}
    _check_council(council, errors)
    try:
        _full_clean(council, errors, exclude=["municipality", "district"])
    except ValidationError:
        council.refresh_from_db()
        raise
    with transaction.atomic():
        council.updated_at = timezone.now()
        council.save()
        audit.record_update(actor=actor, obj=council, before=before)
    return council


def dissolve_council(*, actor: Actor, council: PreventionCouncil, dissolved_on: dt.date) -> PreventionCouncil:
    errors: Errors = {}
    if council.dissolved_on is not None:
        add_error(errors, "dissolved_on", _("The council was already dissolved on %(date)s.")
                  % {"date": day(council.dissolved_on)})
    elif dissolved_on is None:
        add_error(errors, "dissolved_on", _("Enter the date of the dissolution."))
    else:
        _not_in_future(errors, "dissolved_on", dissolved_on)
        _range(errors, "established_on", council.established_on, "dissolved_on", dissolved_on)
        last = council.meetings.order_by("-held_on").values_list("held_on", flat=True).first()
        if last is not None and last >= dissolved_on:
            add_error(errors, "dissolved_on", _("The council has a meeting on %(date)s.") % {"date": day(last)})
    raise_if_errors(errors)
    with transaction.atomic():
        before = audit.snapshot(council, ["dissolved_on"])
        council.dissolved_on = dissolved_on
        council.updated_at = timezone.now()
        council.save(update_fields=["dissolved_on", "updated_at"])
        audit.record_update(actor=actor, obj=council, before=before, summary="council dissolved")
    return council


# --- members -------------------------------------------------------------------------------------


def add_member(
    *,
    actor: Actor,
    council: PreventionCouncil,
    organisation: Any = None,
    organisation_name: str = "",
    person_name: str = "",
    function: str = "",
    joined_on: dt.date | None = None,
) -> CouncilMember:
    """A member organisation (on the platform, or named in free text) and, optionally, its person."""
    organisation_name = organisation_name.strip() or (organisation.name if organisation is not None else "")
    member = CouncilMember(council=council, organisation=organisation, organisation_name=organisation_name,
                           person_name=person_name.strip(), function=function.strip(), joined_on=joined_on)
    errors: Errors = {}
    if not organisation_name:
        add_error(errors, "organisation_name", _("Name the member organisation (or choose one on the platform)."))
    _not_in_future(errors, "joined_on", joined_on)
    if council.dissolved_on is not None and joined_on is not None and joined_on >= council.dissolved_on:
        add_error(errors, "joined_on",
                  _("The council was dissolved on %(date)s.") % {"date": day(council.dissolved_on)})
    _full_clean(member, errors, exclude=["council", "organisation"])
    with transaction.atomic():
        member.save(force_insert=True)
        audit.record_create(actor=actor, obj=member)
    return member


def remove_member(*, actor: Actor, member: CouncilMember, left_on: dt.date | None = None) -> CouncilMember:
    """The member leaves the council on ``left_on`` (today if not given); the record stays for the minutes."""
    left_on = left_on or timezone.localdate()
    errors: Errors = {}
    if member.left_on is not None:
        add_error(errors, "left_on", _("This member already left on %(date)s.") % {"date": day(member.left_on)})
    else:
        _not_in_future(errors, "left_on", left_on)
        _range(errors, "joined_on", member.joined_on, "left_on", left_on)
    raise_if_errors(errors)
    with transaction.atomic():
        before = audit.snapshot(member, ["left_on"])
        member.left_on = left_on
        member.save(update_fields=["left_on"])
        audit.record_update(actor=actor, obj=member, before=before, summary="member left the council")
    return member


# --- meetings ------------------------------------------------------------------------------------


def _check_meeting_date(errors: Errors, council: PreventionCouncil, held_on: dt.date | None) -> None:
    if held_on is None:
        add_error(errors, "held_on", _("Enter the date of the meeting."))
        return
    if held_on < council.established_on:
        add_error(errors, "held_on",
                  _("The council was only founded on %(date)s.") % {"date": day(council.established_on)})
    if council.dissolved_on is not None and held_on >= council.dissolved_on:
        add_error(errors, "held_on", _("The council was dissolved on %(date)s.") % {"date": day(council.dissolved_on)})


def schedule_meeting(
    *,
    actor: Actor,
    council: PreventionCouncil | None,
    title: str,
    held_on: dt.date,
    location: str = "",
    agenda: str = "",
    is_synthetic: bool = False,
    source_url: str = "",
) -> CouncilMeeting:
    """A meeting of a council (it may lie ahead); a meeting without a council is refused."""
    errors: Errors = {}
    if not isinstance(council, PreventionCouncil) or council.pk is None:
        add_error(errors, "council", _("Choose the prevention council the meeting belongs to."))
        if not (title or "").strip():
            add_error(errors, "title", _("Enter a title."))
        raise_if_errors(errors)
    assert isinstance(council, PreventionCouncil)
    meeting = CouncilMeeting(council=council, title=(title or "").strip(), held_on=held_on,
                             location=location.strip(), agenda=agenda.strip(), is_synthetic=is_synthetic,
                             source_url=source_url.strip())
    _check_meeting_date(errors, council, held_on)
    _full_clean(meeting, errors, exclude=["council"])
    with transaction.atomic():
        meeting.save(force_insert=True)
        audit.record_create(actor=actor, obj=meeting)
    return meeting


def update_meeting(*, actor: Actor, meeting: CouncilMeeting, **changes: Any) -> CouncilMeeting:
    """Change the title, date, location or agenda of a meeting."""
    _unknown(changes, MEETING_FIELDS, "update_meeting")
    before = audit.snapshot(meeting, MEETING_FIELDS)
    for field, value in changes.items():
        setattr(meeting, field, value.strip() if isinstance(value, str) else value)
    errors: Errors = {}
    _check_meeting_date(errors, meeting.council, meeting.held_on)
    if (meeting.held_on is not None and meeting.held_on > timezone.localdate()
            and (meeting.minutes or meeting.attendance.exists() or meeting.decisions.exists())):
        add_error(errors, "held_on", _("Minutes, attendance or decisions are recorded; the meeting cannot move "
                                       "into the future."))
    try:
        _full_clean(meeting, errors, exclude=["council"])
    except ValidationError:
        meeting.refresh_from_db()
        raise
    with transaction.atomic():
        meeting.save()
        audit.record_update(actor=actor, obj=meeting, before=before)
    return meeting


def _meeting_has_taken_place(errors: Errors, field: str, meeting: CouncilMeeting) -> None:
    if meeting.held_on > timezone.localdate():
        add_error(errors, field, _("The meeting on %(date)s has not taken place yet.") % {"date": day(meeting.held_on)})


def record_minutes(*, actor: Actor, meeting: CouncilMeeting, minutes: str) -> CouncilMeeting:
    errors: Errors = {}
    _meeting_has_taken_place(errors, "minutes", meeting)
    raise_if_errors(errors)
    with transaction.atomic():
        before = audit.snapshot(meeting, ["minutes"])
        meeting.minutes = minutes.strip()
        meeting.save(update_fields=["minutes"])
        audit.record_update(actor=actor, obj=meeting, before=before, summary="minutes recorded")
    return meeting


def record_attendance(
    *, actor: Actor, meeting: CouncilMeeting, attendance: Mapping[CouncilMember, bool]
) -> list[MeetingAttendance]:
    """Present (True) or absent (False) per member; members not named keep their entry (or have none).

    Every member must belong to the meeting's council and have been a member on the day.
    """
    errors: Errors = {}
    _meeting_has_taken_place(errors, "attendance", meeting)
    for member in attendance:
        if member.council_id != meeting.council_id:
            add_error(errors, "attendance", _("“%(member)s” is not a member of this council.") % {"member": member})
        elif ((member.joined_on is not None and member.joined_on > meeting.held_on)
              or (member.left_on is not None and member.left_on < meeting.held_on)):
            add_error(errors, "attendance", _("“%(member)s” was not a member on %(date)s.")
                      % {"member": member, "date": day(meeting.held_on)})
    raise_if_errors(errors)
    with transaction.atomic():
        # One entry per member and meeting: two savings of the list run one after the other.
        CouncilMeeting.objects.select_for_update().filter(pk=meeting.pk).first()
        existing = {row.member_id: row for row in meeting.attendance.all()}
        before = {str(member_id): row.present for member_id, row in existing.items()}
        rows: list[MeetingAttendance] = []
        for member, present in attendance.items():
            row = existing.get(member.pk)
            if row is None:
                row = MeetingAttendance.objects.create(meeting=meeting, member=member, present=bool(present))
            elif row.present != bool(present):
                row.present = bool(present)
                row.save(update_fields=["present"])
            rows.append(row)
        after = dict(before) | {str(member.pk): bool(present) for member, present in attendance.items()}
        changes = {key: {"old": before.get(key), "new": value} for key, value in after.items()
                   if before.get(key) != value}
        if changes:
            audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=meeting,
                         changes={"attendance": {"old": {k: v["old"] for k, v in changes.items()},
                                                 "new": {k: v["new"] for k, v in changes.items()}}},
                         summary="attendance recorded (member id: present)")
    return rows


def add_decision(
    *, actor: Actor, meeting: CouncilMeeting, text: str, responsible: str = "", due_on: dt.date | None = None
) -> CouncilDecision:
    decision = CouncilDecision(meeting=meeting, text=(text or "").strip(), responsible=responsible.strip(),
                               due_on=due_on)
    errors: Errors = {}
    if not decision.text:
        add_error(errors, "text", _("Enter the decision."))
    _meeting_has_taken_place(errors, "text", meeting)
    if due_on is not None and due_on < meeting.held_on:
        add_error(errors, "due_on",
                  _("The due date lies before the meeting (%(date)s).") % {"date": day(meeting.held_on)})
    _full_clean(decision, errors, exclude=["meeting"])
    with transaction.atomic():
        decision.save(force_insert=True)
        audit.record_create(actor=actor, obj=decision)
    return decision


# --- working groups ------------------------------------------------------------------------------


def _check_group_members(errors: Errors, council: PreventionCouncil, members: Iterable[CouncilMember]) -> None:
    for member in members:
        if member.council_id != council.pk:
            add_error(errors, "members", _("“%(member)s” is not a member of this council.") % {"member": member})


def create_working_group(
    *,
    actor: Actor,
    council: PreventionCouncil,
    name: str,
    topic: str = "",
    lead: str = "",
    founded_on: dt.date | None = None,
    members: Iterable[CouncilMember] = (),
) -> WorkingGroup:
    members = list(members)
    group = WorkingGroup(council=council, name=(name or "").strip(), topic=topic.strip(), lead=lead.strip(),
                         founded_on=founded_on)
    errors: Errors = {}
    _not_in_future(errors, "founded_on", founded_on)
    _check_group_members(errors, council, members)
    _full_clean(group, errors, exclude=["council", "members"])
    with transaction.atomic():
        group.save(force_insert=True)
        group.members.set(members)
        audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=group,
                     changes=audit.diff({}, audit.snapshot(group) | {"members": sorted(m.pk for m in members)}))
    return group


def update_working_group(
    *, actor: Actor, group: WorkingGroup, members: Iterable[CouncilMember] | None = None, **changes: Any
) -> WorkingGroup:
    _unknown(changes, WORKING_GROUP_FIELDS, "update_working_group")
    before = audit.snapshot(group, WORKING_GROUP_FIELDS) | {
        "members": sorted(group.members.values_list("pk", flat=True))}
    for field, value in changes.items():
        setattr(group, field, value.strip() if isinstance(value, str) else value)
    errors: Errors = {}
    new_members = list(members) if members is not None else None
    _not_in_future(errors, "founded_on", group.founded_on)
    if new_members is not None:
        _check_group_members(errors, group.council, new_members)
    try:
        _full_clean(group, errors, exclude=["council", "members"])
    except ValidationError:
        group.refresh_from_db()
        raise
    with transaction.atomic():
        group.save()
        if new_members is not None:
            group.members.set(new_members)
        after = audit.snapshot(group, WORKING_GROUP_FIELDS) | {
            "members": sorted(m.pk for m in new_members) if new_members is not None else before["members"]}
        changed = audit.diff(before, after)
        if changed:
            audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=group, changes=changed)
    return group


# --- projects ------------------------------------------------------------------------------------


def _check_project(errors: Errors, project: CouncilProject) -> None:
    if not project.title:
        add_error(errors, "title", _("Enter a title."))
    _range(errors, "planned_start", project.planned_start, "planned_end", project.planned_end)
    _range(errors, "actual_start", project.actual_start, "actual_end", project.actual_end)
    _not_in_future(errors, "actual_start", project.actual_start)
    _not_in_future(errors, "actual_end", project.actual_end)
    _not_negative(errors, "planned_budget", project.planned_budget)
    _not_negative(errors, "actual_costs", project.actual_costs)
    if project.working_group is not None and project.working_group.council_id != project.council_id:
        add_error(errors, "working_group", _("The working group belongs to another council."))
    if project.status == CouncilProject.Status.COMPLETED and project.actual_end is None:
        add_error(errors, "actual_end", _("A completed project needs its actual end."))


def create_project(*, actor: Actor, council: PreventionCouncil, title: str, **details: Any) -> CouncilProject:
    """A project of the council; ``details`` are any of ``PROJECT_FIELDS`` (the seven Beccaria steps,
    planned and actual dates, planned budget and actual costs, status, working group, evaluation)."""
    _unknown(details, PROJECT_FIELDS, "create_project")
    project = CouncilProject(council=council, title=(title or "").strip(),
                             **{k: v.strip() if isinstance(v, str) else v for k, v in details.items()})
    errors: Errors = {}
    _check_project(errors, project)
    _full_clean(project, errors, exclude=["council", "working_group"])
    with transaction.atomic():
        project.save(force_insert=True)
        audit.record_create(actor=actor, obj=project)
    return project


def update_project(*, actor: Actor, project: CouncilProject, **changes: Any) -> CouncilProject:
    _unknown(changes, ("title", *PROJECT_FIELDS), "update_project")
    fields = ("title", *PROJECT_FIELDS)
    before = audit.snapshot(project, [f if f != "working_group" else "working_group_id" for f in fields])
    for field, value in changes.items():
        setattr(project, field, value.strip() if isinstance(value, str) else value)
    errors: Errors = {}
    _check_project(errors, project)
    try:
        _full_clean(project, errors, exclude=["council", "working_group"])
    except ValidationError:
        project.refresh_from_db()
        raise
    with transaction.atomic():
        project.save()
        audit.record_update(actor=actor, obj=project, before=before)
    return project


def add_milestone(
    *, actor: Actor, project: CouncilProject, title: str, planned_on: dt.date, note: str = ""
) -> ProjectMilestone:
    milestone = ProjectMilestone(project=project, title=(title or "").strip(), planned_on=planned_on,
                                 note=note.strip())
    errors: Errors = {}
    if planned_on is None:
        add_error(errors, "planned_on", _("Enter the planned date."))
    _full_clean(milestone, errors, exclude=["project"])
    with transaction.atomic():
        milestone.save(force_insert=True)
        audit.record_create(actor=actor, obj=milestone)
    return milestone


def record_milestone(
    *, actor: Actor, milestone: ProjectMilestone, achieved_on: dt.date, note: str | None = None
) -> ProjectMilestone:
    """The milestone was reached on ``achieved_on`` (compared with its plan in the project's table)."""
    errors: Errors = {}
    if achieved_on is None:
        add_error(errors, "achieved_on", _("Enter the date the milestone was reached."))
    _not_in_future(errors, "achieved_on", achieved_on)
    raise_if_errors(errors)
    with transaction.atomic():
        before = audit.snapshot(milestone, ["achieved_on", "note"])
        milestone.achieved_on = achieved_on
        if note is not None:
            milestone.note = note.strip()
        milestone.save(update_fields=["achieved_on", "note"])
        audit.record_update(actor=actor, obj=milestone, before=before, summary="milestone reached")
    return milestone
