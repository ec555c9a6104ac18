"""The incident of a case: one set of checks for a new report (intake) and for editing it (the case team).

``clean_incident`` checks every incident field and lists ALL problems at their fields; ``update_incident``
is the case team's edit, validated the same way and then triaged again (cases.routing.retriage).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import User
from kommunalschutz.foundation.core import states
from kommunalschutz.foundation.core.audit import record_update, snapshot
from kommunalschutz.foundation.core.errors import Errors, add_error
from kommunalschutz.foundation.core.states import with_state
from kommunalschutz.foundation.core.validators import INCIDENT
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.protection.cases.models import (
    AffectedRole,
    Case,
    CaseEvent,
    Channel,
    ComplaintWish,
    IncidentType,
    PerpetratorKind,
    Place,
    PoliceConsent,
    Tristate,
    Urgency,
)
from kommunalschutz.protection.cases.routing import responsible_directorate, retriage
from kommunalschutz.protection.cases.services import add_event, ensure_open, locked_case, sync_statistic

# Length limits of the free-text fields (characters).
TEXT_LIMITS: dict[str, int] = {
    "description": 20_000,
    "place_detail": 1_000,
    "platform": 100,
    "affected_name": 300,
    "affected_contact": 500,
    "office_relation": 1_000,
    "perpetrator_details": 5_000,
    "witnesses": 5_000,
    "complaint_file_number": 100,
    "complaint_police_station": 300,
}

# Every incident field a report carries, in the order of the form.
INCIDENT_FIELDS: tuple[str, ...] = (
    "description", "incident_types", "occurred_at", "period_start", "period_end", "municipality", "place",
    "place_detail", "channel", "platform", "affected_role", "affected_name", "affected_contact",
    "office_relation", "perpetrator_kind", "perpetrator_known_to_victim", "perpetrator_details", "witnesses",
    "complaint_filed", "complaint_file_number", "complaint_police_station", "complaint_wanted", "police_consent",
    "politically_motivated", "urgency", "danger_now", "threat_to_life",
)
# The value of every incident field when nothing was entered (a new report, or a step left untouched).
DEFAULTS: dict[str, Any] = {
    "description": "", "incident_types": [], "occurred_at": None, "period_start": None, "period_end": None,
    "municipality": None, "place": "", "place_detail": "", "channel": "", "platform": "", "affected_role": "",
    "affected_name": "", "affected_contact": "", "office_relation": "",
    "perpetrator_kind": PerpetratorKind.UNKNOWN, "perpetrator_known_to_victim": Tristate.UNKNOWN,
    "perpetrator_details": "", "witnesses": "", "complaint_filed": False, "complaint_file_number": "",
    "complaint_police_station": "", "complaint_wanted": ComplaintWish.UNDECIDED,
    "police_consent": PoliceConsent.NOT_STATED, "politically_motivated": Tristate.UNKNOWN, "urgency": Urgency.MEDIUM,
    "danger_now": False, "threat_to_life": False,
}


# --- helpers --------------------------------------------------------------------------------------------


def clean_text(value: Any) -> str:
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
    text = clean_text(value)
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
    if municipality.land != states.current().key or municipality.valid_until is not None:
        add_error(errors, "municipality", with_state(_("Please choose a current municipality in %(state)s.")))
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
            raw[name] = DEFAULTS[name]

    errors: Errors = {}
    cleaned: dict[str, Any] = {}
    now = timezone.now()
    today = timezone.localdate()

    # Free text: stored as typed (templates escape it), within length limits.
    for name, limit in TEXT_LIMITS.items():
        text = clean_text(raw[name])
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
    codes = [clean_text(code) for code in types]
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
    earliest = INCIDENT.bounds()[0]  # typing errors such as 0001-01-01 (decision 0017)
    for name, moment in (("occurred_at", occurred_at), ("period_start", period_start), ("period_end", period_end)):
        if moment is not None and (moment.date() if isinstance(moment, dt.datetime) else moment) < earliest:
            add_error(errors, name, _("The date lies before %(earliest)s; please check the year.")
                      % {"earliest": earliest.strftime("%d.%m.%Y")})
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
    # The reporter's wish for a complaint (kept when one is filed later: the page shows the filed one then) and
    # the consent to pass the report on to the police beyond the case team.
    cleaned["complaint_wanted"] = _choice(errors, "complaint_wanted", raw["complaint_wanted"], ComplaintWish,
                                          required=False, default=ComplaintWish.UNDECIDED)
    cleaned["police_consent"] = _choice(errors, "police_consent", raw["police_consent"], PoliceConsent,
                                        required=False, default=PoliceConsent.NOT_STATED)
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


@transaction.atomic
def update_incident(*, actor: User, case: Case, data: dict[str, Any]) -> Case:
    """Edit the incident: validated like an intake, then triaged again (acuteness, routing)."""
    case = locked_case(case)
    ensure_open(case, "description")
    cleaned = clean_incident(data, anonymous=case.intake == Case.Intake.ANONYMOUS, instance=case)
    before = snapshot(case)
    for name, value in cleaned.items():
        setattr(case, name, value)
    if "municipality" in cleaned:
        municipality = case.municipality
        case.district = municipality.district if municipality is not None else None
        case.police_directorate = responsible_directorate(municipality)
    case.save()
    record_update(actor=actor, obj=case, before=before, summary="incident edited")
    add_event(case, CaseEvent.Kind.EDITED, gettext("Incident details changed"), actor=actor)
    retriage(case=case, actor=actor)
    sync_statistic(case)
    return case
