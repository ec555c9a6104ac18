"""The offer catalogue and the engagements of municipalities with its offers.

Every engagement has the same core (offer, municipality or district, status, owner, dates,
notes). Offer types of the kinds consultation, coaching, security analysis and funding carry
a detail record with their own fields; any other offer type the coordination office adds
(kind "general") needs no code: it uses the core alone. See docs/alliance.md.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kommunalschutz.alliance.programme.models import LocalAuthorityTarget, SyntheticMarker


class OfferType(models.Model):
    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("consultation")
        COACHING = "coaching", _("coaching")
        SECURITY_ANALYSIS = "security_analysis", _("security analysis")
        FUNDING = "funding", _("funding")
        GENERAL = "general", _("general offer")

    code = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.GENERAL)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        ordering: ClassVar[list[str]] = ["position", "name"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # The services refuse a name that differs only in case; this keeps it so under concurrency.
            models.UniqueConstraint(Lower("name"), name="offer_type_name_unique_ignoring_case"),
        ]
        verbose_name = _("offer type")
        verbose_name_plural = _("offer types")

    def __str__(self) -> str:
        return self.name


class Engagement(LocalAuthorityTarget, SyntheticMarker):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        ACTIVE = "active", _("in progress")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    offer_type = models.ForeignKey(OfferType, on_delete=models.PROTECT, related_name="engagements",
                                   verbose_name=_("offer"))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("owner"))
    # For a consultation the day it took place, for a coaching process or a security
    # analysis its start (kick-off), for a funding application the day it was submitted.
    # The programme figures count engagements by this date.
    started_on = models.DateField(_("date / start"))
    ended_on = models.DateField(_("end"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta(LocalAuthorityTarget.Meta):
        ordering: ClassVar[list[str]] = ["-started_on", "pk"]
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["offer_type", "started_on"], name="engagement_offer_started"),
            models.Index(fields=["municipality", "started_on"], name="engagement_muni_started"),
        ]

    def __str__(self) -> str:
        return self.title


class Consultation(models.Model):
    engagement = models.OneToOneField(Engagement, primary_key=True, on_delete=models.CASCADE,
                                      related_name="consultation")
    topics = models.TextField(_("topics"))
    participating_organisations = models.ManyToManyField(
        "accounts.Organisation", blank=True, related_name="+", verbose_name=_("participating organisations"))
    other_participants = models.TextField(_("other participants"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self) -> str:
        return str(self.engagement)


class FollowUpTask(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=300)
    assignee = models.CharField(_("responsible"), max_length=200, blank=True)
    due_on = models.DateField(_("due on"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["due_on", "pk"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")

    def __str__(self) -> str:
        return self.title


class Competence(models.Model):
    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(Lower("name"), name="competence_name_unique_ignoring_case"),
        ]
        verbose_name = _("competence")
        verbose_name_plural = _("competences")

    def __str__(self) -> str:
        return self.name


class Coach(models.Model):
    """A member of the coach pool (about 30 people, coordinated by an external institute)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coach_profile",
                                verbose_name=_("account"))
    institute = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="coaches", verbose_name=_("coaching institute"))
    competences = models.ManyToManyField(Competence, blank=True, related_name="coaches",
                                         verbose_name=_("competences"))
    regions = models.ManyToManyField("registry.District", blank=True, related_name="coaches",
                                     verbose_name=_("regions"))
    capacity = models.PositiveSmallIntegerField(_("parallel processes"), default=3)
    active = models.BooleanField(_("available"), default=True)
    is_synthetic = models.BooleanField(_("synthetic (demo data)"), default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["user__last_name", "user__first_name"]
        verbose_name = _("coach")
        verbose_name_plural = _("coaches")

    def __str__(self) -> str:
        return str(self.user)


class SuccessCondition(models.TextChoices):
    """Conditions for successful coaching seen in the programme's review (DOMAIN.md 1.1)."""

    MOTIVATED_CONTACT = "motivated_contact", _("a motivated contact person")
    PROJECT_VISION = "project_vision", _("a concrete project vision")
    OPEN_TO_ACCOMPANIMENT = "open_to_accompaniment", _("openness to being accompanied")
    WILLING_TO_NETWORK = "willing_to_network", _("willingness to network")
    REGULAR_EXCHANGE = "regular_exchange", _("regular exchange")


class Fulfilment(models.TextChoices):
    MET = "met", _("met")
    PARTLY = "partly", _("partly met")
    NOT_MET = "not_met", _("not met")


class CoachingProcess(models.Model):
    engagement = models.OneToOneField(Engagement, primary_key=True, on_delete=models.CASCADE,
                                      related_name="coaching")
    coach = models.ForeignKey(Coach, on_delete=models.PROTECT, related_name="processes", verbose_name=_("coach"))
    # What the municipality asked for; the coach suggestions are ranked against these.
    needs = models.ManyToManyField(Competence, blank=True, related_name="+", verbose_name=_("needs"))
    goals = models.TextField(_("goals"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    evaluation_summary = models.TextField(_("closing evaluation"), blank=True)

    class Meta:
        verbose_name = _("coaching process")
        verbose_name_plural = _("coaching processes")

    def __str__(self) -> str:
        return str(self.engagement)


class CoachingEvaluation(models.Model):
    """The closing evaluation, one row per success condition."""

    process = models.ForeignKey(CoachingProcess, on_delete=models.CASCADE, related_name="evaluations")
    condition = models.CharField(_("success condition"), max_length=30, choices=SuccessCondition.choices)
    fulfilment = models.CharField(_("fulfilment"), max_length=10, choices=Fulfilment.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["process", "pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["process", "condition"], name="coaching_evaluation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_condition_display()}: {self.get_fulfilment_display()}"


class CoachingSession(models.Model):
    process = models.ForeignKey(CoachingProcess, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("held on"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=90)
    topics = models.TextField(_("topics"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["held_on", "pk"]
        verbose_name = _("coaching session")
        verbose_name_plural = _("coaching sessions")

    def __str__(self) -> str:
        return f"{self.process}: {self.held_on:%d.%m.%Y}"


class SecurityAnalysis(models.Model):
    engagement = models.OneToOneField(Engagement, primary_key=True, on_delete=models.CASCADE,
                                      related_name="security_analysis")
    contractor = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("analysis contractor"))
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, blank=True)

    class Meta:
        verbose_name = _("security analysis")
        verbose_name_plural = _("security analyses")

    def __str__(self) -> str:
        return str(self.engagement)


class AnalysisPhase(models.Model):
    """The phases of DOMAIN.md 2.4 with planned and actual dates (about 20 weeks in all)."""

    class Phase(models.TextChoices):
        KICK_OFF = "kick_off", _("kick-off")
        REGISTER_EXTRACT = "register_extract", _("population register extract and sample")
        QUESTIONNAIRE = "questionnaire", _("questionnaire and cover letter")
        FIELDWORK = "fieldwork", _("mailing, online option and reminders")
        RETURNS = "returns", _("returns and data entry")
        ANALYSIS = "analysis", _("analysis")
        FINAL_REPORT = "final_report", _("final report")
        PRESENTATION = "presentation", _("public presentation with the police")

    analysis = models.ForeignKey(SecurityAnalysis, on_delete=models.CASCADE, related_name="phases")
    phase = models.CharField(_("phase"), max_length=30, choices=Phase.choices)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["analysis", "planned_start", "pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["analysis", "phase"], name="analysis_phase_once"),
        ]
        verbose_name = _("analysis phase")
        verbose_name_plural = _("analysis phases")

    def __str__(self) -> str:
        return self.get_phase_display()


class BeccariaSteps(models.Model):
    """The seven Beccaria steps (DOMAIN.md 2.3) as structured sections."""

    problem_description = models.TextField(_("1 problem description"), blank=True)
    cause_analysis = models.TextField(_("2 cause analysis"), blank=True)
    goals = models.TextField(_("3 goals (prevention and project goals, target groups)"), blank=True)
    measures = models.TextField(_("4 choice of measures"), blank=True)
    concept_and_implementation = models.TextField(_("5 concept and implementation"), blank=True)
    effect_check = models.TextField(_("6 checking the effect (plan against actual)"), blank=True)
    conclusions = models.TextField(_("7 conclusions and documentation"), blank=True)

    BECCARIA_FIELDS: ClassVar[tuple[str, ...]] = (
        "problem_description", "cause_analysis", "goals", "measures", "concept_and_implementation",
        "effect_check", "conclusions",
    )

    class Meta:
        abstract = True


class FundingApplication(BeccariaSteps):
    """An application under the state guideline for municipal prevention."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    engagement = models.OneToOneField(Engagement, primary_key=True, on_delete=models.CASCADE,
                                      related_name="funding")
    funding_year = models.PositiveSmallIntegerField(_("funding year"))
    project_title = models.CharField(_("project"), max_length=300)
    total_costs = models.DecimalField(_("eligible costs (EUR)"), max_digits=12, decimal_places=2)
    requested_amount = models.DecimalField(_("requested amount (EUR)"), max_digits=12, decimal_places=2)
    in_kind_contribution = models.DecimalField(_("of the own share in kind (EUR)"), max_digits=12,
                                               decimal_places=2, default=0)
    submitted_on = models.DateField(_("submitted on"))
    prior_consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="+",
                                           verbose_name=_("prior consultation with the coordination office"))
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, default=Decision.PENDING)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    approved_amount = models.DecimalField(_("approved amount (EUR)"), max_digits=12, decimal_places=2,
                                          null=True, blank=True)
    use_of_funds_report = models.TextField(_("report on the use of funds"), blank=True)
    report_submitted_on = models.DateField(_("report submitted on"), null=True, blank=True)

    class Meta:
        verbose_name = _("funding application")
        verbose_name_plural = _("funding applications")

    def __str__(self) -> str:
        return self.project_title
