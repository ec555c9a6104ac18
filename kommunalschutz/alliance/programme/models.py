"""The alliance programme: its start, each municipality's (or district's) lifecycle, and the
cooperation agreements.

A municipality's stage on any date is the latest transition on or before that date, so
"who was a member on 1 March 2021?" is a query, not a spreadsheet (see ``selectors.stage_on``).
The programme's start date and its model municipalities are rows, not constants.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Programme(models.Model):
    """The state-wide alliance (ASSKomm in Saxony). One row per installation."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    land = models.CharField(_("state key"), max_length=2, default="14")
    started_on = models.DateField(_("start of the programme"))
    coordination_office = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("coordination office"),
    )
    source_url = models.URLField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name


class LocalAuthorityTarget(models.Model):
    """Work that concerns either one municipality or one district (exactly one of the two)."""

    municipality = models.ForeignKey(
        "registry.Municipality", null=True, blank=True, on_delete=models.PROTECT,
        related_name="%(app_label)s_%(class)s_set", verbose_name=_("municipality"),
    )
    district = models.ForeignKey(
        "registry.District", null=True, blank=True, on_delete=models.PROTECT,
        related_name="%(app_label)s_%(class)s_set", verbose_name=_("district"),
    )

    class Meta:
        abstract = True
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=(models.Q(municipality__isnull=False, district__isnull=True)
                           | models.Q(municipality__isnull=True, district__isnull=False)),
                name="%(app_label)s_%(class)s_one_target",
            ),
        ]

    @property
    def target(self) -> Any:
        return self.municipality if self.municipality_id else self.district

    @property
    def target_name(self) -> str:
        return str(self.target)


class SyntheticMarker(models.Model):
    """Demo and benchmark records are marked, in the data and in the UI ("synthetisch")."""

    is_synthetic = models.BooleanField(_("synthetic (demo data)"), default=False)
    source_url = models.URLField(_("source"), max_length=300, blank=True)

    class Meta:
        abstract = True


class Stage(models.TextChoices):
    """Stages in the order a municipality passes them; LEFT ends a membership."""

    CONTACTED = "contacted", _("contacted")
    CONSULTED = "consulted", _("consulted")
    MODEL = "model", _("model municipality")
    AGREEMENT_SIGNED = "agreement_signed", _("cooperation agreement signed")
    MEMBER = "member", _("member")
    LEFT = "left", _("left the alliance")


STAGE_ORDER: dict[str, int] = {stage.value: position for position, stage in enumerate(Stage)}


class MembershipTransition(LocalAuthorityTarget, SyntheticMarker):
    """One dated step of a municipality's (or district's) way into, or out of, the alliance."""

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    date = models.DateField(_("date"))
    acting_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("acting organisation"),
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta(LocalAuthorityTarget.Meta):
        ordering: ClassVar[list[str]] = ["date", "pk"]
        verbose_name = _("membership transition")
        verbose_name_plural = _("membership transitions")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["stage", "date"], name="alliance_transition_stage_date"),
            models.Index(fields=["municipality", "date"], name="alliance_transition_muni_date"),
        ]

    def __str__(self) -> str:
        return f"{self.target_name}: {self.get_stage_display()} ({self.date:%d.%m.%Y})"


class CooperationAgreement(LocalAuthorityTarget, SyntheticMarker):
    """Kooperationsvereinbarung between a municipality, the police and the coordination office."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SIGNED = "signed", _("signed")
        TERMINATED = "terminated", _("terminated")

    # The sections every agreement has (DOMAIN.md 1.1), in document order.
    SECTIONS: ClassVar[tuple[str, ...]] = (
        "background", "goals_and_tasks", "problem_inventory", "partner_tasks", "topics_and_measures",
        "review_of_measures",
    )

    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    police_directorate = models.ForeignKey(
        "registry.PoliceDirectorate", on_delete=models.PROTECT, related_name="agreements",
        verbose_name=_("police directorate"),
    )
    police_station = models.CharField(
        _("police station"), max_length=200, blank=True,
        help_text=_("When the local police station signs instead of the directorate, e.g. “Polizeirevier Pirna”."),
    )
    coordination_office = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("coordination office"),
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    background = models.TextField(_("background"), blank=True)
    goals_and_tasks = models.TextField(_("goals and tasks"), blank=True)
    problem_inventory = models.TextField(_("local problem inventory"), blank=True)
    partner_tasks = models.TextField(_("tasks of the partners"), blank=True)
    topics_and_measures = models.TextField(_("topics and measures"), blank=True)
    review_of_measures = models.TextField(_("review of measures"), blank=True)
    # The signed PDF lives in the default storage (var/files, outside the web root) and is
    # served only through a permission-checked view.
    signed_document = models.FileField(_("signed agreement (PDF)"), upload_to="agreements/%Y/", blank=True)
    signed_document_name = models.CharField(_("file name"), max_length=200, blank=True)
    signed_document_size = models.PositiveIntegerField(_("file size"), default=0)
    signed_document_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta(LocalAuthorityTarget.Meta):
        ordering: ClassVar[list[str]] = ["-signed_on", "pk"]
        verbose_name = _("cooperation agreement")
        verbose_name_plural = _("cooperation agreements")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["status", "signed_on"], name="alliance_agreement_signed"),
        ]

    def __str__(self) -> str:
        return self.title


class AgreementSignatory(models.Model):
    class Party(models.TextChoices):
        MUNICIPALITY = "municipality", _("municipality or district")
        POLICE = "police", _("police")
        COORDINATION_OFFICE = "coordination_office", _("coordination office")

    agreement = models.ForeignKey(CooperationAgreement, on_delete=models.CASCADE, related_name="signatories")
    party = models.CharField(_("party"), max_length=30, choices=Party.choices)
    name = models.CharField(_("name"), max_length=200)
    function = models.CharField(_("function"), max_length=200, help_text=_("e.g. Lord Mayor, Head of Directorate"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["agreement", "party", "pk"]
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")

    def __str__(self) -> str:
        return f"{self.name} ({self.function})"


class AgreementReview(models.Model):
    """An agreed review date of the measures; a reminder goes out before it is due."""

    agreement = models.ForeignKey(CooperationAgreement, on_delete=models.CASCADE, related_name="reviews")
    due_on = models.DateField(_("due on"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["due_on", "pk"]
        verbose_name = _("agreement review")
        verbose_name_plural = _("agreement reviews")

    def __str__(self) -> str:
        return f"{self.agreement}: {self.due_on:%d.%m.%Y}"
