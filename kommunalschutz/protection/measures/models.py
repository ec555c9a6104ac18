"""Measures and referrals of a case, and the directory of counselling partners.

The kinds of measure are the catalogue of Saxony's concept (DOMAIN.md §1.2): the police package,
support for a register information block, and referrals to counselling partners. The partner
directory is data the coordination office edits. MeasureKind's order and Partner.Category's order
are bit positions in the statistics (IncidentStatistic.measure_mask / referral_mask): append only.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kommunalschutz.foundation.core.encryption import EncryptedTextField
from kommunalschutz.protection.cases.models import Case


class MeasureKind(models.TextChoices):
    NAMED_CONTACT = "named_contact", _("named police contact person")
    AGREED_MEASURES = "agreed_measures", _("jointly agreed measures")
    BEHAVIOUR_ADVICE = "behaviour_advice", _("advice on behaviour in dangerous situations")
    SECURITY_CONSULTATION = "security_consultation", _("security consultation at home or office")
    ONSITE_SENSITISATION = "onsite_sensitisation", _("on-site sensitisation")
    PROTECTION_REQUEST = "protection_request", _("request for personal or property protection (LKA)")
    REGISTER_BLOCK = "register_block", _("support for a register information block")
    REFERRAL = "referral", _("referral to counselling")


def measure_bit(kind: str) -> int:
    return 1 << MeasureKind.values.index(kind)


class Partner(models.Model):
    class Category(models.TextChoices):
        COORDINATION_OFFICE = "coordination_office", _("coordination office of the alliance")
        # Saxony's ZASTEX at the LKA and expert network at the Landesdirektion (their names are in the partner
        # entries of the Saxon state package; the category labels serve every state).
        ZASTEX = "zastex", _("LKA contact point for victims of extremist threats")
        EXPERT_NETWORK = "expert_network", _("expert network of the state administration")
        STARKE_STELLE = "starke_stelle", _("starke Stelle")
        HATEAID = "hateaid", _("HateAid")
        VICTIM_COUNSELLING = "victim_counselling", _("victim counselling")
        REPORTING_OFFICE = "reporting_office", _("reporting office")
        OTHER = "other", _("other partner")

    name = models.CharField(_("name"), max_length=200, unique=True)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    description = models.TextField(_("what they offer"), blank=True)
    scope = models.CharField(_("area"), max_length=100, blank=True)  # the state's name, "bundesweit"
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    anonymous_possible = models.BooleanField(_("anonymous counselling possible"), default=False)
    source_url = models.URLField(_("source"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["category", "name"]
        verbose_name = _("counselling partner")
        verbose_name_plural = _("counselling partners")

    def __str__(self) -> str:
        return self.name


def referral_bit(category: str) -> int:
    return 1 << Partner.Category.values.index(category)


class Measure(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", pgettext_lazy("measure", "in progress")
        DONE = "done", _("done")
        CANCELLED = "cancelled", pgettext_lazy("measure", "cancelled")

    class ProtectionKind(models.TextChoices):
        PERSONAL = "personal", _("personal protection")
        PROPERTY = "property", _("property protection")
        BOTH = "both", _("personal and property protection")

    class Decision(models.TextChoices):
        PENDING = "pending", _("awaiting the LKA's decision")
        GRANTED = "granted", _("granted")
        PARTLY = "partly", _("partly granted")
        REFUSED = "refused", _("refused")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("measure"), max_length=30, choices=MeasureKind.choices)
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals",
                                verbose_name=_("counselling partner"))
    description = EncryptedTextField(_("description"), blank=True, default="")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="case_measures", verbose_name=_("responsible"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    outcome = EncryptedTextField(_("outcome"), blank=True, default="")
    agreed_with_official = models.BooleanField(_("agreed with the official"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    # --- a protection request to the LKA -----------------------------------------------------------------
    protection_kind = models.CharField(_("protection requested"), max_length=10, choices=ProtectionKind.choices,
                                       blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = EncryptedTextField(_("reasons of the decision"), blank=True, default="")

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "pk"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")

    def __str__(self) -> str:
        return f"{self.case} measure {self.pk}"
