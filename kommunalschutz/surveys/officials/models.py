"""The survey of office and mandate holders: the dark field (docs/surveys/officials.md, decision 0042).

A second kind of survey beside the citizens' one. Its frame is a list of officials, not a population
register: the heads of the town halls and district offices from the registry, council members and staff
from lists a municipality uploads, and open links per municipality for groups without a list.

Anonymity is stronger than for citizens (the sealed-envelope scheme):

* ``FrameEntry`` holds the person (encrypted) and the HMAC of the access code printed on their letter,
  and only a flag saying the code was used: no time, no link to the answer;
* ``Response`` holds the answers with the few attributes the analysis needs (role, district, size class,
  gender as stated) and nothing else: no code, no frame entry, no municipality, no address, no time finer
  than the wave, and a random UUID as key, so not even the order of rows tells who answered when;
* free text goes to ``ResponseText``, which is not linked to the answers at all, and is shown outside the
  analysts only after review.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kommunalschutz.alliance.programme.models import SyntheticMarker
from kommunalschutz.foundation.core.encryption import EncryptedJSONField, EncryptedTextField


class OfficialRole(models.TextChoices):
    """The roles as the frame records them (KoMo asks only the first three)."""

    MAYOR_FULL_TIME = "mayor_full_time", _("full-time mayor")
    MAYOR_HONORARY = "mayor_honorary", _("honorary mayor")
    DISTRICT_ADMINISTRATOR = "district_administrator", _("district administrator")
    COUNCIL_MEMBER = "council_member", _("council member")
    HONORARY_OFFICIAL = "honorary_official", _("honorary official")
    STAFF = "staff", _("municipal staff")


# The roles KoMo asks (full-time and honorary (Lord) Mayors and District Administrators): the comparison
# with the national shares uses only these.
KOMO_ROLES = frozenset({OfficialRole.MAYOR_FULL_TIME, OfficialRole.MAYOR_HONORARY,
                        OfficialRole.DISTRICT_ADMINISTRATOR})
FULL_TIME_ROLES = frozenset({OfficialRole.MAYOR_FULL_TIME, OfficialRole.DISTRICT_ADMINISTRATOR, OfficialRole.STAFF})
# Roles a municipality may list or invite by open link (the heads come from the registry).
LISTED_ROLES = (OfficialRole.COUNCIL_MEMBER, OfficialRole.HONORARY_OFFICIAL, OfficialRole.STAFF)


class SizeClass(models.TextChoices):
    """Municipality size classes by population (the district administrators form their own class)."""

    UNDER_2000 = "lt2000", _("under 2,000 inhabitants")
    UNDER_5000 = "lt5000", _("2,000 to 4,999 inhabitants")
    UNDER_10000 = "lt10000", _("5,000 to 9,999 inhabitants")
    UNDER_20000 = "lt20000", _("10,000 to 19,999 inhabitants")
    UNDER_50000 = "lt50000", _("20,000 to 49,999 inhabitants")
    LARGE = "ge50000", _("50,000 inhabitants and more")
    DISTRICT = "district", _("district office")


SIZE_LIMITS: tuple[tuple[int, str], ...] = (
    (2_000, SizeClass.UNDER_2000), (5_000, SizeClass.UNDER_5000), (10_000, SizeClass.UNDER_10000),
    (20_000, SizeClass.UNDER_20000), (50_000, SizeClass.UNDER_50000),
)


def size_class_of(population: int) -> str:
    for limit, size in SIZE_LIMITS:
        if population < limit:
            return str(size)
    return str(SizeClass.LARGE)


class Gender(models.TextChoices):
    """Gender as the respondent states it (optional)."""

    FEMALE = "w", _("female")
    MALE = "m", _("male")
    DIVERSE = "d", _("diverse")
    NOT_STATED = "x", _("not stated")


class Wave(SyntheticMarker):
    """One wave of the survey: a six-month (or twelve-month) reference period and its field period."""

    class Status(models.TextChoices):
        PREPARATION = "preparation", _("preparation")
        FIELD = "field", _("in the field")
        CLOSED = "closed", _("closed")

    class Cadence(models.TextChoices):
        HALF_YEARLY = "half_yearly", _("half-yearly")
        YEARLY = "yearly", _("yearly")

    title = models.CharField(_("title"), max_length=200)
    reference_start = models.DateField(_("start of the reference period"))
    reference_end = models.DateField(_("end of the reference period"))
    field_start = models.DateField(_("start of the field period"))
    field_end = models.DateField(_("end of the field period"))
    cadence = models.CharField(_("cadence"), max_length=20, choices=Cadence.choices, default=Cadence.HALF_YEARLY)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREPARATION)
    # The item bank's version the questionnaire was frozen with when the field period began (item_bank.VERSION).
    bank_version = models.PositiveSmallIntegerField(_("item bank version"), null=True, blank=True)
    # The analysis contractor whose analysts weight and analyse the answers and review the free text.
    contractor = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("analysis contractor"))
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    opened_at = models.DateTimeField(_("field period opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-reference_start", "pk"]
        verbose_name = _("wave of the officials' survey")
        verbose_name_plural = _("waves of the officials' survey")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=models.Q(reference_start__lt=models.F("reference_end")),
                                   name="officials_wave_reference_period_ordered"),
            models.CheckConstraint(condition=models.Q(field_start__lte=models.F("field_end")),
                                   name="officials_wave_field_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.title


class FrameUpload(models.Model):
    """A list of officials a municipality uploaded (imported all or nothing; the rows become frame entries)."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="uploads")
    municipality = models.ForeignKey("registry.Municipality", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("municipality"))
    file_name = models.CharField(_("file name"), max_length=200)
    rows = models.PositiveIntegerField(_("rows imported"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["-uploaded_at", "pk"]
        verbose_name = _("uploaded list of officials")
        verbose_name_plural = _("uploaded lists of officials")

    def __str__(self) -> str:
        return self.file_name


class FrameEntry(models.Model):
    """One person (or office) of the frame, with the sealed envelope's code as an HMAC and a used flag."""

    class Source(models.TextChoices):
        REGISTRY = "registry", _("registry (town hall or district office)")
        UPLOAD = "upload", _("list of the municipality")

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="frame")
    role = models.CharField(_("role"), max_length=30, choices=OfficialRole.choices)
    district = models.ForeignKey("registry.District", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("district"))
    # None for a district administrator.
    municipality = models.ForeignKey("registry.Municipality", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("municipality"))
    size_class = models.CharField(_("size class"), max_length=10, choices=SizeClass.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    upload = models.ForeignKey(FrameUpload, null=True, blank=True, on_delete=models.CASCADE, related_name="entries")
    # Addressee and postal address for the letter ({"name", "street", "postcode", "city"}), encrypted.
    address = EncryptedJSONField(_("address"))
    # The sealed envelope: the code printed on the letter, encrypted until the wave closes (reminders print
    # it again), its HMAC as the lookup key, and whether it was used. When it was used is not recorded.
    code = EncryptedTextField(_("access code"), blank=True, default="")
    code_digest = models.CharField(_("lookup key of the access code"), max_length=64, unique=True, null=True,
                                   blank=True)
    used = models.BooleanField(_("answered"), default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["wave", "pk"]
        verbose_name = _("entry of the frame")
        verbose_name_plural = _("entries of the frame")
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["wave", "role", "size_class"])]

    def __str__(self) -> str:
        # Never the person: audit entries and error messages show this.
        return f"{self.get_role_display()} ({self.size_class})"


class OpenLink(models.Model):
    """A link per municipality and role for groups without a list; anyone holding it may answer once per visit."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="open_links")
    municipality = models.ForeignKey("registry.Municipality", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("municipality"))
    role = models.CharField(_("role"), max_length=30, choices=OfficialRole.choices)
    # How many people the municipality forwards the link to: the frame count of this group.
    addressed = models.PositiveIntegerField(_("persons addressed"))
    token = EncryptedTextField(_("link token"))
    token_digest = models.CharField(_("lookup key of the link"), max_length=64, unique=True)
    responses = models.PositiveIntegerField(_("answers received"), default=0)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["wave", "municipality__name", "role"]
        verbose_name = _("open link")
        verbose_name_plural = _("open links")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["wave", "municipality", "role"], name="officials_open_link_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.municipality}"


class Response(models.Model):
    """One completed questionnaire, without anything that leads back to a person (see the module's docstring)."""

    class Channel(models.TextChoices):
        LETTER = "letter", _("personal letter with access code")
        OPEN_LINK = "open_link", _("open link of the municipality")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    role = models.CharField(_("role"), max_length=30, choices=OfficialRole.choices)
    district = models.ForeignKey("registry.District", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("district"))
    size_class = models.CharField(_("size class"), max_length=10, choices=SizeClass.choices)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, default=Gender.NOT_STATED)
    answers = EncryptedJSONField(_("answers"), default=dict)  # one token per answer sheet
    is_synthetic = models.BooleanField(_("synthetic (demo data)"), default=False)

    class Meta:
        # Ordered by the random key: the order of rows says nothing about when anyone answered.
        ordering: ClassVar[list[str]] = ["wave", "id"]
        verbose_name = _("answer of the officials' survey")
        verbose_name_plural = _("answers of the officials' survey")
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["wave", "role", "size_class"])]

    def __str__(self) -> str:
        return str(_("answer sheet"))


class ResponseText(models.Model):
    """A free-text answer, stored apart from the answers (no link to them) and reviewed before anyone
    but the analysts reads it."""

    class Review(models.TextChoices):
        PENDING = "pending", _("not yet reviewed")
        RELEASED = "released", _("released")
        WITHHELD = "withheld", _("withheld (could identify someone)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="texts")
    item = models.CharField(_("question"), max_length=40)
    text = EncryptedTextField(_("wording"))
    review = models.CharField(_("review"), max_length=10, choices=Review.choices, default=Review.PENDING)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["wave", "item", "id"]
        verbose_name = _("free-text answer")
        verbose_name_plural = _("free-text answers")

    def __str__(self) -> str:
        return str(_("free-text answer"))
