"""Forms of the intake. They parse input; cases.incidents checks the incident, intake.reporting writes.

Most fields are optional here on purpose: the service names every problem at its field in one pass
(required fields, dates in the future, a missing platform...), so a form that stopped earlier would
show fewer problems at a time.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.forms import DateInput
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.protection.cases.incidents import INCIDENT_FIELDS, TEXT_LIMITS
from kommunalschutz.protection.cases.models import (
    AffectedRole,
    Channel,
    ComplaintWish,
    IncidentType,
    PerpetratorKind,
    Place,
    PoliceConsent,
    Tristate,
    Urgency,
)
from kommunalschutz.protection.intake import steps
from kommunalschutz.protection.intake.inputs import no_control_characters


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker (local time, Europe/Berlin)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M", **kwargs)


def _area(label: Any, field: str, *, rows: int = 3, help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows, "maxlength": TEXT_LIMITS[field]}))


def _line(label: Any, field: str, *, help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, help_text=help_text,
                           widget=forms.TextInput(attrs={"maxlength": TEXT_LIMITS[field]}))


def _radios(label: Any, choices: Any, *, initial: Any = None) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=choices, required=False, widget=forms.RadioSelect,
                             initial=initial)


def refuse_control_characters(form: forms.BaseForm) -> None:
    """Every text field of the form refuses control characters (Django refuses only NUL on its own)."""
    for field in form.fields.values():
        if isinstance(field, forms.CharField):
            field.validators.append(no_control_characters)


class IncidentForm(forms.Form):
    """The incident, grouped as the page shows it (see ``groups``)."""

    REPORT_FOR_CHOICES = (("self", _("for myself")), ("on_behalf", _("on behalf of someone else")))

    report_for = forms.ChoiceField(label=_("Whom is this report for?"), choices=REPORT_FOR_CHOICES,
                                   widget=forms.RadioSelect, initial="self", required=False)
    # What
    description = forms.CharField(
        label=_("What happened?"), required=False,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": TEXT_LIMITS["description"]}),
        help_text=_("In your own words: what was said, written or done. Quote threats word for word if you can."))
    incident_types = forms.MultipleChoiceField(label=_("Type of incident (one or more)"), choices=IncidentType.choices,
                                               required=False, widget=forms.CheckboxSelectMultiple)
    # When
    occurred_at = forms.DateTimeField(label=_("Date and time of the incident"), required=False,
                                      widget=DateTimeInput(),
                                      help_text=_("For a single incident. For repeated acts, give the period below."))
    period_start = forms.DateField(label=_("Repeated acts from"), required=False, widget=DateInput())
    period_end = forms.DateField(label=_("Repeated acts until"), required=False, widget=DateInput(),
                                 help_text=_("Leave empty if it is still going on."))
    # Where
    municipality = forms.ModelChoiceField(label=_("Municipality where it happened"),
                                          queryset=Municipality.objects.none(), required=False,
                                          empty_label=_("(please choose)"))
    place = _radios(_("Place of the incident"), Place.choices)
    place_detail = _line(_("Details of the place (optional)"), "place_detail")
    # How
    channel = _radios(_("How did it reach you?"), Channel.choices)
    platform = _line(_("Platform (for social media)"), "platform",
                     help_text=_("For example Facebook, X, Instagram, Telegram, TikTok."))
    # Who is affected
    affected_role = _radios(_("Role of the affected person"), AffectedRole.choices)
    affected_name = _line(_("Name of the affected person"), "affected_name")
    affected_contact = _line(_("How can the case team reach the affected person?"), "affected_contact",
                             help_text=_("Telephone number or e-mail address."))
    office_relation = _area(_("Relation to the office or mandate (optional)"), "office_relation", rows=2,
                            help_text=_("For example: after a council decision on a refugee shelter."))
    # Perpetrator
    perpetrator_kind = _radios(_("Who did it?"), PerpetratorKind.choices, initial=PerpetratorKind.UNKNOWN)
    perpetrator_known_to_victim = _radios(_("Does the affected person know the perpetrator?"), Tristate.choices,
                                          initial=Tristate.UNKNOWN)
    perpetrator_details = _area(_("What do you know about the perpetrator? (optional)"), "perpetrator_details")
    witnesses = _area(_("Witnesses (optional)"), "witnesses",
                      help_text=_("Who saw or heard it: names and how to reach them, as far as you know. Stored "
                                  "encrypted; only the case team reads it."))
    # Complaint
    complaint_filed = forms.BooleanField(label=_("A criminal complaint has been filed"), required=False)
    complaint_file_number = _line(_("File number of the complaint (optional)"), "complaint_file_number")
    complaint_police_station = _line(_("Police station (optional)"), "complaint_police_station")
    complaint_wanted = _radios(_("If no complaint has been filed yet: do you want to file one?"),
                               ComplaintWish.choices, initial=ComplaintWish.UNDECIDED)
    police_consent = _radios(_("May the case team pass your report on to the police?"), PoliceConsent.choices,
                             initial=PoliceConsent.NOT_STATED)
    politically_motivated = _radios(_("Do you think the act was politically motivated?"), Tristate.choices,
                                    initial=Tristate.UNKNOWN)
    # Urgency and danger
    urgency = _radios(_("How urgent is it for you?"), Urgency.choices, initial=Urgency.MEDIUM)
    danger_now = forms.BooleanField(label=_("I am (the affected person is) in danger right now"), required=False)
    threat_to_life = forms.BooleanField(label=_("Life or limb has been threatened"), required=False)

    GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
        (_("Whom the report is for"), ("report_for",)),
        (_("What happened"), ("description", "incident_types")),
        (_("When it happened"), ("occurred_at", "period_start", "period_end")),
        (_("Where it happened"), ("municipality", "place", "place_detail")),
        (_("How it reached the affected person"), ("channel", "platform")),
        (_("Who is affected"), ("affected_role", "affected_name", "affected_contact", "office_relation")),
        (_("The perpetrator"), ("perpetrator_kind", "perpetrator_known_to_victim", "perpetrator_details")),
        (_("Criminal complaint and motivation"), ("complaint_filed", "complaint_file_number",
                                                  "complaint_police_station", "politically_motivated")),
        (_("Urgency and danger"), ("urgency", "danger_now", "threat_to_life")),
    )
    # Marked as required in the page (the service checks them).
    REQUIRED = frozenset({"description", "incident_types", "municipality", "place", "channel", "affected_role"})

    def __init__(self, *args: Any, on_behalf_allowed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = (  # type: ignore[attr-defined]
            Municipality.objects.filter(land=states.current().key, valid_until__isnull=True).order_by(*german("name")))
        if not on_behalf_allowed:
            del self.fields["report_for"]
        for name in self.REQUIRED:
            field = self.fields[name]
            field.widget.attrs["aria-required"] = "true"
            field.label = _("%(label)s (required)") % {"label": field.label}
        refuse_control_characters(self)

    def groups(self) -> list[tuple[Any, list[BoundField]]]:
        """The fieldsets of the page: (legend, bound fields), only fields this form has."""
        return [(legend, [self[name] for name in names if name in self.fields])
                for legend, names in self.GROUPS if any(name in self.fields for name in names)]

    def incident_data(self) -> dict[str, Any]:
        """What the service checks: the parsed values, and the raw text of fields that did not parse
        (so the service still sees that something was entered)."""
        cleaned = getattr(self, "cleaned_data", {})
        data: dict[str, Any] = {}
        for name in INCIDENT_FIELDS:
            if name not in self.fields:
                continue
            if name in cleaned:
                value = cleaned[name]
                data[name] = "" if value is None else value
            elif name in self.errors:
                continue
        return data

    @property
    def on_behalf(self) -> bool:
        return "report_for" in self.fields and getattr(self, "cleaned_data", {}).get("report_for") == "on_behalf"


class AnonymousReportForm(IncidentForm):
    """The public form: the incident without names and accounts, and the passphrase for the way back."""

    passphrase = forms.CharField(
        label=_("Choose a passphrase (at least 10 characters)"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "maxlength": 200}),
        help_text=_("With your receipt code and this passphrase you can read answers and add evidence later. "
                    "Nobody can reset it for you."))
    passphrase_repeat = forms.CharField(
        label=_("Repeat the passphrase"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "maxlength": 200}))

    GROUPS = (
        *(group for group in IncidentForm.GROUPS if group[1] != ("report_for",)),
        (_("Your passphrase for the way back"), ("passphrase", "passphrase_repeat")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, on_behalf_allowed=False, **kwargs)
        # No names in the anonymous form, and nothing the case team would have to ask back about: witnesses,
        # the wish for a complaint and the consent to pass it on belong to a reporter who can be reached.
        for name in ("affected_name", "affected_contact", "witnesses", "complaint_wanted", "police_consent"):
            del self.fields[name]
        for name in ("passphrase", "passphrase_repeat"):
            self.fields[name].widget.attrs["aria-required"] = "true"


class FollowUpForm(forms.Form):
    receipt = forms.CharField(label=_("Receipt code (16 digits)"), max_length=40, required=False,
                              widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                                            "aria-required": "true"}))
    passphrase = forms.CharField(label=_("Passphrase"), required=False, strip=False, max_length=200,
                                 widget=forms.PasswordInput(attrs={"autocomplete": "current-password",
                                                                   "aria-required": "true"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)


class ReporterReplyForm(forms.Form):
    body = forms.CharField(label=_("Your message to the case team"), required=False,
                           widget=forms.Textarea(attrs={"rows": 5, "maxlength": 20_000}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "reply")
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)


# --- the report in steps (decision 0021) -------------------------------------------------------------------

_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "Ä": "a", "Ö": "o", "Ü": "u"})


def german_sort_key(name: str) -> str:
    """Names in German dictionary order (DIN 5007-1: ä as a, ß as ss), independent of the server's locale."""
    return name.translate(_UMLAUTS).casefold()


def municipality_choices() -> list[tuple[str, Any]]:
    """The state's current municipalities grouped by district (the district's name as the group label), both in
    German alphabetical order, after an empty "please choose"."""
    groups: dict[str, list[tuple[str, str]]] = {}
    rows = (Municipality.objects.filter(land=states.current().key, valid_until__isnull=True)
            .values_list("pk", "name", "district__name"))
    for pk, name, district in rows:
        groups.setdefault(district, []).append((str(pk), name))
    choices: list[tuple[str, Any]] = [("", _("(please choose)"))]
    for district in sorted(groups, key=german_sort_key):
        choices.append((district, sorted(groups[district], key=lambda item: german_sort_key(item[1]))))
    return choices


class FirstStepForm(IncidentForm):
    """Step 1 of a report by a signed-in person: only what the case team needs to act, and files.

    For a self-report the affected person is the account (name, role and contact are shown, not asked); the
    role of the office is asked only while no earlier self-report says it (``ask_role``). On behalf, the
    person's name, role and contact are asked. The municipality is a select grouped by district, preselected
    from the reporter's organisation (``municipality_initial``).
    """

    municipality = forms.ChoiceField(label=_("Municipality where it happened"), required=False, choices=())  # type: ignore[assignment]
    evidence_file = forms.FileField(
        label=_("Attach a file (optional)"), required=False, allow_empty_file=True,
        help_text=_("A photo, screenshot, PDF, an e-mail saved as .eml or a text file. More files and online "
                    "content can be added in the next step."))
    evidence_description = forms.CharField(label=_("What does the file show? (optional)"), required=False,
                                           max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    GROUPS = (
        (_("Whom the report is for"), ("report_for",)),
        (_("Who is affected"), ("affected_name", "affected_role", "affected_contact")),
        (_("What happened"), ("description", "incident_types", "channel", "platform")),
        (_("When it happened"), ("occurred_at", "period_start", "period_end")),
        (_("Where it happened"), ("municipality", "place")),
        (_("Danger now"), ("danger_now", "threat_to_life")),
        (_("Evidence (optional)"), ("evidence_file", "evidence_description")),
    )

    def __init__(self, *args: Any, on_behalf_allowed: bool = False, ask_role: bool = True,
                 municipality_initial: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, on_behalf_allowed=on_behalf_allowed, **kwargs)
        for name in list(self.fields):
            if name in steps.INCIDENT_FIELDS_OF_LATER_STEPS:
                del self.fields[name]
        self.ask_role = ask_role
        field = self.fields["municipality"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = municipality_choices()
        field.widget.attrs.update({"aria-required": "true", "data-municipality-select": "", "autocomplete": "off",
                                   "data-filter-label": _("Search the list (name of the municipality or "
                                                          "district)"),
                                   "data-filter-count": _("Matches: %(count)s")})
        field.label = _("%(label)s (required)") % {"label": _("Municipality where it happened")}
        field.help_text = _("Grouped by district. Type the first letters to jump to a municipality.")
        if municipality_initial is not None:
            field.initial = str(municipality_initial)
        self.fields["affected_name"].help_text = _("Only when you report on behalf of someone else.")
        self.fields["affected_contact"].help_text = _("Only when you report on behalf of someone else: "
                                                      "a telephone number or e-mail address.")
        if not ask_role and not on_behalf_allowed:
            del self.fields["affected_role"]
        elif not on_behalf_allowed:
            self.fields["affected_role"].label = _("%(label)s (required)") % {"label": _("Your office or mandate")}
            self.fields["affected_role"].help_text = _("Asked once; your next report takes it from this one.")
        if not on_behalf_allowed:
            # A self-report: the affected person is the account, nothing to ask.
            del self.fields["affected_name"]
            del self.fields["affected_contact"]
        elif not ask_role:
            self.fields["affected_role"].help_text = _("Only when you report on behalf of someone else; for "
                                                       "your own report the role of your earlier report is used.")
        self.fields["danger_now"].help_text = _("Tick this if something could happen soon. In acute danger "
                                                "call the police emergency number 110 first.")
        refuse_control_characters(self)

    def clean_evidence_file(self) -> Any:
        upload = self.cleaned_data.get("evidence_file")
        return upload or None


class StepForm(IncidentForm):
    """One of the later, optional steps: the incident fields of that step only, shown with their current
    values (``initial`` from the case)."""

    def __init__(self, *args: Any, step: steps.Step, **kwargs: Any) -> None:
        super().__init__(*args, on_behalf_allowed=False, **kwargs)
        self.step = step
        for name in list(self.fields):
            if name not in step.fields:
                del self.fields[name]
        for field in self.fields.values():
            # Nothing in a later step is required: the labels say "(required)" only in step 1.
            field.widget.attrs.pop("aria-required", None)
        if "affected_role" in self.fields:
            self.fields["affected_role"].label = _("Role of the affected person")
        if "police_consent" in self.fields:
            self.fields["police_consent"].help_text = _(
                "The police contacts of the responsible police directorate belong to the case team and read your "
                "report in any case. This asks whether the case team may pass it on, with your name, to the "
                "police who investigate, for example for a criminal complaint.")

    def groups(self) -> list[tuple[Any, list[BoundField]]]:
        return [(self.step.title, [self[name] for name in self.step.fields if name in self.fields])]
