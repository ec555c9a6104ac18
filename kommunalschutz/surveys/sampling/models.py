"""The population register extract, the sample drawn from it, the letters and their tracking.

Data minimisation (DOMAIN.md §2.4, issue 5): the register extract is deleted once the letters are
produced; the sample's names, addresses and access codes are deleted when the field period ends. What
stays is what weighting needs: each member's stratum (locality x age group x sex), design weight and
status, and the population counts per cell.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kommunalschutz.foundation.core.encryption import EncryptedTextField
from kommunalschutz.surveys.projects.models import Sex, SurveyProject


class PopulationCell(models.Model):
    """Population count of one cell locality x age group x sex (the weighting margins)."""

    class Source(models.TextChoices):
        REGISTER = "register", _("population register extract")
        OFFICIAL = "official", _("official statistics")

    project = models.ForeignKey(SurveyProject, on_delete=models.CASCADE, related_name="population_cells")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    locality = models.CharField(_("locality"), max_length=100)  # Ortsteil / Stadtteil
    age_group = models.CharField(_("age group"), max_length=10)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    count = models.PositiveIntegerField(_("persons"))

    class Meta:
        ordering: ClassVar[list[str]] = ["project", "source", "locality", "age_group", "sex"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["project", "source", "locality", "age_group", "sex"],
                                    name="population_cell_once"),
        ]
        verbose_name = _("population cell")
        verbose_name_plural = _("population cells")

    def __str__(self) -> str:
        return f"{self.locality} {self.age_group} {self.sex}: {self.count}"


class Sample(models.Model):
    class Method(models.TextChoices):
        SIMPLE = "simple", _("simple random sample")
        STRATIFIED = "stratified", _("stratified sample (locality, age group and sex)")

    project = models.OneToOneField(SurveyProject, on_delete=models.CASCADE, related_name="sample")
    method = models.CharField(_("sampling method"), max_length=12, choices=Method.choices)
    size = models.PositiveIntegerField(_("sample size"))
    seed = models.BigIntegerField(_("random seed"))
    population_size = models.PositiveIntegerField(_("persons in the sampling frame"))
    drawn_at = models.DateTimeField(_("drawn at"), default=timezone.now)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    letters_produced_at = models.DateTimeField(_("letters produced at"), null=True, blank=True)
    addresses_deleted_at = models.DateTimeField(_("addresses deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sample")
        verbose_name_plural = _("samples")

    def __str__(self) -> str:
        return f"{self.project}: {self.size}"


class SampleMember(models.Model):
    """One person of the sample, and the letter sent to them (number = "Lfd. Nr." on letter and paper form)."""

    class Status(models.TextChoices):
        DRAWN = "drawn", _("drawn, letter not yet sent")
        SENT = "sent", _("letter sent")
        ONLINE = "online", _("answered online")
        POST = "post", _("answered by post")
        UNDELIVERABLE = "undeliverable", _("undeliverable")

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="members")
    number = models.PositiveIntegerField(pgettext_lazy("sample member", "number"))
    locality = models.CharField(_("locality"), max_length=100)
    age_group = models.CharField(_("age group"), max_length=10)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    design_weight = models.FloatField(_("design weight"))
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.DRAWN)
    # Personal data: encrypted, and emptied when the field period ends.
    family_name = EncryptedTextField(_("family name"), blank=True, default="")
    given_names = EncryptedTextField(_("given names"), blank=True, default="")
    street = EncryptedTextField(_("street and number"), blank=True, default="")
    postcode = EncryptedTextField(_("postcode"), blank=True, default="")
    city = EncryptedTextField(_("city"), blank=True, default="")
    access_code = EncryptedTextField(_("access code"), blank=True, default="")
    # HMAC of the normalised access code (the code's lookup key; see sampling.codes).
    code_digest = models.CharField(max_length=64, unique=True)
    letter_sent_at = models.DateField(_("letter sent on"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminder_at = models.DateField(_("last reminder on"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["sample", "number"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["sample", "number"], name="sample_member_number_once"),
        ]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["sample", "status"])]
        verbose_name = _("sample member")
        verbose_name_plural = _("sample members")

    def __str__(self) -> str:
        return f"{self.sample.project} #{self.number}"


class RegisterExtract(models.Model):
    """One uploaded extract of the population register (Melderegister) and its import.

    The uploaded bytes and the normalised rows are stored encrypted in RegisterChunk rows; this record
    keeps only what is needed to show the upload and its validation report. When the letters are
    produced (or by hand) the chunks are deleted and ``deleted_at`` is set; the record stays as the
    trace that an extract existed (the population cells made from it stay too).
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded, columns not yet assigned")
        INVALID = "invalid", _("checked, not imported (errors)")
        IMPORTED = "imported", _("imported")
        DELETED = "deleted", _("deleted")

    project = models.ForeignKey(SurveyProject, on_delete=models.CASCADE, related_name="register_extracts")
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size in bytes"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    encoding = models.CharField(_("character encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("separator"), max_length=1, blank=True)
    has_bom = models.BooleanField(_("with byte order mark"), default=False)
    header = models.JSONField(_("column headings"), default=list, blank=True)
    # Target field -> column index (0-based) of the header.
    mapping = models.JSONField(_("column assignment"), default=dict, blank=True)
    rows_total = models.PositiveIntegerField(_("data rows"), default=0)
    rows_in_frame = models.PositiveIntegerField(_("persons in the sampling frame"), default=0)
    excluded_minors = models.PositiveIntegerField(_("excluded: under the minimum age"), default=0)
    excluded_blocked = models.PositiveIntegerField(_("excluded: register information block"), default=0)
    # {"problems": [{"line", "column", "message"}, ...] (the first 200), "error_count", "by_kind": {...}}
    report = models.JSONField(_("validation report"), default=dict, blank=True)
    # Stratum id -> [locality, age group, sex] of the normalised rows (the chunks store the ids).
    strata = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["project", "-uploaded_at", "-pk"]
        verbose_name = _("register extract")
        verbose_name_plural = _("register extracts")

    def __str__(self) -> str:
        return self.file_name


class RegisterChunk(models.Model):
    """A piece of an extract, encrypted: the uploaded bytes (``raw``, ~1 MB each) or ~10,000 normalised
    rows (``rows``: zlib-compressed JSON, and the rows' stratum ids as uint32 in ``strata``)."""

    class Kind(models.TextChoices):
        RAW = "raw", "raw"
        ROWS = "rows", "rows"

    extract = models.ForeignKey(RegisterExtract, on_delete=models.CASCADE, related_name="chunks")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    index = models.PositiveIntegerField()
    row_count = models.PositiveIntegerField(default=0)
    payload = models.BinaryField()
    strata = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["extract", "kind", "index"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["extract", "kind", "index"], name="register_chunk_once"),
        ]

    def __str__(self) -> str:
        return f"{self.extract_id} {self.kind} {self.index}"
