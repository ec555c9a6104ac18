"""Forms of the events app. They check input; writes happen in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kommunalschutz.alliance.events.models import Event, Registration
from kommunalschutz.foundation.accounts.models import Organisation, User
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.forms import DateTimeField
from kommunalschutz.foundation.core.validators import EVENT

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Web address"), max_length=50,
        help_text=_("Part of the page address, e.g. kommunalkonferenz-2025: lower-case letters, digits and "
                    "hyphens. It cannot be changed later."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Event.Kind.choices)
    venue = forms.CharField(label=_("Venue"), max_length=300)
    starts_at = DateTimeField(label=_("Begins"), kind=EVENT, widget=DateTimeInput(), input_formats=[DATETIME_FORMAT])
    ends_at = DateTimeField(label=_("Ends"), kind=EVENT, widget=DateTimeInput(), input_formats=[DATETIME_FORMAT])
    capacity = forms.IntegerField(label=_("Capacity (seats)"), min_value=1, max_value=100_000)
    registration_closes_at = DateTimeField(
        label=_("Registration closes"), kind=EVENT, required=False, widget=DateTimeInput(),
        input_formats=[DATETIME_FORMAT],
        help_text=_("Leave empty to accept registrations until the event begins."),
    )
    public_registration = forms.BooleanField(
        label=_("People without an account may register through the public link"), required=False)
    organiser = forms.ModelChoiceField(label=_("Organiser"), queryset=Organisation.objects.order_by(*german("name")),
                                       required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["slug"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The event must end after it begins."))
        return data


class RegistrationForm(forms.Form):
    """Registration by an invited user (``with_email=False``: their account's address is used) or the public."""

    first_name = forms.CharField(label=_("First name"), max_length=100,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=_("Last name"), max_length=100,
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                             help_text=_("We send the confirmation and a link to cancel to this address."))
    organisation_name = forms.CharField(label=_("Organisation"), max_length=200, required=False,
                                        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
                                        help_text=_("e.g. the town hall, the police directorate"))
    function = forms.CharField(label=_("Function"), max_length=200, required=False,
                               widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
                               help_text=_("e.g. mayor, head of the public order office; shown on your name badge"))
    attendee_role = forms.ChoiceField(label=_("Attending as"), choices=Registration.AttendeeRole.choices)
    consent = forms.BooleanField(
        label=_("I agree that my details are processed to organise this event (attendee list, name badge, "
                "e-mails about the event)."),
        error_messages={"required": _("Without your consent we cannot register you.")},
        # The purpose, stated in full below the field (templates/events/registration_form.html).
        widget=forms.CheckboxInput(attrs={"aria-describedby": "registration-purpose"}),
    )

    def __init__(self, *args: Any, with_email: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_email:
            del self.fields["email"]


class AttendeeFilterForm(forms.Form):
    q = forms.CharField(label=pgettext_lazy("search field", "Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("confirmed and waiting")), *list(Registration.Status.choices)])
    role = forms.ChoiceField(label=_("Attending as"), required=False,
                             choices=[("", _("all")), *list(Registration.AttendeeRole.choices)])
    attended = forms.ChoiceField(label=_("Attended"), required=False,
                                 choices=[("", _("all")), ("yes", _("yes")), ("no", _("no"))])


class InviteSearchForm(forms.Form):
    q = forms.CharField(label=_("Search people"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}),
                        help_text=_("Name, username, e-mail address or organisation"))


class InviteForm(forms.Form):
    users = forms.ModelMultipleChoiceField(
        label=_("People"), queryset=User.objects.filter(is_active=True, memberships__isnull=False).distinct(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Please choose at least one person.")},
    )
