"""Forms of the councils app. They validate input; writes happen in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kommunalschutz.alliance.councils.models import (
    CouncilMember,
    CouncilProject,
    PreventionCouncil,
    WorkingGroup,
)
from kommunalschutz.foundation.accounts.models import Organisation
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.forms import DateField, DateInput
from kommunalschutz.foundation.registry.models import District, Municipality

# The seven Beccaria steps (DOMAIN.md 2.3), in order; used by the project form and page.
BECCARIA_LABELS: dict[str, Any] = {
    "problem_description": _("1 Problem description"),
    "cause_analysis": _("2 Cause analysis"),
    "goals": _("3 Goals"),
    "measures": _("4 Choice of measures"),
    "concept_and_implementation": _("5 Concept and implementation"),
    "effect_check": _("6 Checking the effect"),
    "conclusions": _("7 Conclusions and documentation"),
}


def _date(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DateField:
    return DateField(label=label, required=required, widget=DateInput(), help_text=help_text)


def _text(label: Any, *, max_length: int = 200, required: bool = False, **attrs: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=required,
                           widget=forms.TextInput(attrs=attrs) if attrs else None)


def _area(label: Any, *, rows: int = 4, help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": rows}),
                           help_text=help_text)


class CouncilFilterForm(forms.Form):
    STATUS_CHOICES = (("", _("all")), ("active", _("running")), ("dissolved", _("dissolved")))
    PUBLIC_CHOICES = (("", _("all")), ("yes", _("public contact")), ("no", _("no public contact")))

    q = forms.CharField(label=_("Name or municipality"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    district = forms.ModelChoiceField(label=_("District"), queryset=District.objects.none(), required=False,
                                      empty_label=_("all districts"), to_field_name="ags")
    establishment = forms.ChoiceField(
        label=_("Founded or reactivated"), required=False,
        choices=(("", _("all")), *PreventionCouncil.Establishment.choices))
    public_contact = forms.ChoiceField(label=_("Public contact"), choices=PUBLIC_CHOICES, required=False)

    def __init__(self, *args: Any, districts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the districts of councils the user may see (councils.selectors.filter_districts).
        self.fields["district"].queryset = (  # type: ignore[attr-defined]
            District.objects.defer("boundary").order_by(*german("name")) if districts is None else districts)


class CouncilFieldsMixin(forms.Form):
    name = _text(_("Name of the council"), required=True)
    establishment = forms.ChoiceField(label=_("Founded or reactivated"),
                                      choices=PreventionCouncil.Establishment.choices,
                                      initial=PreventionCouncil.Establishment.FOUNDED)
    established_on = _date(_("Founded / reactivated on"), required=True)
    chair_name = _text(_("Chair"))
    chair_function = _text(_("Function of the chair"))
    contact_name = _text(_("Contact person"))
    contact_function = _text(_("Function of the contact"))
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = _text(_("Contact phone"), max_length=50)
    contact_address = _text(_("Contact address"), max_length=300)
    contact_is_public = forms.BooleanField(
        label=_("Show the contact on the public map"), required=False,
        help_text=_("Only with the contact person's consent. Name, function, e-mail, phone and address then "
                    "appear on the public map."))


class CouncilCreateForm(CouncilFieldsMixin):
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Municipality.objects.none(),
                                          required=False, to_field_name="ags",
                                          empty_label=_("(none: a council of a district)"))
    district = forms.ModelChoiceField(label=_("District"), queryset=District.objects.none(), required=False,
                                      to_field_name="ags", empty_label=_("(none: a council of a municipality)"),
                                      help_text=_("Choose either a municipality or a district."))

    field_order = ("municipality", "district", "name", "establishment", "established_on")

    def __init__(self, *args: Any, municipalities: QuerySet[Municipality], districts: QuerySet[District],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities  # type: ignore[attr-defined]
        self.fields["district"].queryset = districts  # type: ignore[attr-defined]


class CouncilEditForm(CouncilFieldsMixin):
    pass


class DissolveForm(forms.Form):
    dissolved_on = _date(_("Dissolved on"), required=True)


class MemberForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation on the platform"), queryset=Organisation.objects.none(), required=False,
        empty_label=_("(not on the platform)"),
        help_text=_("Or enter the organisation's name below."))
    organisation_name = _text(_("Organisation"))
    person_name = _text(_("Person"))
    function = _text(_("Function"))
    joined_on = _date(_("Joined on"))

    # Public bodies, whose names are public anyway; who else is on the platform is for the
    # coordination office to know (accounts.view_organisations).
    PUBLIC_KINDS = (Organisation.Kind.COORDINATION_OFFICE, Organisation.Kind.MUNICIPALITY,
                    Organisation.Kind.DISTRICT, Organisation.Kind.POLICE_DIRECTORATE, Organisation.Kind.LKA)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.order_by(*german("name"))
        if not user.has_perm("accounts.view_organisations"):
            organisations = organisations.filter(kind__in=self.PUBLIC_KINDS)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class LeaveForm(forms.Form):
    left_on = _date(_("Left on"), required=True)


class MeetingForm(forms.Form):
    title = _text(_("Title"), required=True)
    held_on = _date(_("Date"), required=True)
    location = _text(_("Location"))
    agenda = _area(_("Agenda"), rows=6, help_text=_("One item per line."))


class MinutesForm(forms.Form):
    minutes = _area(_("Minutes"), rows=12)


class AttendanceForm(forms.Form):
    """One present/absent choice per member of the council on the day of the meeting."""

    CHOICES = (("present", _("present")), ("absent", _("absent")), ("", _("not recorded")))

    def __init__(self, *args: Any, members: list[CouncilMember], current: dict[int, bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        for member in members:
            initial = "" if member.pk not in current else ("present" if current[member.pk] else "absent")
            self.fields[f"member_{member.pk}"] = forms.ChoiceField(
                label=str(member), choices=self.CHOICES, required=False, initial=initial,
                widget=forms.RadioSelect)

    def attendance(self) -> dict[CouncilMember, bool]:
        return {member: self.cleaned_data[f"member_{member.pk}"] == "present" for member in self.members
                if self.cleaned_data.get(f"member_{member.pk}")}


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 3}))
    responsible = _text(_("Responsible"))
    due_on = _date(_("Due on"))


class WorkingGroupForm(forms.Form):
    name = _text(_("Name"), required=True)
    topic = _area(_("Topic"), rows=3)
    lead = _text(_("Lead"))
    founded_on = _date(_("Founded on"))
    members = forms.ModelMultipleChoiceField(label=_("Members"), queryset=CouncilMember.objects.none(),
                                             required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, council: PreventionCouncil, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = council.members.filter(  # type: ignore[attr-defined]
            left_on__isnull=True).order_by(*german("organisation_name", "person_name"))


class ProjectForm(forms.Form):
    title = _text(_("Title"), max_length=300, required=True)
    status = forms.ChoiceField(label=_("Status"), choices=CouncilProject.Status.choices)
    working_group = forms.ModelChoiceField(label=_("Working group"), queryset=WorkingGroup.objects.none(),
                                           required=False, empty_label=_("(none)"))
    planned_start = _date(_("Planned start"))
    planned_end = _date(_("Planned end"))
    actual_start = _date(_("Actual start"))
    actual_end = _date(_("Actual end"))
    planned_budget = forms.DecimalField(label=_("Planned budget (EUR)"), required=False, max_digits=12,
                                        decimal_places=2, min_value=0)
    actual_costs = forms.DecimalField(label=_("Actual costs (EUR)"), required=False, max_digits=12,
                                      decimal_places=2, min_value=0)
    problem_description = _area(BECCARIA_LABELS["problem_description"])
    cause_analysis = _area(BECCARIA_LABELS["cause_analysis"])
    goals = _area(BECCARIA_LABELS["goals"], help_text=_("Prevention goals and project goals, target groups."))
    measures = _area(BECCARIA_LABELS["measures"])
    concept_and_implementation = _area(BECCARIA_LABELS["concept_and_implementation"])
    effect_check = _area(BECCARIA_LABELS["effect_check"], help_text=_("Plan against actual, during and after."))
    conclusions = _area(BECCARIA_LABELS["conclusions"])
    evaluation = _area(_("Evaluation"), rows=5)

    def __init__(self, *args: Any, council: PreventionCouncil, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["working_group"].queryset = council.working_groups.order_by(*german("name"))  # type: ignore[attr-defined]

    def details(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("title")
        return data


class MilestoneForm(forms.Form):
    title = _text(_("Milestone"), max_length=300, required=True)
    planned_on = _date(_("Planned for"), required=True)
    note = _area(_("Note"), rows=2)


class MilestoneRecordForm(forms.Form):
    achieved_on = _date(_("Achieved on"), required=True)
    note = _area(_("Note"), rows=2)
