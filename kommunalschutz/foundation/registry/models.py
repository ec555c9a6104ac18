"""Reference data: municipalities, districts, police directorates and state authorities.

The official keys (AGS) are strings: they carry leading zeros and are identifiers,
not numbers. Municipalities that cease to exist (mergers) are kept with ``valid_until``
so that older records keep pointing at them.

Only the importer (``registry.importer``) writes these tables; see docs/foundation/registry.md.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PostalContact(models.Model):
    """The public contact of an authority (address, phone, website)."""

    street = models.CharField(_("street"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        abstract = True


class PoliceDirectorate(PostalContact):
    """Polizeidirektion; responsible for the districts that point to it."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    # Part of the version stamp of the cached GeoJSON (its features name the directorate).
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        verbose_name = _("police directorate")
        verbose_name_plural = _("police directorates")

    def __str__(self) -> str:
        return self.name


class StateAuthority(PostalContact):
    """State-level bodies: the LKA and the alliance's coordination office."""

    class Kind(models.TextChoices):
        LKA = "lka", _("State Criminal Police Office")
        COORDINATION_OFFICE = "coordination_office", _("coordination office")

    code = models.SlugField(unique=True)
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        verbose_name = _("state authority")
        verbose_name_plural = _("state authorities")

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    """Landkreis or kreisfreie Stadt."""

    class Kind(models.TextChoices):
        RURAL = "landkreis", _("rural district")
        URBAN = "kreisfreie_stadt", _("district-free city")

    ags = models.CharField(_("district key"), max_length=5, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    seat = models.CharField(_("district seat"), max_length=200, blank=True)
    land = models.CharField(_("state key"), max_length=2, db_index=True)
    population = models.PositiveIntegerField(_("population"), default=0)
    area_km2 = models.DecimalField(_("area (km²)"), max_digits=10, decimal_places=2, default=0)
    reference_date = models.DateField(_("reference date"))
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    police_directorate = models.ForeignKey(
        PoliceDirectorate, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="districts", verbose_name=_("police directorate"),
    )
    # Contact of the district office (Landratsamt), from the Landesdirektion directory.
    office_title = models.CharField(_("title of the head"), max_length=100, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    fax = models.CharField(_("fax"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    contact_as_of = models.DateField(_("contact details as of"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=models.Q(ags__regex=r"^[0-9]{5}$"), name="district_ags_five_digits"),
        ]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    ags = models.CharField(_("AGS"), max_length=8, unique=True)
    ars = models.CharField(_("ARS"), max_length=12, blank=True)
    land = models.CharField(_("state key"), max_length=2, db_index=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    # casefold() of the name: the same case-insensitive search on SQLite (ASCII-only
    # LIKE) and PostgreSQL, and "Meissen" finds "Meißen".
    search_name = models.CharField(max_length=200, editable=False, default="")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="municipalities",
                                 verbose_name=_("district"))
    association_ars = models.CharField(_("municipal association key"), max_length=9, blank=True)
    association_name = models.CharField(_("municipal association"), max_length=200, blank=True)
    association_type = models.CharField(_("association type"), max_length=100, blank=True)
    kind = models.CharField(_("type"), max_length=100, blank=True)
    population = models.PositiveIntegerField(_("population"), default=0)
    population_male = models.PositiveIntegerField(_("male population"), default=0)
    population_female = models.PositiveIntegerField(_("female population"), default=0)
    area_km2 = models.DecimalField(_("area (km²)"), max_digits=10, decimal_places=2, default=0)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    multiple_postcodes = models.BooleanField(_("several postcodes"), default=False)
    reference_date = models.DateField(_("reference date"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True,
                                   help_text=_("Last day on which the municipality existed."))
    successor = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="predecessors", verbose_name=_("successor"))
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    # Contact of the town hall, from the Landesdirektion directory.
    office_title = models.CharField(_("title of the head"), max_length=100, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    address_postcode = models.CharField(_("postcode of the address"), max_length=5, blank=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    fax = models.CharField(_("fax"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    localities = models.TextField(_("localities"), blank=True)
    contact_as_of = models.DateField(_("contact details as of"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["district", "name"])]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=models.Q(ags__regex=r"^[0-9]{8}$"),
                                   name="municipality_ags_eight_digits"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The importer sets both itself (bulk writes skip save); this covers everyone else.
        self.search_name = self.name.casefold()
        self.land = self.land or self.ags[:2]
        super().save(*args, **kwargs)

    @property
    def is_current(self) -> bool:
        return self.valid_until is None

    @property
    def locality_list(self) -> list[str]:
        return [part.strip() for part in self.localities.split(",") if part.strip()]


class MunicipalityNameChange(models.Model):
    """One event in a municipality's history: renamed, merged away, formed, dissolved.

    ``related_ags`` and ``old_name``/``new_name`` are kept as text so that the entry
    stays meaningful when the other municipality was never imported (a fresh install
    of the current edition knows Jahnatal's predecessors only from the changes file).
    """

    class Kind(models.TextChoices):
        RENAMED = "renamed", _("renamed")
        MERGED = "merged", _("merged into another municipality")
        INCORPORATED = "incorporated", _("incorporated another municipality")
        FORMED = "formed", _("newly formed")
        DISSOLVED = "dissolved", _("dissolved")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="history",
                                     verbose_name=_("municipality"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    effective = models.DateField(_("effective"))
    old_name = models.CharField(_("old name"), max_length=200, blank=True)
    new_name = models.CharField(_("new name"), max_length=200, blank=True)
    related = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("related municipality"))
    related_ags = models.CharField(_("AGS of the related municipality"), max_length=8, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-effective", "id"]
        verbose_name = _("registry change")
        verbose_name_plural = _("registry changes")

    def __str__(self) -> str:
        return f"{self.municipality} {self.kind} {self.effective}"
