"""Writes of the officials' survey: waves, the frame, the field period, open links, reviews.

Every function runs in one transaction and is audited; bad input raises a ValidationError with German
messages and writes nothing. Permissions are checked by the callers (views, API) through rules.py.
Answers are written by answering.py (they carry no actor: the respondent is anonymous).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor, Organisation
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.dates import add_months
from kommunalschutz.foundation.core.errors import Errors, add_error, raise_if_errors
from kommunalschutz.foundation.registry.models import District, Municipality
from kommunalschutz.surveys.officials import codes, item_bank
from kommunalschutz.surveys.officials.letters import delete_letters
from kommunalschutz.surveys.officials.models import (
    LISTED_ROLES,
    FrameEntry,
    OfficialRole,
    OpenLink,
    Response,
    ResponseText,
    SizeClass,
    Wave,
    size_class_of,
)

Status = Wave.Status
# Saxony's municipal code (SächsGemO § 51 (2)): in a municipality of fewer than 5,000 inhabitants the
# mayor is honorary unless its main statute says otherwise. The frame records the rule's answer; a
# municipality's own list or the coordination office corrects an exception (change_role).
HONORARY_MAYOR_BELOW = 5_000
MONTHS = {Wave.Cadence.HALF_YEARLY: 6, Wave.Cadence.YEARLY: 12}
MAX_ADDRESSED = 5_000


def _check_wave(data: dict[str, Any]) -> Errors:
    errors: Errors = {}
    if not str(data.get("title") or "").strip():
        add_error(errors, "title", _("Enter a title."))
    dates: dict[str, dt.date] = {}
    for name in ("reference_start", "reference_end", "field_start", "field_end"):
        value = data.get(name)
        if isinstance(value, dt.date):
            dates[name] = value
        else:
            add_error(errors, name, _("Enter a date."))
    if errors:
        return errors
    if dates["reference_start"] >= dates["reference_end"]:
        add_error(errors, "reference_end", _("The reference period must end after it begins."))
    elif (dates["reference_end"] - dates["reference_start"]).days > 370:
        add_error(errors, "reference_end", _("A reference period covers at most twelve months."))
    if dates["field_start"] > dates["field_end"]:
        add_error(errors, "field_end", _("The field period must end after it begins."))
    if dates["field_start"] < dates["reference_end"] - dt.timedelta(days=31):
        add_error(errors, "field_start", _(
            "The field period begins at the earliest one month before the end of the reference period."))
    if data.get("cadence", Wave.Cadence.HALF_YEARLY) not in Wave.Cadence.values:
        add_error(errors, "cadence", _("Choose half-yearly or yearly."))
    contractor = data.get("contractor")
    if contractor is not None and (not isinstance(contractor, Organisation)
                                   or contractor.kind != Organisation.Kind.ANALYSIS_CONTRACTOR):
        add_error(errors, "contractor", _("Choose an analysis contractor."))
    return errors


@transaction.atomic
def create_wave(*, actor: Actor, data: dict[str, Any], is_synthetic: bool = False) -> Wave:
    raise_if_errors(_check_wave(data))
    wave = Wave.objects.create(
        title=str(data["title"]).strip()[:200], reference_start=data["reference_start"],
        reference_end=data["reference_end"], field_start=data["field_start"], field_end=data["field_end"],
        cadence=data.get("cadence", Wave.Cadence.HALF_YEARLY), contractor=data.get("contractor"),
        created_by=actor if actor and actor.pk else None, is_synthetic=is_synthetic)
    audit.record_create(actor=actor, obj=wave)
    return wave


def _in_preparation(wave: Wave, field: str = "__all__") -> None:
    if wave.status != Status.PREPARATION:
        raise_if_errors({field: [_("The frame can only change before the field period begins.")]})


def _mayor_role(municipality: Municipality) -> str:
    if municipality.population >= HONORARY_MAYOR_BELOW:
        return str(OfficialRole.MAYOR_FULL_TIME)
    return str(OfficialRole.MAYOR_HONORARY)


def _office_address(title: str, place: str, street: str, postcode: str, city: str) -> dict[str, str]:
    return {"name": f"{title or _('Head of the administration')}, {place}", "street": street,
            "postcode": postcode, "city": city}


@transaction.atomic
def add_registry_frame(*, actor: Actor, wave: Wave) -> int:
    """The heads of every current municipality (mayors) and of every rural district (district
    administrators) from the registry's town-hall and district-office contacts. Addressed to the office,
    not to a name: the registry holds no names."""
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    _in_preparation(wave)
    if wave.frame.filter(source=FrameEntry.Source.REGISTRY).exists():
        raise_if_errors({"__all__": [_("The registry's heads are already in the frame.")]})
    entries = [
        FrameEntry(wave=wave, role=_mayor_role(m), district_id=m.district_id, municipality=m,
                   size_class=size_class_of(m.population), source=FrameEntry.Source.REGISTRY,
                   address=_office_address(m.office_title, m.name, m.street, m.address_postcode, m.city))
        for m in Municipality.objects.filter(valid_until__isnull=True).order_by("ags")
    ]
    entries += [
        FrameEntry(wave=wave, role=OfficialRole.DISTRICT_ADMINISTRATOR, district=d, municipality=None,
                   size_class=SizeClass.DISTRICT, source=FrameEntry.Source.REGISTRY,
                   address=_office_address(d.office_title, d.name, d.street, d.postcode, d.city))
        for d in District.objects.filter(kind=District.Kind.RURAL).order_by("ags")
    ]
    if not entries:
        raise_if_errors({"__all__": [_("The registry is empty: import it first.")]})
    FrameEntry.objects.bulk_create(entries, batch_size=500)
    audit.record(actor=actor, action="create", obj=wave,
                 summary=f"{len(entries)} heads of town halls and district offices added to the frame")
    return len(entries)


@transaction.atomic
def change_role(*, actor: Actor, entry: FrameEntry, role: str) -> FrameEntry:
    """Correct a head's role (an honorary mayor of a large municipality, or the other way round)."""
    wave = Wave.objects.select_for_update().get(pk=entry.wave_id)
    _in_preparation(wave, "role")
    allowed = {OfficialRole.MAYOR_FULL_TIME, OfficialRole.MAYOR_HONORARY} if entry.municipality_id else set()
    if role not in allowed:
        raise_if_errors({"role": [_("This role cannot be chosen for this entry.")]})
    before = audit.snapshot(entry, ["role"])
    entry.role = role
    entry.save(update_fields=["role"])
    audit.record_update(actor=actor, obj=entry, before=before)
    return entry


@transaction.atomic
def open_field(*, actor: Actor, wave: Wave) -> int:
    """Begin the field period: freeze the questionnaire's version and seal an envelope (a fresh access
    code) for every entry of the frame. Returns the number of envelopes."""
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if wave.status != Status.PREPARATION:
        raise_if_errors({"__all__": [_("The field period has already begun.")]})
    entries = list(wave.frame.all())
    if not entries and not wave.open_links.exists():
        raise_if_errors({"__all__": [_("The frame is empty: add the registry's heads, a list or an open link.")]})
    for entry in entries:
        code = codes.new_code()
        entry.code, entry.code_digest = code, codes.digest(code)
    FrameEntry.objects.bulk_update(entries, ["code", "code_digest"], batch_size=500)
    before = audit.snapshot(wave, ["status", "bank_version", "opened_at"])
    wave.status, wave.bank_version, wave.opened_at = Status.FIELD, item_bank.VERSION, timezone.now()
    wave.save(update_fields=["status", "bank_version", "opened_at"])
    audit.record_update(actor=actor, obj=wave, before=before,
                        summary=f"field period opened: {len(entries)} sealed envelopes")
    return len(entries)


@transaction.atomic
def record_reminder(*, actor: Actor, wave: Wave) -> int:
    """Count a reminder round (the letters go to those whose code is unused); returns how many."""
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if wave.status != Status.FIELD:
        raise_if_errors({"__all__": [_("Reminders are only sent during the field period.")]})
    pending = wave.frame.filter(used=False).count()
    before = audit.snapshot(wave, ["reminders_sent"])
    wave.reminders_sent += 1
    wave.save(update_fields=["reminders_sent"])
    audit.record_update(actor=actor, obj=wave, before=before,
                        summary=f"reminder {wave.reminders_sent} to {pending} officials")
    return pending


@transaction.atomic
def close_wave(*, actor: Actor, wave: Wave) -> Wave:
    """End the field period. Codes and the addresses of the uploaded lists are deleted (the frame keeps
    role, place and the answered flag for the response rates); open links stop working."""
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if wave.status != Status.FIELD:
        raise_if_errors({"__all__": [_("Only a wave in the field can be closed.")]})
    wave.frame.update(code="", code_digest=None)
    wave.frame.filter(source=FrameEntry.Source.UPLOAD).update(address={})
    wave.open_links.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    before = audit.snapshot(wave, ["status", "closed_at"])
    wave.status, wave.closed_at = Status.CLOSED, timezone.now()
    wave.save(update_fields=["status", "closed_at"])
    # Every answer sheet and frame entry is rewritten in this one transaction: on PostgreSQL their rows
    # then all carry its transaction id, so not even the database's own bookkeeping (xmin) can pair an
    # answer with the code checked off in the same transaction during the field period.
    for response in Response.objects.filter(wave=wave).only("pk", "answers"):
        Response.objects.filter(pk=response.pk).update(answers=response.answers)
    for text in ResponseText.objects.filter(wave=wave).only("pk", "text"):
        ResponseText.objects.filter(pk=text.pk).update(text=text.text)
    audit.record_update(actor=actor, obj=wave, before=before,
                        summary="wave closed, access codes and the addresses of the lists deleted")
    transaction.on_commit(lambda: delete_letters(wave.pk))
    return wave


def next_period(wave: Wave) -> tuple[dt.date, dt.date]:
    months = MONTHS[Wave.Cadence(wave.cadence)]
    start = wave.reference_end + dt.timedelta(days=1)
    return start, add_months(start, months) - dt.timedelta(days=1)


def next_wave_data(wave: Wave) -> dict[str, Any]:
    start, end = next_period(wave)
    field_start = end + dt.timedelta(days=1)
    return {"title": _("Officials' survey %(start)s to %(end)s") % {
                "start": start.strftime("%m/%Y"), "end": end.strftime("%m/%Y")},
            "reference_start": start, "reference_end": end, "field_start": field_start,
            "field_end": field_start + dt.timedelta(days=41), "cadence": wave.cadence, "contractor": wave.contractor}


@transaction.atomic
def schedule_next_wave(*, actor: Actor, wave: Wave) -> Wave:
    """The following wave on the cadence (its reference period begins the day after this one's ends)."""
    data = next_wave_data(wave)
    if Wave.objects.filter(reference_start=data["reference_start"]).exists():
        raise_if_errors({"__all__": [_("The next wave is already planned.")]})
    return create_wave(actor=actor, data=data, is_synthetic=wave.is_synthetic)


def plan_due_waves(today: dt.date | None = None) -> list[Wave]:
    """The schedule (daily): for the latest wave, once the reference period after it has begun, plan the wave
    that asks about it (in preparation, for the coordination office to bring the frame in). Idempotent."""
    from django.utils import timezone as tz

    today = today or tz.localdate()
    latest = Wave.objects.order_by("-reference_start").first()
    planned: list[Wave] = []
    while latest is not None and next_period(latest)[0] <= today:
        if Wave.objects.filter(reference_start=next_period(latest)[0]).exists():
            break
        latest = schedule_next_wave(actor=None, wave=latest)
        planned.append(latest)
    return planned


@transaction.atomic
def create_open_link(*, actor: Actor, wave: Wave, municipality: Municipality, role: str,
                     addressed: int | None) -> tuple[OpenLink, str]:
    """A link for one group of one municipality without a list; returns it and its token."""
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    errors: Errors = {}
    if wave.status == Status.CLOSED:
        add_error(errors, "__all__", _("The wave is closed."))
    if role not in LISTED_ROLES:
        add_error(errors, "role", _("Open links are for council members, honorary officials and staff."))
    if not isinstance(addressed, int) or not 1 <= addressed <= MAX_ADDRESSED:
        add_error(errors, "addressed", _("Enter how many persons the link goes to (1 to %(max)s).")
                  % {"max": MAX_ADDRESSED})
        addressed = 0
    if not municipality.is_current:
        add_error(errors, "municipality", _("This municipality no longer exists."))
    if OpenLink.objects.filter(wave=wave, municipality=municipality, role=role).exists():
        add_error(errors, "role", _("This municipality already has an open link for this group."))
    if wave.frame.filter(municipality=municipality, role=role).exists():
        add_error(errors, "role", _("This group is already in the frame from the municipality's list."))
    raise_if_errors(errors)
    token = codes.new_link_token()
    link = OpenLink.objects.create(wave=wave, municipality=municipality, role=role, addressed=addressed,
                                   token=token, token_digest=codes.link_digest(token))
    audit.record_create(actor=actor, obj=link, secret=["token", "token_digest"])
    return link, token


@transaction.atomic
def revoke_open_link(*, actor: Actor, link: OpenLink) -> OpenLink:
    link = OpenLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is None:
        before = audit.snapshot(link, ["revoked_at"])
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit.record_update(actor=actor, obj=link, before=before)
    return link


@transaction.atomic
def review_text(*, actor: Actor, text: ResponseText, decision: str) -> ResponseText:
    if decision not in (ResponseText.Review.RELEASED, ResponseText.Review.WITHHELD):
        raise_if_errors({"decision": [_("Choose release or withhold.")]})
    text = ResponseText.objects.select_for_update().get(pk=text.pk)
    before = audit.snapshot(text, ["review", "reviewed_by"])
    text.review, text.reviewed_by = decision, actor if actor and actor.pk else None
    text.save(update_fields=["review", "reviewed_by"])
    audit.record_update(actor=actor, obj=text, before=before)
    return text
