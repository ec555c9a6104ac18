"""Forms of the cases app. They validate input; writes and the rules of the workflow are in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.forms import DateField, DateInput, DateTimeField
from kommunalschutz.foundation.core.validators import INCIDENT
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.protection.cases.models import (
    AffectedRole,
    Case,
    CaseLink,
    CaseTeamMember,
    Channel,
    IncidentType,
    PerpetratorKind,
    Place,
    Tristate,
    Urgency,
)


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Case status"), required=False,
                               choices=(("", _("all statuses")), *Case.Status.choices))
    acute = forms.BooleanField(label=_("acute cases only"), required=False)
    mine = forms.BooleanField(label=_("only cases I work on"), required=False)
    unacknowledged = forms.BooleanField(label=_("not yet acknowledged"), required=False)
    overdue = forms.BooleanField(label=_("acknowledgement overdue"), required=False)


class _PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else str(obj.username)


class OwnerForm(forms.Form):
    owner = _PersonChoice(label=_("New case owner"), queryset=User.objects.none(), empty_label=_("choose a person"))

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "owner")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people  # type: ignore[attr-defined]


class TeamMemberForm(forms.Form):
    user = _PersonChoice(label=_("Person to add"), queryset=User.objects.none(), empty_label=_("choose a person"))
    function = forms.ChoiceField(label=_("Function in the case team"), choices=CaseTeamMember.Function.choices)

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "team")
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New case status"), choices=())

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "status")
        super().__init__(*args, **kwargs)
        # Every open status is offered; the service explains a step that is not allowed.
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Case.Status.choices if value != Case.Status.CLOSED]
        if allowed:
            self.fields["status"].initial = allowed[-1]


class MessageForm(forms.Form):
    KIND_CHOICES = (
        ("message", _("Message to the reporter")),
        ("question", _("Question to the reporter (waits for an answer)")),
        ("internal", _("Internal note (only the case team sees it)")),
    )
    body = forms.CharField(label=_("Message text"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000)
    kind = forms.ChoiceField(label=_("Kind of message"), choices=KIND_CHOICES, initial="message",
                             widget=forms.RadioSelect)

    def __init__(self, *args: Any, allow_reporter: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "message")
        super().__init__(*args, **kwargs)
        if not allow_reporter:
            self.fields["kind"].choices = [self.KIND_CHOICES[2]]  # type: ignore[attr-defined]
            self.fields["kind"].initial = "internal"


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your answer to the case team"), widget=forms.Textarea(attrs={"rows": 4}),
                           max_length=10_000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "reply")
        super().__init__(*args, **kwargs)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task description"), max_length=300)
    assignee = _PersonChoice(label=_("Assigned to"), queryset=User.objects.none(), required=False,
                             empty_label=_("nobody yet"))
    due_on = DateField(label=_("Task due on"), widget=DateInput())

    def __init__(self, *args: Any, people: list[User], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "task")
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            pk__in=[person.pk for person in people]).order_by(*german("last_name", "first_name"), "username")


class LinkForm(forms.Form):
    other = forms.CharField(label=_("Case number of the related case"), max_length=20,
                            help_text=_("For example 2026-000123."))
    kind = forms.ChoiceField(label=_("Kind of link"), choices=CaseLink.Kind.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "link")
        super().__init__(*args, **kwargs)


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Closing reason"), required=False,
                               choices=(("", _("choose a reason")), *Case.ClosingReason.choices))
    note = forms.CharField(label=_("Closing note (optional)"), required=False, max_length=10_000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "close")
        super().__init__(*args, **kwargs)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why is the case reopened?"), max_length=10_000,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "reopen")
        super().__init__(*args, **kwargs)


class _MunicipalityChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def _area(label: Any, *, rows: int = 3, required: bool = False) -> forms.CharField:
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}))


class IncidentForm(forms.Form):
    """The incident as the case team corrects it (validated again by the intake rules)."""

    description = _area(_("What happened"), rows=6, required=True)
    incident_types = forms.MultipleChoiceField(label=_("Type of incident"), choices=IncidentType.choices,
                                               widget=forms.CheckboxSelectMultiple)
    occurred_at = DateTimeField(label=_("Date and time of the incident"), required=False, kind=INCIDENT,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                           format="%Y-%m-%dT%H:%M"),
                                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    period_start = DateField(label=_("From (repeated acts)"), required=False, widget=DateInput(), kind=INCIDENT)
    period_end = DateField(label=_("Until (repeated acts)"), required=False, widget=DateInput(), kind=INCIDENT)
    municipality = _MunicipalityChoice(label=_("Municipality of the incident"), required=False,
                                       queryset=Municipality.objects.none(), to_field_name="ags",
                                       empty_label=_("not known"))
    place = forms.ChoiceField(label=_("Place of the incident"), choices=Place.choices)
    place_detail = _area(_("Details of the place"))
    channel = forms.ChoiceField(label=_("Channel of the incident"), choices=Channel.choices)
    platform = forms.CharField(label=_("Platform (social media)"), max_length=100, required=False)
    affected_role = forms.ChoiceField(label=_("Role of the affected person"), choices=AffectedRole.choices)
    affected_name = forms.CharField(label=_("Name of the affected person"), required=False, max_length=200)
    affected_contact = _area(_("How to reach the affected person"), rows=2)
    office_relation = _area(_("Relation to the office or mandate"), rows=2)
    perpetrator_kind = forms.ChoiceField(label=_("Perpetrator"), choices=PerpetratorKind.choices)
    perpetrator_known_to_victim = forms.ChoiceField(label=_("Perpetrator known to the affected person"),
                                                    choices=Tristate.choices)
    perpetrator_details = _area(_("About the perpetrator"))
    witnesses = _area(_("Witnesses"), rows=2)
    complaint_filed = forms.BooleanField(label=_("A criminal complaint has been filed"), required=False)
    complaint_file_number = forms.CharField(label=_("File number of the complaint"), required=False,
                                            max_length=100)
    complaint_police_station = forms.CharField(label=_("Police station of the complaint"), required=False,
                                               max_length=200)
    politically_motivated = forms.ChoiceField(label=_("Politically motivated"), choices=Tristate.choices)
    urgency = forms.ChoiceField(label=_("Urgency as the reporter sees it"), choices=Urgency.choices)
    danger_now = forms.BooleanField(label=_("Acute danger now"), required=False)
    threat_to_life = forms.BooleanField(label=_("Threat to life or limb"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Current municipalities of the state (the intake rules accept no others).
        self.fields["municipality"].queryset = (  # type: ignore[attr-defined]
            Municipality.objects.defer("boundary").filter(land=states.current().key, valid_until__isnull=True)
            .order_by(*german("name")))

    @staticmethod
    def initial_for(case: Case) -> dict[str, Any]:
        from django.utils import timezone

        initial: dict[str, Any] = {name: getattr(case, name) for name in IncidentForm.base_fields}
        initial["municipality"] = case.municipality.ags if case.municipality_id else None  # type: ignore[union-attr]
        if case.occurred_at is not None:
            initial["occurred_at"] = timezone.localtime(case.occurred_at)
        return initial
