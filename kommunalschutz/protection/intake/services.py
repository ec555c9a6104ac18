"""Every write of the intake: the incident report (three ways), triage and routing, the anonymous path.

- ``clean_incident`` checks every incident field of a report and lists ALL problems at their fields;
- ``create_case`` stores a report in one transaction: case number, routing to the responsible police
  directorate (municipality -> district -> directorate), triage (acute or not), the acknowledgement
  deadline, timeline, audit and the anonymous statistical record; the people to tell are notified in the
  app in the same transaction and acute cases by e-mail once it has committed;
- ``submit_anonymous`` / ``open_anonymous_case`` are the anonymous way in and back: a 16-digit receipt,
  stored only as an HMAC, and a passphrase, stored only as a password hash. No IP address, no user agent.

The reporter's actions on the anonymous path are audited with actor None (the reporter has no account)
and appear on the timeline with ``by_reporter=True``. See docs/protection/intake.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import logging
import math
import secrets
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import Errors, add_error
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.protection.cases import services as case_services
from kommunalschutz.protection.cases.models import (
    AffectedRole,
    Case,
    CaseEvent,
    CaseMessage,
    Channel,
    IncidentType,
    PerpetratorKind,
    Place,
    Tristate,
    Urgency,
)
from kommunalschutz.protection.intake.models import DeletedReceipt, ReporterAccess

logger = logging.getLogger(__name__)


SAXONY = "14"
# Length limits of the free-text fields (characters).
TEXT_LIMITS: dict[str, int] = {
    "description": 20_000,
    "place_detail": 1_000,
    "platform": 100,
    "affected_name": 300,
    "affected_contact": 500,
    "office_relation": 1_000,
    "perpetrator_details": 5_000,
    "complaint_file_number": 100,
    "complaint_police_station": 300,
}
MESSAGE_MAX_CHARS = 20_000
PASSPHRASE_MIN_CHARS = 10
PASSPHRASE_MAX_CHARS = 200
RECEIPT_DIGITS = 16
# The anonymous endpoints' platform-wide limits count per window of this many seconds.
ANONYMOUS_WINDOW_SECONDS = 600
# The fixed purpose of the receipt HMAC (the key is derived from SECRET_KEY and this string).
RECEIPT_HMAC_PURPOSE = "kommunalschutz.intake.receipt-digest"
# The session key of an anonymous follow-up visit (holds the case id only while the visit lasts).
FOLLOW_UP_SESSION_KEY = "intake_follow_up_case"

# Every incident field a report carries, in the order of the form.
INCIDENT_FIELDS: tuple[str, ...] = (
    "description", "incident_types", "occurred_at", "period_start", "period_end", "municipality", "place",
    "place_detail", "channel", "platform", "affected_role", "affected_name", "affected_contact",
    "office_relation", "perpetrator_kind", "perpetrator_known_to_victim", "perpetrator_details",
    "complaint_filed", "complaint_file_number", "complaint_police_station", "politically_motivated",
    "urgency", "danger_now", "threat_to_life",
)
_DEFAULTS: dict[str, Any] = {
    "description": "", "incident_types": [], "occurred_at": None, "period_start": None, "period_end": None,
    "municipality": None, "place": "", "place_detail": "", "channel": "", "platform": "", "affected_role": "",
    "affected_name": "", "affected_contact": "", "office_relation": "",
    "perpetrator_kind": PerpetratorKind.UNKNOWN, "perpetrator_known_to_victim": Tristate.UNKNOWN,
    "perpetrator_details": "", "complaint_filed": False, "complaint_file_number": "",
    "complaint_police_station": "", "politically_motivated": Tristate.UNKNOWN, "urgency": Urgency.MEDIUM,
    "danger_now": False, "threat_to_life": False,
}


# --- refusals of the anonymous path ---------------------------------------------------------------------


class AccessRefused(Exception):
    """A refused anonymous request. ``status`` is what the API answers; the message is for people."""

    status = 404

    def __init__(self, message: str, *, retry_after_seconds: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_seconds = retry_after_seconds

    @property
    def retry_after_minutes(self) -> int:
        return max(1, math.ceil((self.retry_after_seconds or 60) / 60))


class NotFound(AccessRefused):
    """Wrong receipt or wrong passphrase: one answer for both."""

    status = 404


class TooManyRequests(AccessRefused):
    """A platform-wide limit is reached, or the receipt is locked after failed attempts."""

    status = 429


class ReceiptDeleted(AccessRefused):
    """The right receipt and passphrase, but retention has deleted the case."""

    status = 410


# --- helpers --------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").strip()


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return False
    text = str(value).strip().lower()
    if text in {"1", "true", "on", "yes", "ja"}:
        return True
    if text in {"0", "false", "off", "no", "nein"}:
        return False
    return None


def _datetime(value: Any) -> dt.datetime | None:
    """An aware datetime from a datetime or ISO text (naive values are Europe/Berlin local time)."""
    if isinstance(value, dt.datetime):
        parsed: dt.datetime | None = value
    elif isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValueError(value)
    else:
        raise ValueError(value)
    assert parsed is not None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            parsed = parse_date(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed
    raise ValueError(value)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _choice(errors: Errors, field: str, value: Any, choices: type[models.TextChoices], *,
            required: bool, default: str = "") -> str:
    text = _text(value)
    if not text:
        if required:
            add_error(errors, field, _("Please choose one of the options."))
        return default
    if text not in choices.values:
        add_error(errors, field, _("Please choose one of the offered options."))
        return default
    return text


def _municipality(errors: Errors, value: Any) -> Municipality | None:
    if _empty(value):
        add_error(errors, "municipality", _("Please name the municipality where it happened."))
        return None
    municipality: Municipality | None
    if isinstance(value, Municipality):
        municipality = value
    else:
        try:
            pk = int(str(value).strip())
        except ValueError:
            pk = None
        municipality = (Municipality.objects.select_related("district__police_directorate")
                        .filter(pk=pk).first() if pk is not None else None)
    if municipality is None:
        add_error(errors, "municipality", _("This municipality is unknown."))
        return None
    if municipality.land != SAXONY or municipality.valid_until is not None:
        add_error(errors, "municipality", _("Please choose a current municipality in Saxony."))
        return None
    return municipality


# --- the incident ---------------------------------------------------------------------------------------


def clean_incident(data: Mapping[str, Any], *, anonymous: bool = False, instance: Case | None = None) -> dict[str, Any]:
    """Check the incident fields of a report; return the cleaned values of all of them.

    Values missing from ``data`` are taken from ``instance`` (an edit) or their defaults. Raises
    ValidationError({field: [messages]}) naming every problem at once; nothing is saved here.
    """
    raw: dict[str, Any] = {}
    for name in INCIDENT_FIELDS:
        if name in data:
            raw[name] = data[name]
        elif instance is not None:
            raw[name] = getattr(instance, name)
        else:
            raw[name] = _DEFAULTS[name]

    errors: Errors = {}
    cleaned: dict[str, Any] = {}
    now = timezone.now()
    today = timezone.localdate()

    # Free text: stored as typed (templates escape it), within length limits.
    for name, limit in TEXT_LIMITS.items():
        text = _text(raw[name])
        if len(text) > limit:
            add_error(errors, name, ngettext("Please shorten this to at most %(limit)d character (it has %(count)d).",
                                        "Please shorten this to at most %(limit)d characters (it has %(count)d).",
                                        limit) % {"limit": limit, "count": len(text)})
        cleaned[name] = text
    if not cleaned["description"]:
        add_error(errors, "description", _("Please describe what happened."))

    # What: one or more types of the catalogue, each once.
    types = raw["incident_types"]
    if isinstance(types, str):
        types = [types] if types.strip() else []
    if not isinstance(types, (list, tuple)):
        types = []
    codes = [_text(code) for code in types]
    if not codes:
        add_error(errors, "incident_types", _("Please choose at least one type of incident."))
    unknown = [code for code in codes if code not in IncidentType.values]
    if unknown:
        add_error(errors, "incident_types", _("Unknown type of incident: %(codes)s.") % {"codes": ", ".join(unknown)})
    if len(set(codes)) != len(codes):
        add_error(errors, "incident_types", _("Please choose each type of incident only once."))
    # Kept in catalogue order, so the same report always reads the same.
    cleaned["incident_types"] = [code for code in IncidentType.values if code in codes]

    # When: a date and time, or a period of repeated acts (ongoing: without an end); never in the future.
    occurred_at = period_start = period_end = None
    if not _empty(raw["occurred_at"]):
        try:
            occurred_at = _datetime(raw["occurred_at"])
        except ValueError:
            add_error(errors, "occurred_at", _("Please enter a valid date and time."))
    for name in ("period_start", "period_end"):
        if not _empty(raw[name]):
            try:
                value = _date(raw[name])
            except ValueError:
                add_error(errors, name, _("Please enter a valid date."))
                continue
            if name == "period_start":
                period_start = value
            else:
                period_end = value
    has_time = not _empty(raw["occurred_at"])
    has_period = not _empty(raw["period_start"]) or not _empty(raw["period_end"])
    if has_time and has_period:
        add_error(errors, "occurred_at", _("Please give either a date and time or a period, not both."))
    elif not has_time and not has_period:
        add_error(errors, "occurred_at", _("Please say when it happened: a date and time, or a period."))
    if occurred_at is not None and occurred_at > now:
        add_error(errors, "occurred_at", _("The date and time lies in the future."))
    if has_period and _empty(raw["period_start"]):
        add_error(errors, "period_start", _("Please enter when the period began."))
    if period_start is not None and period_start > today:
        add_error(errors, "period_start", _("The start of the period lies in the future."))
    if period_end is not None and period_end > today:
        add_error(errors, "period_end", _("The end of the period lies in the future."))
    if period_start is not None and period_end is not None and period_end < period_start:
        add_error(errors, "period_end", _("The end of the period lies before its start."))
    cleaned.update(occurred_at=occurred_at, period_start=period_start, period_end=period_end)

    # Where and how.
    cleaned["municipality"] = _municipality(errors, raw["municipality"])
    cleaned["place"] = _choice(errors, "place", raw["place"], Place, required=True)
    cleaned["channel"] = _choice(errors, "channel", raw["channel"], Channel, required=True)
    if cleaned["channel"] == Channel.SOCIAL_MEDIA and not cleaned["platform"]:
        add_error(errors, "platform", _("Please name the platform (for example Facebook, X, Instagram, Telegram)."))

    # Who is affected.
    cleaned["affected_role"] = _choice(errors, "affected_role", raw["affected_role"], AffectedRole, required=True)
    if anonymous:
        for name in ("affected_name", "affected_contact"):
            if cleaned[name]:
                add_error(errors, name, _("An anonymous report asks for no name or contact; "
                                          "the case team answers through your receipt code."))

    # The perpetrator, the complaint, motivation and urgency.
    cleaned["perpetrator_kind"] = _choice(errors, "perpetrator_kind", raw["perpetrator_kind"], PerpetratorKind,
                                          required=False, default=PerpetratorKind.UNKNOWN)
    cleaned["perpetrator_known_to_victim"] = _choice(
        errors, "perpetrator_known_to_victim", raw["perpetrator_known_to_victim"], Tristate,
        required=False, default=Tristate.UNKNOWN)
    cleaned["politically_motivated"] = _choice(errors, "politically_motivated", raw["politically_motivated"],
                                               Tristate, required=False, default=Tristate.UNKNOWN)
    cleaned["urgency"] = _choice(errors, "urgency", raw["urgency"], Urgency, required=False, default=Urgency.MEDIUM)
    for name in ("complaint_filed", "danger_now", "threat_to_life"):
        flag = _bool(raw[name])
        if flag is None:
            add_error(errors, name, _("Please answer yes or no."))
            flag = False
        cleaned[name] = flag
    if not cleaned["complaint_filed"]:
        for name in ("complaint_file_number", "complaint_police_station"):
            if cleaned[name]:
                add_error(errors, name, _("Please tick that a criminal complaint was filed, or leave this empty."))

    if errors:
        raise ValidationError(errors)
    return cleaned


# --- triage ---------------------------------------------------------------------------------------------


def easter_sunday(year: int) -> dt.date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@functools.lru_cache(maxsize=64)
def saxony_holidays(year: int) -> frozenset[dt.date]:
    """Saxony's statewide public holidays (Corpus Christi is one only in some Sorbian places: not counted)."""
    easter = easter_sunday(year)
    # Buß- und Bettag: the Wednesday before 23 November (between 16 and 22 November).
    nov_22 = dt.date(year, 11, 22)
    repentance = nov_22 - dt.timedelta(days=(nov_22.weekday() - 2) % 7)
    days = {
        dt.date(year, 1, 1),  # New Year
        easter - dt.timedelta(days=2),  # Good Friday
        easter + dt.timedelta(days=1),  # Easter Monday
        dt.date(year, 5, 1),  # Labour Day
        easter + dt.timedelta(days=39),  # Ascension
        easter + dt.timedelta(days=50),  # Whit Monday
        dt.date(year, 10, 3),  # Day of German Unity
        dt.date(year, 10, 31),  # Reformation Day
        repentance,  # Day of Repentance and Prayer
        dt.date(year, 12, 25),
        dt.date(year, 12, 26),
    }
    return frozenset(days)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in saxony_holidays(day.year)


def acknowledgement_due(reported_at: dt.datetime, *, acute: bool) -> dt.datetime:
    """When a new case must have an owner: acute after CASE_ACK_HOURS_ACUTE hours, the others after
    CASE_ACK_WORKING_DAYS working days (Monday to Friday without Saxony's holidays) at the same local time of day."""
    if acute:
        return reported_at + dt.timedelta(hours=settings.CASE_ACK_HOURS_ACUTE)
    local = timezone.localtime(reported_at)
    day = local.date()
    remaining = settings.CASE_ACK_WORKING_DAYS
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    naive = dt.datetime.combine(day, local.time().replace(tzinfo=None))
    return timezone.make_aware(naive, timezone.get_current_timezone())


def _triage_reason(case: Case) -> str:
    if case.threat_to_life and case.danger_now:
        return _("Acute: danger now and a threat to life or limb")
    if case.threat_to_life:
        return _("Acute: threat to life or limb")
    if case.danger_now:
        return _("Acute: the reporter is in danger now")
    return _("Not acute")


def _routing_note(case: Case) -> str:
    directorate = case.police_directorate
    if directorate is None:
        return _("no police directorate could be determined")
    return _("responsible: %(directorate)s") % {"directorate": directorate.name}


# --- notifications --------------------------------------------------------------------------------------


def _case_path(case: Case) -> str:
    return reverse("cases:case_detail", args=[case.pk])


def _notify_new_case(case: Case, *, actor: Any, reason: str) -> None:
    """In-app notifications now (same transaction), e-mail to the police for acute cases after commit."""
    exclude = {getattr(actor, "pk", None)}
    police = [user for user in case_services.police_contacts(case) if user.pk not in exclude]
    people = {user.pk: user for user in [*police, *case_services.coordinators()] if user.pk not in exclude}
    path = _case_path(case)
    if case.is_acute:
        message = _("Acute case %(reference)s: please act now") % {"reference": case.reference}
    else:
        message = _("New case %(reference)s") % {"reference": case.reference}
    case_services.notify(people.values(), case, message, path)
    mailed = [user for user in police if user.email] if case.is_acute else []
    summary = ngettext("%(reason)s: %(count)d person notified in the app",
                       "%(reason)s: %(count)d people notified in the app", len(people)) % {
        "reason": reason, "count": len(people)}
    if mailed:
        summary += ngettext(", %(count)d police contact by e-mail", ", %(count)d police contacts by e-mail",
                            len(mailed)) % {"count": len(mailed)}
    case_services.add_event(case, CaseEvent.Kind.NOTIFIED, summary)
    if mailed:
        reference, addresses = case.reference, [user.email for user in mailed]
        transaction.on_commit(lambda: _send_acute_mail(reference, path, addresses))


def _send_acute_mail(reference: str, path: str, addresses: list[str]) -> None:
    """The acute alarm by e-mail: case number, "acute" and the link path; no personal data."""
    subject = _("ACUTE: protection case %(reference)s") % {"reference": reference}
    body = _(
        "An acute protection case has been reported in your area.\n\n"
        "Case number: %(reference)s\nTriage: acute\nOpen it in Kommunalschutz: %(path)s\n\n"
        "The details are only in the platform. Please take the case now."
    ) % {"reference": reference, "path": path}
    for address in addresses:
        try:
            send_mail(subject, body, None, [address])
        except Exception:  # one failed address must not stop the alarm to the others
            logger.exception("Acute alarm e-mail for case %s could not be sent", reference)


# --- creating a case ------------------------------------------------------------------------------------


@transaction.atomic
def create_case(*, actor: Any, data: Mapping[str, Any], intake: str, affected_user: Any = None,
                reported_at: dt.datetime | None = None, is_synthetic: bool = False,
                notify_now: bool = True) -> Case:
    """Store a report as a new case, triaged and routed; see the module docstring."""
    if intake not in Case.Intake.values:
        raise ValueError(f"unknown intake {intake!r}")
    anonymous = intake == Case.Intake.ANONYMOUS
    reported_at = reported_at or timezone.now()
    errors: Errors = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned = clean_incident(data, anonymous=anonymous)
    except ValidationError as exc:
        errors = {field: list(messages) for field, messages in exc.message_dict.items()}
    if intake == Case.Intake.ON_BEHALF:
        for name, message in (("affected_name", _("Please name the person you report for.")),
                              ("affected_contact", _("Please say how the case team can reach the person."))):
            if not _text(data.get(name)):
                add_error(errors, name, message)
    occurred = cleaned.get("occurred_at")
    if occurred is not None and occurred > reported_at:
        add_error(errors, "occurred_at", _("The incident cannot lie after the report."))
    if errors:
        raise ValidationError(errors)

    municipality = cleaned["municipality"]
    case = Case(**cleaned)
    case.reference = case_services.next_reference(reported_at)
    case.intake = intake
    case.reported_at = reported_at
    case.reported_by = actor if getattr(actor, "is_authenticated", False) else None
    case.affected_user = affected_user
    case.district = municipality.district
    case.police_directorate = case_services.responsible_directorate(municipality)
    case.is_acute = bool(case.danger_now or case.threat_to_life)
    case.acknowledgement_due_at = acknowledgement_due(reported_at, acute=case.is_acute)
    case.is_synthetic = is_synthetic
    case.save(force_insert=True)

    reason = _triage_reason(case)
    case_services.add_event(case, CaseEvent.Kind.CREATED, str(Case.Intake(intake).label), actor=actor,
                            at=reported_at)
    case_services.add_event(case, CaseEvent.Kind.TRIAGED, f"{reason}; {_routing_note(case)}", at=reported_at)
    audit.record_create(actor=actor, obj=case)
    case_services.sync_statistic(case)
    if notify_now:
        _notify_new_case(case, actor=actor, reason=reason)
    return case


@transaction.atomic
def retriage(*, case: Case, actor: Any) -> bool:
    """After the incident was edited: a case that became acute is marked, its deadline shortened (while no
    one has acknowledged it) and the police alarmed. A case never becomes non-acute here. Returns whether it changed."""
    if case.is_acute or not (case.danger_now or case.threat_to_life):
        return False
    before = audit.snapshot(case, ["is_acute", "acknowledgement_due_at"])
    case.is_acute = True
    if case.acknowledged_at is None:
        due = acknowledgement_due(timezone.now(), acute=True)
        if case.acknowledgement_due_at is None or due < case.acknowledgement_due_at:
            case.acknowledgement_due_at = due
    case.save(update_fields=["is_acute", "acknowledgement_due_at", "updated_at"])
    reason = _triage_reason(case)
    case_services.add_event(case, CaseEvent.Kind.TRIAGED, _("Re-triaged. %(reason)s") % {"reason": reason},
                            actor=actor)
    audit.record_update(actor=actor, obj=case, before=before, summary="re-triaged: acute")
    case_services.sync_statistic(case)
    _notify_new_case(case, actor=actor, reason=reason)
    return True


# --- platform-wide budgets (cache slots, no address) ----------------------------------------------------

_BUDGET_KEY = "intake:budget:{name}:{slot}"


def _budget_keys(name: str, limit: int) -> list[str]:
    return [_BUDGET_KEY.format(name=name, slot=slot) for slot in range(limit)]


def _budget_wait(name: str, limit: int) -> int | None:
    """Seconds until the budget has room again, or None if it has room now.

    Every use claims one of ``limit`` numbered cache slots with cache.add (atomic on every backend);
    each slot expires one window after its use, so the limit is a sliding window (as accounts.throttle).
    """
    taken = cache.get_many(_budget_keys(name, limit))
    if len(taken) < limit:
        return None
    earliest = min(float(expiry) for expiry in taken.values())
    return max(1, math.ceil(earliest - time.time()))


def _budget_use(name: str, limit: int, window: int) -> None:
    keys = _budget_keys(name, limit)
    expiry = time.time() + window
    start = len(cache.get_many(keys)) % limit  # the next free slot, usually
    for index in range(limit):
        if cache.add(keys[(start + index) % limit], expiry, timeout=window):
            return


def _budget_clear(name: str, limit: int) -> None:
    cache.delete_many(_budget_keys(name, limit))


def _reports_limit() -> int:
    return int(settings.ANONYMOUS_REPORTS_PER_WINDOW)


def _failures_limit() -> int:
    return int(settings.ANONYMOUS_LOOKUP_FAILURES_PER_WINDOW)


def _too_many_reports(wait: int) -> TooManyRequests:
    minutes = max(1, math.ceil(wait / 60))
    return TooManyRequests(ngettext(
        "Too many reports are arriving right now. Please try again in %(minutes)d minute. "
        "In acute danger call the police emergency number 110.",
        "Too many reports are arriving right now. Please try again in %(minutes)d minutes. "
        "In acute danger call the police emergency number 110.", minutes) % {"minutes": minutes},
        retry_after_seconds=wait)


def _too_many_lookups(wait: int) -> TooManyRequests:
    minutes = max(1, math.ceil(wait / 60))
    return TooManyRequests(ngettext(
        "Too many failed attempts on this service right now. Please try again in %(minutes)d minute.",
        "Too many failed attempts on this service right now. Please try again in %(minutes)d minutes.",
        minutes) % {"minutes": minutes}, retry_after_seconds=wait)


# --- receipts -------------------------------------------------------------------------------------------


def new_receipt() -> str:
    """16 random decimal digits (the first may be 0)."""
    return "".join(secrets.choice("0123456789") for _digit in range(RECEIPT_DIGITS))


def format_receipt(receipt: str) -> str:
    """"1234 5678 9012 3456": grouped for reading and noting down."""
    return " ".join(receipt[index:index + 4] for index in range(0, len(receipt), 4))


def normalise_receipt(value: Any) -> str:
    """The 16 digits of a receipt as typed (spaces and dashes ignored); ValidationError if malformed."""
    text = "".join(str(value or "").split())
    for dash in "-\u2010\u2011\u2012\u2013\u2014":
        text = text.replace(dash, "")
    if len(text) != RECEIPT_DIGITS or not text.isascii() or not text.isdigit():
        raise ValidationError({"receipt": [
            _("A receipt code consists of 16 digits, for example 1234 5678 9012 3456.")]})
    return text


def receipt_digest(receipt: str, secret: str | None = None) -> str:
    """HMAC-SHA256 of the receipt, keyed with a key derived from SECRET_KEY and a fixed purpose."""
    return salted_hmac(RECEIPT_HMAC_PURPOSE, receipt, secret=secret, algorithm="sha256").hexdigest()


def _candidate_digests(receipt: str) -> list[str]:
    """The digest under SECRET_KEY and under each SECRET_KEY_FALLBACKS (receipts survive a key rotation)."""
    secrets_in_use = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [receipt_digest(receipt, secret) for secret in secrets_in_use]


def _match(model: type[ReporterAccess] | type[DeletedReceipt], digests: list[str]) -> Any:
    for row in model.objects.filter(receipt_digest__in=digests):
        if any(hmac.compare_digest(row.receipt_digest, digest) for digest in digests):
            return row
    return None


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A password hash nobody knows, checked when a receipt is unknown so the answer takes as long."""
    return make_password(secrets.token_urlsafe(32))


def add_passphrase_errors(errors: Errors, passphrase: str, repeat: str) -> None:
    if len(passphrase) < PASSPHRASE_MIN_CHARS:
        add_error(errors, "passphrase", ngettext(
                 "The passphrase needs at least %(count)d character.",
                 "The passphrase needs at least %(count)d characters.", PASSPHRASE_MIN_CHARS) % {
                 "count": PASSPHRASE_MIN_CHARS})
    elif len(passphrase) > PASSPHRASE_MAX_CHARS:
        add_error(errors, "passphrase", _("The passphrase may have at most %(count)d characters.") % {
                 "count": PASSPHRASE_MAX_CHARS})
    if passphrase != repeat:
        add_error(errors, "passphrase_repeat", _("The two passphrases differ."))


def submit_anonymous(*, data: Mapping[str, Any], passphrase: str, passphrase_repeat: str) -> tuple[Case, str]:
    """Store an anonymous report; return the case and its receipt (16 digits) once it is committed.

    No account, no IP address, no user agent: nothing of the request reaches this function but the form.
    """
    wait = _budget_wait("reports", _reports_limit())
    if wait is not None:
        raise _too_many_reports(wait)
    passphrase = passphrase or ""
    passphrase_repeat = passphrase_repeat or ""
    errors: Errors = {}
    try:
        clean_incident(data, anonymous=True)
    except ValidationError as exc:
        errors = {field: list(messages) for field, messages in exc.message_dict.items()}
    add_passphrase_errors(errors, passphrase, passphrase_repeat)
    if errors:
        raise ValidationError(errors)

    passphrase_hash = make_password(passphrase)
    # durable: the receipt is handed out only once the report is really stored.
    with transaction.atomic(durable=True):
        case = create_case(actor=None, data=data, intake=Case.Intake.ANONYMOUS)
        for _attempt in range(5):
            receipt = new_receipt()
            digest = receipt_digest(receipt)
            if not ReporterAccess.objects.filter(receipt_digest=digest).exists() and \
                    not DeletedReceipt.objects.filter(receipt_digest=digest).exists():
                break
        else:  # pragma: no cover - 10**16 codes
            raise RuntimeError("no free receipt code")
        access = ReporterAccess.objects.create(case=case, receipt_digest=digest, passphrase_hash=passphrase_hash)
        audit.record_create(actor=None, obj=access, secret=("receipt_digest", "passphrase_hash"))
    _budget_use("reports", _reports_limit(), ANONYMOUS_WINDOW_SECONDS)
    return case, receipt


def _lock_keys(access: ReporterAccess) -> list[str]:
    # Keyed by the row id, never by the receipt or its digest.
    return _budget_keys(f"receipt-{access.pk}", int(settings.RECEIPT_LOCKOUT_ATTEMPTS))


def _locked_error(until: dt.datetime) -> TooManyRequests:
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    minutes = max(1, math.ceil(seconds / 60))
    return TooManyRequests(ngettext(
        "This receipt code is locked after several wrong passphrases. Please try again in %(minutes)d minute.",
        "This receipt code is locked after several wrong passphrases. Please try again in %(minutes)d minutes.",
        minutes) % {"minutes": minutes}, retry_after_seconds=seconds)


def _not_found() -> NotFound:
    return NotFound(_("Receipt code or passphrase is not correct. Please check both."))


def open_anonymous_case(*, receipt: str, passphrase: str) -> Case:
    """The case behind a receipt and passphrase. Refusals: ValidationError (malformed receipt), NotFound
    (wrong receipt or passphrase, one answer for both), TooManyRequests (locked receipt, platform-wide
    failure budget used up), ReceiptDeleted (retention deleted the case; only with the right passphrase)."""
    number = normalise_receipt(receipt)
    wait = _budget_wait("lookup-failures", _failures_limit())
    if wait is not None:
        raise _too_many_lookups(wait)
    digests = _candidate_digests(number)
    access: ReporterAccess | None = _match(ReporterAccess, digests)
    deleted: DeletedReceipt | None = None if access is not None else _match(DeletedReceipt, digests)
    stored = access.passphrase_hash if access is not None else deleted.passphrase_hash if deleted else _dummy_hash()
    # Exactly one password check on every path, so the time taken does not tell whether a receipt exists.
    correct = check_password(passphrase or "", stored) and (access is not None or deleted is not None)

    now = timezone.now()
    if access is not None and access.locked_until is not None and access.locked_until > now:
        raise _locked_error(access.locked_until)
    if correct and access is not None:
        if access.failed_attempts or access.locked_until:
            ReporterAccess.objects.filter(pk=access.pk).update(failed_attempts=0, locked_until=None)
        cache.delete_many(_lock_keys(access))
        return access.case
    if correct and deleted is not None:
        raise ReceiptDeleted(_("This report was deleted after the retention period. "
                               "Its messages and evidence no longer exist."))

    _budget_use("lookup-failures", _failures_limit(), ANONYMOUS_WINDOW_SECONDS)
    if access is not None:
        _register_receipt_failure(access)
    raise _not_found()


def _register_receipt_failure(access: ReporterAccess) -> None:
    limit = int(settings.RECEIPT_LOCKOUT_ATTEMPTS)
    window = int(settings.RECEIPT_LOCKOUT_MINUTES) * 60
    _budget_use(f"receipt-{access.pk}", limit, window)
    until: dt.datetime | None = None
    with transaction.atomic():
        ReporterAccess.objects.filter(pk=access.pk).update(failed_attempts=F("failed_attempts") + 1)
        if _budget_wait(f"receipt-{access.pk}", limit) is not None:
            until = timezone.now() + dt.timedelta(minutes=int(settings.RECEIPT_LOCKOUT_MINUTES))
            ReporterAccess.objects.filter(pk=access.pk).update(locked_until=until)
            audit.record(actor=None, action=AuditEvent.Action.OTHER, obj=access,
                         summary="receipt locked after failed passphrases")
    if until is not None:
        cache.delete_many(_lock_keys(access))
        raise _locked_error(until)


# --- the anonymous reporter's follow-up -----------------------------------------------------------------


def visible_messages(case: Case) -> list[CaseMessage]:
    """The messages the reporter sees: everything that is not an internal note."""
    return list(CaseMessage.objects.filter(case=case, internal=False).order_by("created_at", "pk"))


def _team_to_tell(case: Case) -> list[User]:
    people = {user.pk: user for user in case_services.team_users(case)}
    if case.owner_id is None:
        people.update({user.pk: user for user in case_services.coordinators()})
    return list(people.values())


@transaction.atomic
def reporter_reply(*, case: Case, body: str) -> CaseMessage:
    """A message of the anonymous reporter to the case team."""
    text = _text(body)
    if not text:
        raise ValidationError({"body": [_("Please write your message.")]})
    if len(text) > MESSAGE_MAX_CHARS:
        raise ValidationError({"body": [_("Please shorten your message to at most %(limit)d characters.") % {
            "limit": MESSAGE_MAX_CHARS}]})
    message = CaseMessage.objects.create(case=case, from_reporter=True, body=text)
    case_services.add_event(case, CaseEvent.Kind.MESSAGE, _("Message from the reporter"), by_reporter=True)
    audit.record_create(actor=None, obj=message, summary="message from the anonymous reporter")
    team = _team_to_tell(case)
    subject = _("New message from the reporter of case %(reference)s") % {"reference": case.reference}
    case_services.notify(team, case, subject, _case_path(case))
    # The same content-free e-mail as for a logged-in reporter's message, once the message is stored.
    body = _("The reporter has written. Please read the message on the platform.")
    transaction.on_commit(lambda: case_services.mail_without_content(team, case, subject, body))
    return message


def mark_read_by_reporter(case: Case) -> int:
    """The anonymous reporter has seen the team's messages (cases.services does it for every reporter)."""
    return case_services.mark_read_by_reporter(case)


def reporter_add_file(*, case: Case, upload: Any, description: str = "") -> Any:
    """Evidence file from the anonymous reporter (through the evidence app), and the team is told."""
    from kommunalschutz.protection.evidence import services as evidence_services

    with transaction.atomic():
        item = evidence_services.add_file(case=case, actor=None, upload=upload, description=description,
                                          by_reporter=True)
        case_services.notify(_team_to_tell(case), case,
                             _("New evidence from the reporter of case %(reference)s") % {"reference": case.reference},
                             _case_path(case))
    return item


def reporter_add_online_content(*, case: Case, data: Mapping[str, Any], upload: Any = None) -> Any:
    """An online-content record from the anonymous reporter (through the evidence app)."""
    from kommunalschutz.protection.evidence import services as evidence_services

    with transaction.atomic():
        item = evidence_services.add_online_content(case=case, actor=None, data=data, upload=upload,
                                                    by_reporter=True)
        case_services.notify(_team_to_tell(case), case,
                             _("New evidence from the reporter of case %(reference)s") % {"reference": case.reference},
                             _case_path(case))
    return item


@transaction.atomic
def tombstone_receipt(case: Case) -> None:
    """Before retention deletes a case: keep only that its receipt existed, so its holder learns why it is gone."""
    access = ReporterAccess.objects.filter(case=case).first()
    if access is None:
        return
    DeletedReceipt.objects.update_or_create(
        receipt_digest=access.receipt_digest,
        defaults={"passphrase_hash": access.passphrase_hash, "deleted_on": timezone.localdate()})
    audit.record_delete(actor=None, obj=access, secret=("receipt_digest", "passphrase_hash"),
                        summary="receipt tombstoned before retention deletion")
    access.delete()
