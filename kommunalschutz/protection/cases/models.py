"""Protection cases of officials: the incident, the case team, the workflow and its timeline.

Need to know is the rule (see rules.py and docs/protection/data-protection.md): a case is seen by its
reporter, its case team and nobody else. Personal data and free text are EncryptedTextField; only
categorical facts (types, channel, role, place, dates, municipality) stay readable to the database,
because routing and statistics need them.

Other apps hang their records on Case: evidence (evidence app), threat assessments (assessments),
measures and referrals (measures), the anonymous reporter's receipt (intake). IncidentStatistic is the
anonymous statistical record of a case; it survives the case's deletion after the retention period.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kommunalschutz.foundation.core.encryption import EncryptedTextField


class IncidentType(models.TextChoices):
    """The catalogue of incident types. The order is fixed: IncidentStatistic.type_mask uses it as bit positions."""

    INSULT = "insult", _("insult or defamation")
    THREAT = "threat", _("threat")
    COERCION = "coercion", _("coercion")
    HARASSMENT = "harassment", _("harassment or stalking")
    DOXING = "doxing", _("doxing (publishing private data)")
    HATE_MAIL = "hate_mail", _("hate mail")
    PROPERTY_DAMAGE = "property_damage", _("property damage")
    ARSON = "arson", _("arson")
    ASSAULT = "assault", _("assault")
    OTHER = "other", _("other incident")


def type_bit(code: str) -> int:
    """The bit of an incident type in IncidentStatistic.type_mask."""
    return 1 << IncidentType.values.index(code)


class Place(models.TextChoices):
    HOME = "home", _("at home")
    OFFICE = "office", _("at the office")
    COUNCIL_MEETING = "council_meeting", _("at a council meeting")
    PUBLIC_EVENT = "public_event", _("at a public event")
    ONLINE = "online", _("on an online platform")
    OTHER = "other", _("another place")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("in person")
    LETTER = "letter", _("letter")
    EMAIL = "email", _("e-mail")
    PHONE = "phone", _("phone")
    SOCIAL_MEDIA = "social_media", _("social media")
    OTHER = "other", _("another channel")


class AffectedRole(models.TextChoices):
    MAYOR = "mayor", pgettext_lazy("office", "mayor")
    DISTRICT_ADMINISTRATOR = "district_administrator", pgettext_lazy("office", "district administrator")
    COUNCIL_MEMBER = "council_member", pgettext_lazy("office", "council member")
    HONORARY_OFFICIAL = "honorary_official", pgettext_lazy("office", "honorary official")
    STAFF = "staff", pgettext_lazy("office", "administrative staff")
    FAMILY_MEMBER = "family_member", pgettext_lazy("office", "family member of an official")


class Tristate(models.TextChoices):
    YES = "yes", _("yes")
    NO = "no", _("no")
    UNKNOWN = "unknown", _("unknown")


class ComplaintWish(models.TextChoices):
    """Whether the affected person wants to file a criminal complaint (Strafanzeige), while none is filed."""

    UNDECIDED = "undecided", _("not decided yet")
    WANTED = "wanted", _("a criminal complaint is wanted")
    NOT_WANTED = "not_wanted", _("no criminal complaint wanted")


class PoliceConsent(models.TextChoices):
    """The reporter's consent to pass the report on to the police beyond the case team (decision 0021).

    The responsible police contacts belong to the case team and read the case in any case (rules.py); this
    is about passing it on, with the person's name, to the police who investigate."""

    NOT_STATED = "not_stated", _("not stated")
    GIVEN = "given", _("yes, it may be passed on")
    REFUSED = "refused", _("no, not without asking first")


class PerpetratorKind(models.TextChoices):
    UNKNOWN = "unknown", _("unknown perpetrator")
    INDIVIDUAL = "individual", _("a known individual")
    GROUP = "group", _("a known group")


class Urgency(models.TextChoices):
    LOW = "low", _("low – no hurry")  # noqa: RUF001 - the German typographic dash of the label
    MEDIUM = "medium", _("medium – within days")  # noqa: RUF001 - the German typographic dash of the label
    HIGH = "high", _("high – as soon as possible")  # noqa: RUF001 - the German typographic dash of the label


class Case(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("new")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        ASSESSMENT = "assessment", _("threat assessment")
        MEASURES_AGREED = "measures_agreed", _("measures agreed")
        MONITORING = "monitoring", _("monitoring")
        CLOSED = "closed", _("closed")

    class Intake(models.TextChoices):
        SELF = "self", _("reported by the official")
        ON_BEHALF = "on_behalf", _("recorded on behalf of the official")
        ANONYMOUS = "anonymous", _("anonymous report")

    class ClosingReason(models.TextChoices):
        RESOLVED = "resolved", _("resolved – the danger is over")  # noqa: RUF001 - the German typographic dash of the label
        NO_FURTHER_ACTION = "no_further_action", _("no further action needed")
        REFERRED = "referred", _("handed over to a counselling partner")
        WITHDRAWN = "withdrawn", _("withdrawn by the reporter")
        UNREACHABLE = "unreachable", _("reporter no longer reachable")
        DUPLICATE = "duplicate", _("duplicate of another case")
        OTHER = "other", _("other reason")

    # "2026-000123": year of the report and a running number; carries no personal data.
    reference = models.CharField(_("case number"), max_length=20, unique=True)
    intake = models.CharField(_("intake"), max_length=20, choices=Intake.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now, db_index=True)
    # Who entered the report (the official, or a coordinator/police contact on their behalf); None if anonymous.
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="reported_cases", verbose_name=_("reported by"))
    # The affected official's account, when they have one (self-reports, or set on behalf).
    affected_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="affected_cases", verbose_name=_("affected official (account)"))

    # --- the incident -------------------------------------------------------------------------------------
    description = EncryptedTextField(_("what happened"))
    incident_types = models.JSONField(_("type of incident"), default=list)
    occurred_at = models.DateTimeField(_("date and time"), null=True, blank=True)
    period_start = models.DateField(_("from (repeated acts)"), null=True, blank=True)
    period_end = models.DateField(_("until (repeated acts)"), null=True, blank=True)
    municipality = models.ForeignKey("registry.Municipality", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="protection_cases", verbose_name=_("municipality"))
    # Filled from the municipality at intake; kept for statistics and routing.
    district = models.ForeignKey("registry.District", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="protection_cases", verbose_name=_("district"))
    police_directorate = models.ForeignKey(
        "registry.PoliceDirectorate", null=True, blank=True, on_delete=models.PROTECT,
        related_name="protection_cases", verbose_name=_("responsible police directorate"))
    place = models.CharField(_("place"), max_length=20, choices=Place.choices)
    place_detail = EncryptedTextField(_("details of the place"), blank=True, default="")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    platform = models.CharField(_("platform"), max_length=100, blank=True)
    affected_role = models.CharField(_("role of the affected person"), max_length=30, choices=AffectedRole.choices)
    affected_name = EncryptedTextField(_("name of the affected person"), blank=True, default="")
    affected_contact = EncryptedTextField(_("how to reach the affected person"), blank=True, default="")
    office_relation = EncryptedTextField(_("relation to the office or mandate"), blank=True, default="")
    perpetrator_kind = models.CharField(_("perpetrator"), max_length=20, choices=PerpetratorKind.choices,
                                        default=PerpetratorKind.UNKNOWN)
    perpetrator_known_to_victim = models.CharField(_("perpetrator known to the affected person"), max_length=10,
                                                   choices=Tristate.choices, default=Tristate.UNKNOWN)
    perpetrator_details = EncryptedTextField(_("about the perpetrator"), blank=True, default="")
    witnesses = EncryptedTextField(_("witnesses"), blank=True, default="")
    complaint_filed = models.BooleanField(_("criminal complaint filed"), default=False)
    complaint_file_number = EncryptedTextField(_("file number of the complaint"), blank=True, default="")
    complaint_police_station = EncryptedTextField(pgettext_lazy("criminal complaint", "police station"), blank=True,
                                                  default="")
    complaint_wanted = models.CharField(_("criminal complaint wanted"), max_length=20, choices=ComplaintWish.choices,
                                        default=ComplaintWish.UNDECIDED)
    police_consent = models.CharField(_("consent to pass the report on to the police"), max_length=20,
                                      choices=PoliceConsent.choices, default=PoliceConsent.NOT_STATED)
    politically_motivated = models.CharField(_("politically motivated"), max_length=10, choices=Tristate.choices,
                                             default=Tristate.UNKNOWN)
    urgency = models.CharField(_("urgency as the reporter sees it"), max_length=10, choices=Urgency.choices,
                               default=Urgency.MEDIUM)
    # The reporter says they are in danger now.
    danger_now = models.BooleanField(_("acute danger now"), default=False)
    # A threat to life or limb is recorded (by the reporter or the case team).
    threat_to_life = models.BooleanField(_("threat to life or limb"), default=False)

    # --- triage and workflow ----------------------------------------------------------------------------
    is_acute = models.BooleanField(_("acute"), default=False, db_index=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_cases", verbose_name=_("case owner"))
    acknowledgement_due_at = models.DateTimeField(_("acknowledgement due"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    # When the coordinators and police contacts were told that the acknowledgement is overdue (once per case).
    overdue_notified_at = models.DateTimeField(_("overdue acknowledgement notified at"), null=True, blank=True)
    # The LKA joins the case team once personal or property protection is requested (measures app).
    lka_involved = models.BooleanField(_("LKA involved"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    closing_reason = models.CharField(_("closing reason"), max_length=30, choices=ClosingReason.choices, blank=True)
    closing_note = EncryptedTextField(_("closing note"), blank=True, default="")
    is_synthetic = models.BooleanField(_("demo data"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-reported_at"]
        verbose_name = _("protection case")
        verbose_name_plural = _("protection cases")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["police_directorate", "status"], name="case_directorate_status"),
            models.Index(fields=["owner", "status"], name="case_owner_status"),
        ]

    def __str__(self) -> str:
        # Only the reference: str() ends up in audit entries and e-mails.
        return str(self.reference)


class CaseTeamMember(models.Model):
    """A person assigned to a case. The responsible directorate's police contacts, the case owner and (once
    protection is requested) the LKA's protection officers belong to the team without a row here."""

    class Function(models.TextChoices):
        CASE_WORKER = "case_worker", _("case worker (coordination office)")
        POLICE_CONTACT = "police_contact", _("police contact")
        PROTECTION_OFFICER = "protection_officer", _("protection officer (LKA)")
        SECOND_REVIEWER = "second_reviewer", _("second reviewer")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_memberships")
    function = models.CharField(_("function"), max_length=30, choices=Function.choices)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")

    class Meta:
        verbose_name = _("case team member")
        verbose_name_plural = _("case team members")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["case", "user"], name="case_team_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.case} – {self.user_id}"  # noqa: RUF001 - the German typographic dash of the label


class CaseEvent(models.Model):
    """One entry of the case timeline. Every app writes here through cases.services.add_event."""

    class Kind(models.TextChoices):
        CREATED = "created", _("report received")
        TRIAGED = "triaged", _("triage")
        NOTIFIED = "notified", _("notification sent")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        ASSIGNED = "assigned", _("owner assigned")
        STATUS = "status", _("status changed")
        EDITED = "edited", _("incident details changed")
        TEAM = "team", _("case team changed")
        MESSAGE = "message", _("message")
        TASK = "task", _("task")
        LINK = "link", _("linked case")
        EVIDENCE = "evidence", _("evidence")
        ASSESSMENT = "assessment", _("threat assessment")
        MEASURE = "measure", _("measure")
        CLOSED = "closed", _("closed")
        REOPENED = "reopened", _("reopened")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    by_reporter = models.BooleanField(default=False)  # the (anonymous) reporter acted
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Short and free of personal data ("Status: Gefährdungsbewertung"); details stay with the record.
    summary = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering: ClassVar[list[str]] = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case} {self.kind}"


class CaseMessage(models.Model):
    """A message between the case team and the reporter, or an internal note of the team."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    created_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    from_reporter = models.BooleanField(default=False)
    internal = models.BooleanField(_("internal note (not shown to the reporter)"), default=False)
    # A question to the reporter that waits for an answer.
    is_question = models.BooleanField(_("question to the reporter"), default=False)
    body = EncryptedTextField(_("message"))
    read_by_reporter_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case} message {self.pk}"


class CaseTask(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = EncryptedTextField(_("task"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="case_tasks", verbose_name=_("assigned to"))
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["done_at", "due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.case} task {self.pk}"


class CaseLink(models.Model):
    """Two related cases; stored once, shown on both."""

    class Kind(models.TextChoices):
        SAME_PERPETRATOR = "same_perpetrator", _("same perpetrator")
        SERIES = "series", _("part of a series")
        RELATED = "related", _("related")
        DUPLICATE = "duplicate", _("duplicate")

    from_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_out")
    to_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind of link"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["from_case", "to_case"], name="case_link_unique_pair"),
            models.CheckConstraint(condition=~models.Q(from_case=models.F("to_case")), name="case_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.from_case_id} – {self.to_case_id}"  # noqa: RUF001 - the German typographic dash of the label


class Notification(models.Model):
    """An in-app notification (acute cases, overdue acknowledgements, new messages, decisions)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Free of personal data: "Akuter Fall 2026-000123 in Ihrem Bereich".
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.message


class CaseNumberCounter(models.Model):
    """The last case number handed out in a year: the row the allocator locks (cases.services.next_reference).

    Locking one existing row serialises concurrent intakes on PostgreSQL, where locking the year's cases
    cannot stop two new rows; it also keeps a number used once, even after retention deleted its case.
    """

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class PendingAlarm(models.Model):
    """An acute alarm e-mail owed to one police contact, written in the intake's own transaction.

    The e-mail goes out right after the commit (cases.routing); if the process dies between the commit and
    the sending, the row stays and the task worker sends it within a minute (cases.tasks). ``sent_at`` marks
    it done, so it is sent once. Holds no content: the e-mail says only the case number and the link.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pending_alarms")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "created_at"], name="cases_alarm_pending_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.recipient_id}"


class IncidentStatistic(models.Model):
    """The anonymous statistical record of one case: categories only, no free text, no names.

    Written by cases.services.sync_statistic whenever a case's counted facts change; when retention
    deletes the case, ``case`` becomes NULL, dates are coarsened to the month and ``anonymised`` is set.
    All statistics are computed from this table, so they include deleted cases.
    """

    case = models.OneToOneField(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="statistic")
    reported_on = models.DateField(db_index=True)
    occurred_month = models.DateField(db_index=True)  # first day of the month of the incident (or its start)
    district = models.ForeignKey("registry.District", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    police_directorate = models.ForeignKey("registry.PoliceDirectorate", null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+")
    type_mask = models.PositiveIntegerField(default=0)  # bits: IncidentType order (type_bit)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    affected_role = models.CharField(max_length=30, choices=AffectedRole.choices)
    politically_motivated = models.CharField(max_length=10, choices=Tristate.choices)
    intake = models.CharField(max_length=20, choices=Case.Intake.choices)
    is_acute = models.BooleanField(default=False)
    acknowledgement_minutes = models.PositiveIntegerField(null=True, blank=True)
    measure_mask = models.BigIntegerField(default=0)  # bits: measures.models.MeasureKind order
    referral_mask = models.BigIntegerField(default=0)  # bits: measures.models.Partner.Category order
    closing_reason = models.CharField(max_length=30, blank=True)
    is_closed = models.BooleanField(default=False)
    anonymised = models.BooleanField(default=False)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["district", "occurred_month"], name="stat_district_month"),
            models.Index(fields=["police_directorate", "occurred_month"], name="stat_directorate_month"),
            # The acknowledgement percentiles read (month, acute, minutes) from the index alone.
            models.Index(fields=["occurred_month", "is_acute", "acknowledgement_minutes"], name="stat_month_acute_ack"),
        ]

    def __str__(self) -> str:
        return f"statistic {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # One transaction with the roll-up change the pre_save/post_save receivers make (cases.rollups).
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)


# --- roll-ups of the statistical record (cases.rollups, decision 0031) ---------------------------------

# Bits of each mask that have a count column in the roll-up (today 10 types, 8 measure kinds, 8 partner
# categories are used; codes are append-only, so a new code gets a column here without a data migration).
MASK_BITS = {"type_mask": 16, "measure_mask": 16, "referral_mask": 16}
# The largest relative error of a percentile of the time to acknowledgement read from the histogram.
ACK_RELATIVE_ERROR = 0.025


def rollup_column(field: str, value: Any) -> str:
    """The roll-up column that counts the records whose ``field`` has ``value``."""
    if isinstance(value, bool):
        return f"{field}_{'true' if value else 'false'}"
    return f"{field}_{value}"


class IncidentStatisticRollup(models.Model):
    """Per (month of the incident, district, directorate, synthetic): how many records, and how many with
    each category value and each mask bit. Keys are plain numbers, 0 meaning "none" (a unique key with NULL
    would not conflict), and not foreign keys: deleting a district recounts its rows instead."""

    occurred_month = models.DateField(_("month of the incident"))
    district_key = models.PositiveIntegerField(_("district (number)"), default=0)
    directorate_key = models.PositiveIntegerField(_("police directorate (number)"), default=0)
    is_synthetic = models.BooleanField(_("synthetic"), default=False)
    n = models.IntegerField(_("records"), default=0)

    class Meta:
        verbose_name = _("statistics roll-up")
        verbose_name_plural = _("statistics roll-ups")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["occurred_month", "district_key", "directorate_key", "is_synthetic"],
                                    name="stat_rollup_key"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["district_key", "occurred_month"], name="stat_rollup_district"),
            models.Index(fields=["directorate_key", "occurred_month"], name="stat_rollup_directorate"),
        ]

    def __str__(self) -> str:
        return f"roll-up {self.occurred_month:%Y-%m} {self.district_key}"


# One count column per category value ("Weg: Brief") and per mask bit ("Vorfallsarten, Bit 3"), named in German
# like every field the audit trail could name.
_YES_NO: dict[Any, Any] = {True: _("yes"), False: _("no")}
for _field, _values in (("channel", Channel.values), ("affected_role", AffectedRole.values),
                        ("politically_motivated", Tristate.values), ("intake", Case.Intake.values),
                        ("is_acute", [True, False])):
    _source: Any = Case._meta.get_field(_field)
    _labels: dict[Any, Any] = dict(_source.flatchoices) if _field != "is_acute" else _YES_NO
    for _value in _values:
        IncidentStatisticRollup.add_to_class(rollup_column(_field, _value), models.IntegerField(
            format_lazy("{}: {}", _source.verbose_name, _labels[_value]), default=0))
_MASK_LABELS = {"type_mask": _("incident types"), "measure_mask": _("measures"), "referral_mask": _("referrals")}
for _field, _count in MASK_BITS.items():
    for _index in range(_count):
        IncidentStatisticRollup.add_to_class(f"{_field}_{_index}", models.IntegerField(
            format_lazy("{}, {} {}", _MASK_LABELS[_field], _("bit"), _index), default=0))


class IncidentStatisticAckHistogram(models.Model):
    """How many acknowledged records per (month, synthetic, acute, bucket of minutes); the buckets are
    those of cases.rollups (exact minutes first, then geometric, ACK_RELATIVE_ERROR). No district or
    directorate: with them the table has nearly a row per record (decision 0031); filtered reads are exact."""

    occurred_month = models.DateField(_("month of the incident"))
    is_synthetic = models.BooleanField(_("synthetic"), default=False)
    is_acute = models.BooleanField(_("acute"), default=False)
    bucket = models.PositiveSmallIntegerField(_("range of minutes"))
    n = models.IntegerField(_("records"), default=0)

    class Meta:
        verbose_name = _("acknowledgement histogram")
        verbose_name_plural = _("acknowledgement histograms")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["occurred_month", "is_synthetic", "is_acute", "bucket"],
                                    name="stat_ack_histogram_key"),
        ]

    def __str__(self) -> str:
        return f"acknowledgement {self.occurred_month:%Y-%m} {self.bucket}"
