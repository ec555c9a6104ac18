"""Survey projects and their questionnaires (DOMAIN.md §2.4).

A survey project is one citizen survey (one wave) of one municipality. Its parts live in four apps:
``surveys`` (the project, questionnaires and the item bank, the estimation core), ``sampling`` (the
population register extract, the sample, letters and their tracking), ``responses`` (online and paper
answers) and ``findings`` (weighting, estimates, the discrepancy view, the report and exports).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kommunalschutz.alliance.programme.models import SyntheticMarker

# Age groups of the sample's strata and of weighting (age on the project's reference date).
AGE_GROUPS: tuple[tuple[str, int, int | None], ...] = (
    ("16-24", 16, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-54", 45, 54),
    ("55-64", 55, 64),
    ("65-74", 65, 74),
    ("75+", 75, None),
)


class Sex(models.TextChoices):
    """Sex as the population register records it (divers and "ohne Angabe" together as d)."""

    MALE = "m", _("male")
    FEMALE = "w", _("female")
    DIVERSE = "d", _("diverse / not stated")


class SurveyProject(SyntheticMarker):
    class Status(models.TextChoices):
        PREPARATION = "preparation", _("preparation")
        SAMPLING = "sampling", _("sample drawn")
        FIELD = "field", _("in the field")
        ANALYSIS = "analysis", _("analysis")
        REPORTED = "reported", _("final report")

    municipality = models.ForeignKey("registry.Municipality", on_delete=models.PROTECT,
                                     related_name="survey_projects", verbose_name=_("municipality"))
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(_("survey year"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREPARATION)
    # The alliance's security analysis this survey belongs to (its phases follow the survey's progress).
    security_analysis = models.OneToOneField(
        "engagements.SecurityAnalysis", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="survey_project", verbose_name=_("security analysis of the alliance"),
    )
    # The analysis contractor whose analysts work on the survey (need to know: only they and the
    # municipality see the register, addresses and answers).
    contractor = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="survey_projects", verbose_name=_("analysis contractor"))
    reference_date = models.DateField(_("reference date for ages"))
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), default=16)
    field_start = models.DateField(_("start of the field period"), null=True, blank=True)
    field_end = models.DateField(_("end of the field period"), null=True, blank=True)
    # Paper forms are keyed twice by different people and compared (responses.PaperEntry).
    double_entry = models.BooleanField(_("double-entry check for paper forms"), default=True)
    # The municipality's crest for letters and the report (PNG or JPEG, checked from its bytes).
    crest = models.BinaryField(_("crest"), null=True, blank=True, editable=False)
    crest_type = models.CharField(max_length=30, blank=True)
    # The recommendations section of the final report, written by the analyst.
    recommendations = models.TextField(_("recommendations"), blank=True)
    # When the final report was released (the project's status became "reported").
    reported_at = models.DateTimeField(_("final report released at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["-year", "municipality__name", "pk"]
        verbose_name = _("survey project")
        verbose_name_plural = _("survey projects")

    def __str__(self) -> str:
        return self.title


class Questionnaire(models.Model):
    """One version of a project's questionnaire. Once frozen (the field period began) it never changes;
    a change makes a new version."""

    project = models.ForeignKey(SurveyProject, on_delete=models.CASCADE, related_name="questionnaires")
    version = models.PositiveIntegerField(_("version"))
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    intro_de = models.TextField(_("introduction (German)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["project", "version"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["project", "version"], name="questionnaire_version_once"),
        ]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self) -> str:
        return f"{self.title_de} (v{self.version})"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class Block(models.TextChoices):
    """The question blocks of DOMAIN.md §2.4, in questionnaire order."""

    LIFE = "life", _("satisfaction with life and housing")
    SAFETY = "safety", _("perceived safety")
    PLACES = "places", _("safety at named places")
    FEAR = "fear", _("fear of specific crimes")
    VICTIMISATION = "victimisation", _("victimisation and reporting")
    DISORDER = "disorder", _("perceived disorder")
    BEHAVIOUR = "behaviour", _("avoidance and protective behaviour")
    TRUST = "trust", _("trust in police and administration")
    ENFORCEMENT = "enforcement", _("municipal enforcement service")
    DEMOGRAPHICS = "demographics", _("demographics")


# Codes of the two extra answers of a 5-point scale; 1..5 are the scale points.
DONT_USE = 8
DONT_KNOW = 9


class Item(models.Model):
    """One question. Answers are stored under ``code`` (the variable name in exports and estimates).

    - single: one of ``options`` (``[{"code": 1, "de": "…", "en": "…"}, …]``)
    - multiple: any subset of ``options`` (stored as a list of codes)
    - scale: 1..5 with the labels of ``options``, plus DONT_USE / DONT_KNOW where allowed
    - number: an integer between ``minimum`` and ``maximum``
    - text: free text (never exported in microdata)
    ``show_if`` is the filter: ``{"item": "<code>", "values": [codes]}``; a question whose filter is not
    met is skipped (online) and must stay empty (paper entry).
    """

    class Kind(models.TextChoices):
        SINGLE = "single", _("single choice")
        MULTIPLE = "multiple", _("multiple choice")
        SCALE = "scale", _("5-point scale")
        NUMBER = "number", _("number")
        TEXT = "text", _("free text")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("position"))
    block = models.CharField(_("block"), max_length=20, choices=Block.choices)
    code = models.SlugField(_("variable name"), max_length=40)
    kind = models.CharField(_("type of question"), max_length=10, choices=Kind.choices)
    text_de = models.TextField(_("question (German)"))
    text_en = models.TextField(_("question (English)"), blank=True)
    options = models.JSONField(_("answer options"), default=list, blank=True)
    allow_dont_use = models.BooleanField(_('"don\'t use" allowed'), default=False)
    allow_dont_know = models.BooleanField(_('"don\'t know" allowed'), default=False)
    minimum = models.IntegerField(_("minimum"), null=True, blank=True)
    maximum = models.IntegerField(_("maximum"), null=True, blank=True)
    required = models.BooleanField(_("required"), default=False)
    show_if = models.JSONField(_("filter"), null=True, blank=True)
    bank_key = models.CharField(_("item bank entry"), max_length=60, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["questionnaire", "position"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="item_code_once"),
            models.UniqueConstraint(fields=["questionnaire", "position"], name="item_position_once"),
        ]
        verbose_name = pgettext_lazy("questionnaire", "question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.code
