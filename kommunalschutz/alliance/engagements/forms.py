"""Forms of the engagements app. They validate the shape of the input; the rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kommunalschutz.alliance.engagements.models import (
    BeccariaSteps,
    Coach,
    Competence,
    Consultation,
    Engagement,
    Fulfilment,
    FundingApplication,
    OfferType,
    SuccessCondition,
)
from kommunalschutz.foundation.accounts.models import Organisation, User
from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.core.forms import DateField, DateInput
from kommunalschutz.foundation.core.roles import Role
from kommunalschutz.foundation.registry.models import District, Municipality


def _date(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DateField:
    return DateField(label=label, required=required, widget=DateInput(), help_text=help_text)


def _area(label: Any, *, required: bool = False, rows: int = 4, help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}),
                           help_text=help_text)


def _money(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, max_digits=12, decimal_places=2, min_value=0,
                              help_text=help_text, localize=True,
                              widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))


class MunicipalityField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.ags})"


class ConsultationField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        engagement = obj.engagement
        return f"{engagement.started_on:%d.%m.%Y}: {engagement.title}"


def _set_queryset(form: forms.Form, name: str, queryset: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


def _municipalities() -> Any:
    return (Municipality.objects.filter(valid_until__isnull=True, land=states.current().key).defer("boundary")
            .order_by(*german("name")))


def _districts() -> Any:
    return District.objects.filter(land=states.current().key).defer("boundary").order_by(*german("name"))


def _owners() -> Any:
    return User.objects.filter(memberships__role=Role.COORDINATOR, is_active=True).distinct().order_by(
        *german("last_name", "first_name"))


# --- the offer catalogue ----------------------------------------------------------------------------------


class OfferTypeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.SlugField(label=_("Code"), max_length=50, help_text=_(
        "Short, unique and stable: lower-case letters, digits and hyphens; used in addresses and the API."))
    kind = forms.ChoiceField(label=_("Kind"), choices=OfferType.Kind.choices, initial=OfferType.Kind.GENERAL,
                             help_text=_("“General offer” needs nothing else: its engagements have offer, "
                                         "municipality, title, status, person responsible, dates and notes."))
    description = _area(_("Description"), rows=3)
    position = forms.IntegerField(label=_("Position in the catalogue"), min_value=0, max_value=1000, initial=100)
    active = forms.BooleanField(label=_("Offered (new engagements may use it)"), required=False, initial=True)


# --- engagements -----------------------------------------------------------------------------------------------


class TargetFieldsMixin(forms.Form):
    municipality = MunicipalityField(label=_("Municipality"), queryset=Municipality.objects.none(), required=False,
                                     empty_label=_("(none)"), to_field_name="ags")
    district = forms.ModelChoiceField(label=_("or district"), queryset=District.objects.none(), required=False,
                                      empty_label=_("(none)"), to_field_name="ags",
                                      help_text=_("Only for work with a whole district; leave the municipality "
                                                  "empty then."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "municipality", _municipalities())
        _set_queryset(self, "district", _districts())


class CoreFieldsMixin(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    status = forms.ChoiceField(label=_("Status"), choices=Engagement.Status.choices,
                               initial=Engagement.Status.PLANNED)
    owner = forms.ModelChoiceField(label=_("Person responsible (coordination office)"), queryset=User.objects.none(),
                                   required=False, empty_label=_("(none)"))
    started_on = _date(_("Date or start"), required=True)
    ended_on = _date(_("End"))
    notes = _area(_("Notes"), rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "owner", _owners())


def core_initial(engagement: Engagement) -> dict[str, Any]:
    return {"title": engagement.title, "status": engagement.status, "owner": engagement.owner_id,
            "started_on": engagement.started_on, "ended_on": engagement.ended_on, "notes": engagement.notes}


CORE_NAMES = ("title", "status", "owner", "started_on", "ended_on", "notes")


def core_values(cleaned: dict[str, Any]) -> dict[str, Any]:
    return {name: cleaned.get(name) for name in CORE_NAMES if name in cleaned} | {
        "owner": cleaned.get("owner"), "notes": cleaned.get("notes", "")}


class GeneralEngagementForm(CoreFieldsMixin, TargetFieldsMixin):
    pass


class GeneralEngagementEditForm(CoreFieldsMixin):
    pass


class ConsultationFieldsMixin(forms.Form):
    topics = _area(_("Topics"), required=True, rows=3)
    participating_organisations = forms.ModelMultipleChoiceField(
        label=_("Participating organisations"), queryset=Organisation.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."))
    other_participants = _area(_("Other participants"), rows=2)
    outcome = _area(_("Outcome"), rows=4)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "participating_organisations", Organisation.objects.order_by(*german("name")))
        self.fields["started_on"].label = _("Date of the consultation")
        self.fields["status"].initial = Engagement.Status.COMPLETED


class ConsultationForm(ConsultationFieldsMixin, CoreFieldsMixin, TargetFieldsMixin):
    pass


class ConsultationEditForm(ConsultationFieldsMixin, CoreFieldsMixin):
    pass


class CoachField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user.get_full_name() or obj.user.username)


class CoachingFieldsMixin(forms.Form):
    needs = forms.ModelMultipleChoiceField(
        label=_("Needs of the municipality"), queryset=Competence.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The suggested coaches are ranked by these needs."))
    coach = CoachField(label=_("Coach"), queryset=Coach.objects.none(), required=False, empty_label=_("(choose)"))
    goals = _area(_("Goals"), required=True, rows=4)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "needs", Competence.objects.order_by(*german("name")))
        _set_queryset(self, "coach", Coach.objects.select_related("user").order_by(
            *german("user__last_name", "user__first_name")))
        self.fields["started_on"].label = _("Start of the coaching")
        self.fields["status"].initial = Engagement.Status.ACTIVE


class CoachingForm(CoachingFieldsMixin, CoreFieldsMixin, TargetFieldsMixin):
    pass


class CoachingEditForm(CoachingFieldsMixin, CoreFieldsMixin):
    pass


class AnalysisFieldsMixin(forms.Form):
    contractor = forms.ModelChoiceField(label=_("Analysis contractor"), queryset=Organisation.objects.none(),
                                        required=False, empty_label=_("(none)"))
    sample_size = forms.IntegerField(label=_("Sample size"), required=False, min_value=1,
                                     help_text=_("e.g. 1,000 residents drawn from the population register"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "contractor", Organisation.objects.filter(
            kind=Organisation.Kind.ANALYSIS_CONTRACTOR).order_by(*german("name")))
        self.fields["started_on"].label = _("Kick-off")
        self.fields["started_on"].help_text = _("The default plan of about 20 weeks starts on this day.")
        self.fields["status"].initial = Engagement.Status.ACTIVE


class SecurityAnalysisForm(AnalysisFieldsMixin, CoreFieldsMixin, TargetFieldsMixin):
    pass


class SecurityAnalysisEditForm(AnalysisFieldsMixin, CoreFieldsMixin):
    pass


class FundingFieldsMixin(forms.Form):
    funding_year = forms.IntegerField(label=_("Funding year"), min_value=2000, max_value=2100)
    project_title = forms.CharField(label=_("Project"), max_length=300)
    total_costs = _money(_("Eligible costs (EUR)"))
    requested_amount = _money(_("Requested amount (EUR)"), help_text=_(
        "At most 90 per cent of the eligible costs: the municipality pays at least 10 per cent itself."))
    in_kind_contribution = _money(_("Of the own share in kind (EUR)"), required=False)
    submitted_on = _date(_("Submitted on"), required=True, help_text=_(
        "Applications are accepted from 31 August to 15 October of the year before the funding year."))
    prior_consultation = ConsultationField(
        label=_("Prior consultation with the coordination office"), queryset=Consultation.objects.none(),
        required=False, empty_label=_("(choose)"),
        help_text=_("A consultation of the same municipality or district on or before the submission."))
    problem_description = _area(_("1 Problem description"))
    cause_analysis = _area(_("2 Cause analysis"))
    goals = _area(_("3 Goals (prevention and project goals, target groups)"))
    measures = _area(_("4 Choice of measures"))
    concept_and_implementation = _area(_("5 Concept and implementation"))
    effect_check = _area(_("6 Checking the effect (plan against actual)"))
    conclusions = _area(_("7 Conclusions and documentation"))

    def __init__(self, *args: Any, consultations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if consultations is None:
            consultations = (Consultation.objects.select_related("engagement")
                             .exclude(engagement__status=Engagement.Status.CANCELLED)
                             .order_by("-engagement__started_on"))
        _set_queryset(self, "prior_consultation", consultations)
        # The engagement's date is the submission; its own date field would only repeat it.
        for name in ("started_on", "ended_on"):
            self.fields.pop(name, None)
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Leave empty to use the project's name.")
        self.fields["status"].initial = Engagement.Status.ACTIVE

    def funding_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {name: data.get(name) for name in (
            "funding_year", "project_title", "total_costs", "requested_amount", "submitted_on",
            "prior_consultation")}
        values["in_kind_contribution"] = data.get("in_kind_contribution") or 0
        return values

    def steps(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in BeccariaSteps.BECCARIA_FIELDS}


class FundingForm(FundingFieldsMixin, CoreFieldsMixin, TargetFieldsMixin):
    pass


class FundingEditForm(FundingFieldsMixin, CoreFieldsMixin):
    pass


FORMS: dict[str, tuple[type[forms.Form], type[forms.Form]]] = {
    OfferType.Kind.GENERAL: (GeneralEngagementForm, GeneralEngagementEditForm),
    OfferType.Kind.CONSULTATION: (ConsultationForm, ConsultationEditForm),
    OfferType.Kind.COACHING: (CoachingForm, CoachingEditForm),
    OfferType.Kind.SECURITY_ANALYSIS: (SecurityAnalysisForm, SecurityAnalysisEditForm),
    OfferType.Kind.FUNDING: (FundingForm, FundingEditForm),
}


class EngagementFilterForm(forms.Form):
    offer = forms.ModelChoiceField(label=_("Offer"), queryset=OfferType.objects.none(), required=False,
                                   empty_label=_("all offers"), to_field_name="code")
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("all")), *Engagement.Status.choices])
    municipality = MunicipalityField(label=_("Municipality"), queryset=Municipality.objects.none(), required=False,
                                     empty_label=_("all municipalities"), to_field_name="ags")
    district = forms.ModelChoiceField(label=_("District"), queryset=District.objects.none(), required=False,
                                      empty_label=_("all districts"), to_field_name="ags")
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("Only analyses with overdue phases"), required=False)

    def __init__(self, *args: Any, years: list[int] | None = None, municipalities: Any = None,
                 districts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "offer", OfferType.objects.order_by("position", *german("name")))
        # Only what the user may see (engagements.selectors.filter_targets); all of the state if not given.
        _set_queryset(self, "municipality", _municipalities() if municipalities is None else municipalities)
        _set_queryset(self, "district", _districts() if districts is None else districts)
        year_field = self.fields["year"]
        assert isinstance(year_field, forms.TypedChoiceField)
        year_field.choices = [("", _("all years")), *[(str(y), str(y)) for y in (years or [])]]


# --- details of each kind ------------------------------------------------------------------------------------


class FollowUpTaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300)
    assignee = forms.CharField(label=_("Responsible"), max_length=200, required=False)
    due_on = _date(_("Due on"), required=True)


class SessionForm(forms.Form):
    held_on = _date(_("Held on"), required=True)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=1440, initial=90)
    topics = _area(_("Topics"), required=True, rows=3)
    notes = _area(_("Notes"), rows=3)


class CloseCoachingForm(forms.Form):
    """One rating and comment per success condition (DOMAIN.md 1.1), plus a summary and the closing date."""

    closed_on = _date(_("Closed on"), required=True)
    evaluation_summary = _area(_("Summary of the closing evaluation"), required=True, rows=4)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in SuccessCondition.choices:
            self.fields[value] = forms.ChoiceField(label=label, choices=Fulfilment.choices,
                                                   widget=forms.RadioSelect, required=True)
            self.fields[f"{value}_comment"] = _area(_("Comment"), rows=2)

    def conditions(self) -> list[tuple[Any, Any]]:
        """(rating field, comment field) per condition, for the template's fieldsets."""
        return [(self[value], self[f"{value}_comment"]) for value in SuccessCondition.values]

    def evaluations(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {value: (data.get(value, ""), data.get(f"{value}_comment", "")) for value in SuccessCondition.values}


class PhaseForm(forms.Form):
    planned_start = _date(_("Planned start"), required=True)
    planned_end = _date(_("Planned end"), required=True)
    actual_start = _date(_("Actual start"))
    actual_end = _date(_("Actual end"))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=FundingApplication.Decision.choices)
    decided_on = _date(_("Decided on"))
    approved_amount = _money(_("Approved amount (EUR)"), required=False,
                             help_text=_("Only for an approval; at most the requested amount."))


class UseOfFundsForm(forms.Form):
    use_of_funds_report = _area(_("Report on the use of funds"), required=True, rows=6)
    report_submitted_on = _date(_("Report submitted on"), required=True)


# --- the coach pool --------------------------------------------------------------------------------------------


class CoachForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person (role “coach”)"), queryset=User.objects.none(),
                                  empty_label=_("(choose)"))
    institute = forms.ModelChoiceField(label=_("Coaching institute"), queryset=Organisation.objects.none(),
                                       required=False, empty_label=_("(none)"))
    competences = forms.ModelMultipleChoiceField(label=_("Competences"), queryset=Competence.objects.none(),
                                                 required=False, widget=forms.CheckboxSelectMultiple)
    regions = forms.ModelMultipleChoiceField(label=_("Regions (districts)"), queryset=District.objects.none(),
                                             required=False, widget=forms.CheckboxSelectMultiple)
    capacity = forms.IntegerField(label=_("Parallel processes"), min_value=1, max_value=50, initial=3)
    active = forms.BooleanField(label=_("Available for new processes"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields.pop("user")
        else:
            _set_queryset(self, "user", (
                User.objects.filter(memberships__role=Role.COACH, coach_profile__isnull=True)
                .distinct().order_by(*german("last_name", "first_name"))))
        _set_queryset(self, "institute", Organisation.objects.filter(
            kind=Organisation.Kind.COACHING_INSTITUTE).order_by(*german("name")))
        _set_queryset(self, "competences", Competence.objects.order_by(*german("name")))
        _set_queryset(self, "regions", _districts())


class CompetenceForm(forms.Form):
    name = forms.CharField(label=_("New competence"), max_length=200)
    code = forms.SlugField(label=_("Code"), max_length=50)
