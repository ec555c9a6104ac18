"""Pages of the councils app (thin: lookups in selectors, writes in services).

Every lookup goes through a scoped selector: a council the user may not see answers 404, and so does
a write the user may not make on a council they can read (the police reads, but does not edit).
Forms work without JavaScript; with HTMX, members and decisions are added in place.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kommunalschutz.alliance.councils import forms, selectors, services
from kommunalschutz.alliance.councils.models import CouncilMeeting, CouncilProject, PreventionCouncil
from kommunalschutz.foundation.core.access import require_perm
from kommunalschutz.foundation.web.pages import form_page, request_user, save, submit

PAGE_SIZE = 50
EDIT = "councils.edit_council"
FORM = "councils/form.html"


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def _council_url(council: PreventionCouncil, section: str = "") -> str:
    return reverse("councils:council_detail", args=[council.pk]) + (f"#{section}" if section else "")


# --- councils ------------------------------------------------------------------------------------


@login_required
@require_GET
def council_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_perm(user, "councils.view_councils")
    form = forms.CouncilFilterForm(request.GET or None, districts=selectors.filter_districts(user))
    filters = form.cleaned_data if form.is_valid() else {}
    councils = selectors.council_list(
        user, q=filters.get("q", ""), status=filters.get("status", ""), district=filters.get("district"),
        establishment=filters.get("establishment", ""), public_contact=filters.get("public_contact", ""),
    )
    page = Paginator(councils, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "councils/council_list.html", {
        "form": form, "page": page, "can_add": selectors.can_add_any(user),
        "filtered": any(filters.get(name) for name in ("q", "status", "district", "establishment",
                                                       "public_contact")),
    })


@login_required
@require_http_methods(["GET", "POST"])
def council_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    municipalities, districts = selectors.addable_targets(user)
    if not (municipalities.exists() or districts.exists()):
        raise Http404
    initial = {"municipality": request.GET.get("municipality", ""), "district": request.GET.get("district", "")}
    form = forms.CouncilCreateForm(request.POST or None, initial=initial, municipalities=municipalities,
                                   districts=districts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = data["municipality"] or data["district"]
        if target is not None:
            require_perm(user, "councils.add_council", target)
        council = save(form, lambda: services.create_council(actor=user, **data))
        if council is not None:
            messages.success(request, _("The prevention council “%(name)s” has been recorded.") % {"name": council})
            return redirect("councils:council_detail", pk=council.pk)
    return render(request, "councils/council_create.html", {"form": form},
                  status=400 if form.errors else 200)


@login_required
@require_GET
def council_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    council = selectors.council_for(user, pk)
    can_edit = user.has_perm(EDIT, council)
    return render(request, "councils/council_detail.html", {
        "council": council, "can_edit": can_edit, "member_form": forms.MemberForm(user=user) if can_edit else None,
        **selectors.council_sections(council),
    })


def _council_initial(council: PreventionCouncil) -> dict[str, Any]:
    return {name: getattr(council, name) for name in forms.CouncilEditForm.base_fields}


@login_required
@require_http_methods(["GET", "POST"])
def council_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    council = selectors.council_for(user, pk, EDIT)
    form = forms.CouncilEditForm(request.POST or None, initial=_council_initial(council))
    if submit(request, form, lambda: services.update_council(actor=user, council=council, **form.cleaned_data)):
        messages.success(request, _("The council has been updated."))
        return redirect(_council_url(council))
    return form_page(request, FORM, form, title=_("Edit the council"), council=council, back_url=_council_url(council),
                     submit=_("Save"))


@login_required
@require_http_methods(["GET", "POST"])
def council_dissolve(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    council = selectors.council_for(user, pk, EDIT)
    form = forms.DissolveForm(request.POST or None)
    if submit(request, form, lambda: services.dissolve_council(actor=user, council=council, **form.cleaned_data)):
        messages.success(request, _("The dissolution of the council has been recorded."))
        return redirect(_council_url(council))
    return form_page(request, FORM, form, title=_("Record the dissolution"), council=council,
                     back_url=_council_url(council), submit=_("Record the dissolution"),
                     intro=_("The council then no longer counts in the programme figures from this date on."))


# --- members -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    council = selectors.council_for(user, pk, EDIT)
    form = forms.MemberForm(request.POST or None, user=user)
    added = None
    if request.method == "POST" and form.is_valid():
        added = save(form, lambda: services.add_member(actor=user, council=council, **form.cleaned_data))
    if _htmx(request) and request.method == "POST":
        # The members section is swapped in place; a fresh form after success, the errors otherwise.
        return render(request, "councils/_members.html", {
            "council": council, "can_edit": True, "member_form": forms.MemberForm(user=user) if added else form,
            "added": added, **selectors.council_sections(council),
        })
    if added is not None:
        messages.success(request, _("“%(member)s” has been added to the council.") % {"member": added})
        return redirect(_council_url(council, "members"))
    return form_page(request, FORM, form, title=_("Add a member"), council=council,
                     back_url=_council_url(council, "members"), submit=_("Add the member"))


@login_required
@require_http_methods(["GET", "POST"])
def member_leave(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    user = request_user(request)
    council = selectors.council_for(user, pk, EDIT)
    member = selectors.member_for(council, member_pk)
    form = forms.LeaveForm(request.POST or None)
    if submit(request, form, lambda: services.remove_member(actor=user, member=member, **form.cleaned_data)):
        messages.success(request, _("“%(member)s” has left the council.") % {"member": member})
        return redirect(_council_url(council, "members"))
    return form_page(request, FORM, form, title=_("%(member)s leaves the council") % {"member": member},
                     council=council, back_url=_council_url(council, "members"), submit=_("Record the departure"),
                     intro=_("The member stays in the minutes and attendance lists of earlier meetings."))


# --- meetings ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    council = selectors.council_for(user, pk, EDIT)
    form = forms.MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meeting = save(form, lambda: services.schedule_meeting(actor=user, council=council, **form.cleaned_data))
        if meeting is not None:
            messages.success(request, _("The meeting has been scheduled."))
            return redirect("councils:meeting_detail", pk=meeting.pk)
    return form_page(request, FORM, form, title=_("Schedule a meeting"), council=council,
                     back_url=_council_url(council, "meetings"), submit=_("Schedule the meeting"))


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meeting = selectors.meeting_for(user, pk)
    can_edit = user.has_perm(EDIT, meeting.council)
    return render(request, "councils/meeting_detail.html", {
        "meeting": meeting, "council": meeting.council, "can_edit": can_edit,
        "attendance": selectors.attendance_of(meeting), "decisions": list(meeting.decisions.all()),
        "decision_form": forms.DecisionForm() if can_edit else None,
        "agenda_items": [line.strip() for line in meeting.agenda.splitlines() if line.strip()],
    })


def _meeting_url(meeting: CouncilMeeting, section: str = "") -> str:
    return reverse("councils:meeting_detail", args=[meeting.pk]) + (f"#{section}" if section else "")


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meeting = selectors.meeting_for(user, pk, EDIT)
    initial = {name: getattr(meeting, name) for name in forms.MeetingForm.base_fields}
    form = forms.MeetingForm(request.POST or None, initial=initial)
    if submit(request, form, lambda: services.update_meeting(actor=user, meeting=meeting, **form.cleaned_data)):
        messages.success(request, _("The meeting has been updated."))
        return redirect(_meeting_url(meeting))
    return form_page(request, FORM, form, title=_("Edit the meeting"), council=meeting.council, meeting=meeting,
                     back_url=_meeting_url(meeting), submit=_("Save"))


@login_required
@require_http_methods(["GET", "POST"])
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meeting = selectors.meeting_for(user, pk, EDIT)
    form = forms.MinutesForm(request.POST or None, initial={"minutes": meeting.minutes})
    if submit(request, form, lambda: services.record_minutes(actor=user, meeting=meeting, **form.cleaned_data)):
        messages.success(request, _("The minutes have been saved."))
        return redirect(_meeting_url(meeting, "minutes"))
    return form_page(request, FORM, form, title=_("Minutes"), council=meeting.council, meeting=meeting,
                     back_url=_meeting_url(meeting, "minutes"), submit=_("Save the minutes"))


@login_required
@require_http_methods(["GET", "POST"])
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meeting = selectors.meeting_for(user, pk, EDIT)
    current = {row.member_id: row.present for row in meeting.attendance.all()}
    form = forms.AttendanceForm(request.POST or None, members=selectors.members_on(meeting), current=current)
    if submit(request, form, lambda: services.record_attendance(actor=user, meeting=meeting,
                                                       attendance=form.attendance())) is not None:
        messages.success(request, _("The attendance has been saved."))
        return redirect(_meeting_url(meeting, "attendance"))
    intro = _("The members of the council on the day of the meeting.") if form.members else _(
        "The council had no members on the day of the meeting. Add members first.")
    return form_page(request, FORM, form, title=_("Attendance"), council=meeting.council, meeting=meeting,
                     back_url=_meeting_url(meeting, "attendance"), submit=_("Save the attendance"), intro=intro)


@login_required
@require_http_methods(["GET", "POST"])
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meeting = selectors.meeting_for(user, pk, EDIT)
    form = forms.DecisionForm(request.POST or None)
    added = None
    if request.method == "POST" and form.is_valid():
        added = save(form, lambda: services.add_decision(actor=user, meeting=meeting, **form.cleaned_data))
    if _htmx(request) and request.method == "POST":
        return render(request, "councils/_decisions.html", {
            "meeting": meeting, "can_edit": True, "decisions": list(meeting.decisions.all()),
            "decision_form": forms.DecisionForm() if added else form, "added": added,
        })
    if added is not None:
        messages.success(request, _("The resolution has been recorded."))
        return redirect(_meeting_url(meeting, "decisions"))
    return form_page(request, FORM, form, title=_("Record a decision"), council=meeting.council, meeting=meeting,
                     back_url=_meeting_url(meeting, "decisions"), submit=_("Record the resolution"))


# --- working groups ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def working_group_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    council = selectors.council_for(user, pk, EDIT)
    form = forms.WorkingGroupForm(request.POST or None, council=council)
    if submit(request, form, lambda: services.create_working_group(actor=user, council=council, **form.cleaned_data)):
        messages.success(request, _("The working group has been created."))
        return redirect(_council_url(council, "working-groups"))
    return form_page(request, FORM, form, title=_("New working group"), council=council,
                     back_url=_council_url(council, "working-groups"), submit=_("Create the working group"))


@login_required
@require_http_methods(["GET", "POST"])
def working_group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    group = selectors.working_group_for(user, pk, EDIT)
    council = group.council
    initial = {name: getattr(group, name) for name in services.WORKING_GROUP_FIELDS}
    initial["members"] = list(group.members.values_list("pk", flat=True))
    form = forms.WorkingGroupForm(request.POST or None, council=council, initial=initial)
    if submit(request, form, lambda: services.update_working_group(actor=user, group=group, **form.cleaned_data)):
        messages.success(request, _("The working group has been updated."))
        return redirect(_council_url(council, "working-groups"))
    return form_page(request, FORM, form, title=_("Edit the working group “%(name)s”") % {"name": group.name},
                     council=council, back_url=_council_url(council, "working-groups"), submit=_("Save"))


# --- projects ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    council = selectors.council_for(user, pk, EDIT)
    form = forms.ProjectForm(request.POST or None, council=council)
    if request.method == "POST" and form.is_valid():
        project = save(form, lambda: services.create_project(
            actor=user, council=council, title=form.cleaned_data["title"], **form.details()))
        if project is not None:
            messages.success(request, _("The project has been created."))
            return redirect("councils:project_detail", pk=project.pk)
    return form_page(request, FORM, form, title=_("New prevention project"), council=council,
                     back_url=_council_url(council, "projects"), submit=_("Create the project"),
                     intro=_("Plan the project along the seven Beccaria steps; you can fill in the steps later."))


@login_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, pk)
    milestones = list(project.milestones.all())
    labels = {"start": _("Start of the project"), "end": _("End of the project")}
    difference, percent = selectors.budget_deviation(project)
    steps = [(forms.BECCARIA_LABELS[name], getattr(project, name)) for name in CouncilProject.BECCARIA_FIELDS]
    return render(request, "councils/project_detail.html", {
        "project": project, "council": project.council, "can_edit": user.has_perm(EDIT, project.council),
        "milestones": milestones, "plan_rows": selectors.plan_against_actual(project, milestones, labels),
        "budget_difference": difference, "budget_percent": percent, "steps": steps,
    })


def _project_url(project: CouncilProject, section: str = "") -> str:
    return reverse("councils:project_detail", args=[project.pk]) + (f"#{section}" if section else "")


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, pk, EDIT)
    initial = {name: getattr(project, name) for name in forms.ProjectForm.base_fields}
    form = forms.ProjectForm(request.POST or None, council=project.council, initial=initial)
    if submit(request, form, lambda: services.update_project(actor=user, project=project, **form.cleaned_data)):
        messages.success(request, _("The project has been updated."))
        return redirect(_project_url(project))
    return form_page(request, FORM, form, title=_("Edit the project"), council=project.council, project=project,
                     back_url=_project_url(project), submit=_("Save"))


@login_required
@require_http_methods(["GET", "POST"])
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.project_for(user, pk, EDIT)
    form = forms.MilestoneForm(request.POST or None)
    if submit(request, form, lambda: services.add_milestone(actor=user, project=project, **form.cleaned_data)):
        messages.success(request, _("The milestone has been added."))
        return redirect(_project_url(project, "plan"))
    return form_page(request, FORM, form, title=_("Add a milestone"), council=project.council, project=project,
                     back_url=_project_url(project, "plan"), submit=_("Add the milestone"))


@login_required
@require_http_methods(["GET", "POST"])
def milestone_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    milestone = selectors.milestone_for(user, pk, EDIT)
    project = milestone.project
    form = forms.MilestoneRecordForm(request.POST or None, initial={"note": milestone.note})
    if submit(request, form, lambda: services.record_milestone(actor=user, milestone=milestone, **form.cleaned_data)):
        messages.success(request, _("The milestone has been recorded as reached."))
        return redirect(_project_url(project, "plan"))
    return form_page(request, FORM, form, title=_("Milestone reached: %(title)s") % {"title": milestone.title},
                     council=project.council, project=project, back_url=_project_url(project, "plan"),
                     submit=_("Save"))
