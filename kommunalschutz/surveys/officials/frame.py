"""A municipality's list of officials (council members, honorary officials, staff): checked, then
imported all or nothing, encrypted.

The file is CSV as the citizen register (core.csvfiles reads it, as for the register: UTF-8 or Windows-1252,
``;`` or ``,``), with a header naming the columns; the order does not matter:

    Name;Rolle;Straße;PLZ;Ort
    Erika Muster;Gemeinderat;Hauptstraße 1;01234;Musterstadt

``Rolle`` is one of the words in ROLE_WORDS (any case). The addresses are only kept for the letters and are
deleted when the wave closes; the frame keeps the role and the municipality.
"""

from __future__ import annotations

import io
import re
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.csvfiles import FormatError, detect, fold, text_rows
from kommunalschutz.foundation.core.errors import raise_if_errors
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.surveys.officials.models import FrameEntry, FrameUpload, OfficialRole, Wave, size_class_of

MAX_BYTES = 5 << 20
MAX_ROWS = 20_000
MAX_PROBLEMS = 20
COLUMNS = {"name": ("name", "namevorname", "vornamename"), "role": ("rolle", "funktion", "amt"),
           "street": ("strasse", "anschrift", "adresse"), "postcode": ("plz", "postleitzahl"),
           "city": ("ort", "wohnort", "stadt")}
ROLE_WORDS = {
    OfficialRole.COUNCIL_MEMBER: ("gemeinderat", "gemeinderaetin", "stadtrat", "stadtraetin", "kreisrat",
                                  "kreisraetin", "ratsmitglied", "gemeinderatsmitglied", "stadtratsmitglied"),
    OfficialRole.HONORARY_OFFICIAL: ("ortsvorsteher", "ortsvorsteherin", "ehrenamt", "ehrenamtlich",
                                     "ortschaftsrat", "ortschaftsraetin", "stellvertretenderbuergermeister",
                                     "stellvertretendebuergermeisterin"),
    OfficialRole.STAFF: ("mitarbeiter", "mitarbeiterin", "beschaeftigte", "beschaeftigter", "verwaltung",
                         "bedienstete", "bediensteter"),
}
_POSTCODE = re.compile(r"^[0-9]{5}$")


def _role(value: str) -> str | None:
    key = re.sub(r"[^a-z]", "", fold(value))
    for role, words in ROLE_WORDS.items():
        if key in words:
            return str(role)
    return None


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = re.sub(r"[^a-z]", "", fold(title))
        for name, words in COLUMNS.items():
            if key in words and name not in found:
                found[name] = index
    missing = [name for name in COLUMNS if name not in found]
    return found, missing


COLUMN_TITLES = {"name": "Name", "role": "Rolle", "street": "Straße", "postcode": "PLZ", "city": "Ort"}


def read_list(stream: IO[bytes]) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows of the list and every problem found (German, with the line); nothing is written."""
    problems: list[str] = []
    try:
        detected = detect(stream)
    except FormatError as exc:
        return [], [exc.message]
    columns, missing = _columns(detected.header)
    if missing:
        return [], [_("The list lacks the columns: %(columns)s. Expected: Name, Rolle, Straße, PLZ, Ort.")
                    % {"columns": ", ".join(COLUMN_TITLES[name] for name in missing)}]
    rows: list[dict[str, Any]] = []
    try:
        for line, fields in text_rows(stream, detected):
            if not any(value.strip() for value in fields):
                continue
            if len(rows) >= MAX_ROWS:
                problems.append(_("The list has more than %(max)s rows.") % {"max": MAX_ROWS})
                break
            value = {name: (fields[index].strip() if index < len(fields) else "") for name, index in columns.items()}
            role = _role(value["role"])
            if not value["name"]:
                problems.append(_("Line %(line)s: the name is missing.") % {"line": line})
            if role is None:
                problems.append(_("Line %(line)s: unknown role “%(role)s” (council member, honorary official or "
                                  "staff, e.g. Gemeinderat, Ortsvorsteher, Mitarbeiterin).")
                                % {"line": line, "role": value["role"][:40]})
            if not value["street"] or not value["city"] or not _POSTCODE.match(value["postcode"]):
                problems.append(_("Line %(line)s: the address is incomplete (street, five-digit postcode, city).")
                                % {"line": line})
            if len(value["name"]) > 200 or len(value["street"]) > 200 or len(value["city"]) > 200:
                problems.append(_("Line %(line)s: a field is longer than 200 characters.") % {"line": line})
            rows.append({**value, "role": role})
    except FormatError as exc:
        problems.append(_("Line %(line)s: %(problem)s") % {"line": exc.line, "problem": exc.message})
    if not rows and not problems:
        problems.append(_("The list contains no officials."))
    return rows, problems


@transaction.atomic
def import_list(*, actor: Actor, wave: Wave, municipality: Municipality, data: bytes, file_name: str) -> FrameUpload:
    """Check the whole list, then import it; on any problem nothing is imported (ValidationError with up
    to MAX_PROBLEMS messages and their count)."""
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if wave.status != Wave.Status.PREPARATION:
        raise_if_errors({"file": [_("The frame can only change before the field period begins.")]})
    if not municipality.is_current:
        raise_if_errors({"municipality": [_("This municipality no longer exists.")]})
    if len(data) > MAX_BYTES:
        raise_if_errors({"file": [_("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES >> 20}]})
    rows, problems = read_list(io.BytesIO(data))
    if problems:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(_("… and %(count)s more problems.") % {"count": len(problems) - MAX_PROBLEMS})
        raise_if_errors({"file": shown})
    roles = {row["role"] for row in rows}
    clash = wave.open_links.filter(municipality=municipality, role__in=roles).exists()
    if clash or wave.frame.filter(municipality=municipality, role__in=roles, source=FrameEntry.Source.UPLOAD).exists():
        raise_if_errors({"file": [_("These groups of this municipality are already in the frame (from a list or "
                                    "an open link). Remove the earlier list first.")]})
    upload = FrameUpload.objects.create(wave=wave, municipality=municipality, file_name=file_name[:200],
                                        rows=len(rows), uploaded_by=actor if actor and actor.pk else None)
    size = size_class_of(municipality.population)
    FrameEntry.objects.bulk_create([
        FrameEntry(wave=wave, role=row["role"], district_id=municipality.district_id, municipality=municipality,
                   size_class=size, source=FrameEntry.Source.UPLOAD, upload=upload,
                   address={"name": row["name"], "street": row["street"], "postcode": row["postcode"],
                            "city": row["city"]})
        for row in rows], batch_size=500)
    audit.record_create(actor=actor, obj=upload,
                        summary=f"list of {len(rows)} officials of {municipality.name} imported")
    return upload


@transaction.atomic
def remove_list(*, actor: Actor, upload: FrameUpload) -> None:
    wave = Wave.objects.select_for_update().get(pk=upload.wave_id)
    if wave.status != Wave.Status.PREPARATION:
        raise_if_errors({"__all__": [_("The frame can only change before the field period begins.")]})
    audit.record_delete(actor=actor, obj=upload)
    upload.delete()
