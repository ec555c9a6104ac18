"""The registry import: reads every input file first, then writes in one transaction.

Idempotent by design: rows are matched by their official key (AGS, district key,
code), compared field by field, and only rows that differ are written and audited.
Municipalities missing from a newer edition are kept with ``valid_until`` (and a
successor, when the territorial changes file names one) so that older records keep
pointing at them. docs/foundation/registry.md describes the rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Model, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext

from kommunalschutz.foundation.core import audit, states
from kommunalschutz.foundation.core.audit import AuditActor
from kommunalschutz.foundation.core.models import AuditEvent, SiteState
from kommunalschutz.foundation.core.progress import Progress
from kommunalschutz.foundation.registry import readers
from kommunalschutz.foundation.registry.models import (
    District,
    Municipality,
    MunicipalityNameChange,
    PoliceDirectorate,
    StateAuthority,
)
from kommunalschutz.foundation.registry.readers import (
    ContactRecord,
    Edition,
    PoliceDirectorateRecord,
    RegistryImportError,
    StateAuthorityRecord,
    TerritorialChange,
)

GV100AD_FILE = "GV100AD_30112025.txt.gz"
CHANGES_FILE = "territorial_changes.csv"

# Fields the import compares and writes. reference_date is left out on purpose: it
# changes with every edition and would turn each re-import into 418 "updates"; it is
# moved forward in one statement and recorded in the IMPORT event instead.
MUNICIPALITY_FIELDS = (
    "ars", "land", "name", "search_name", "district_id", "association_ars", "association_name",
    "association_type", "kind", "population", "population_male", "population_female", "area_km2", "postcode",
    "multiple_postcodes", "valid_until", "successor_id",
)
CONTACT_FIELDS = ("office_title", "street", "city", "phone", "fax", "email", "website", "contact_as_of")
MUNICIPALITY_CONTACT_FIELDS = (*CONTACT_FIELDS, "address_postcode", "localities")
DISTRICT_FIELDS = ("name", "kind", "seat", "land", "population", "area_km2", "police_directorate_id")
DISTRICT_CONTACT_FIELDS = (*CONTACT_FIELDS, "postcode")
AUTHORITY_FIELDS = ("name", "street", "postcode", "city", "phone", "website")
# Derived or bulky fields that never appear verbatim in the audit trail.
NOT_AUDITED = frozenset({"search_name", "updated_at"})
GEOMETRY_FIELDS = frozenset({"boundary"})


def data_dir() -> Path:
    return Path(settings.REGISTRY_DATA_DIR)


@dataclass(frozen=True)
class Sources:
    """The files of one import; ``None`` means "leave that part of the registry as it is"."""

    municipalities: Path
    districts: Path | None = None
    contacts: Path | None = None
    boundaries: tuple[Path, ...] = ()
    police_directorates: Path | None = None
    state_authorities: Path | None = None
    changes: Path | None = None
    # Files named by the operator; only they are read with a non-default --encoding.
    given: frozenset[Path] = frozenset()

    @classmethod
    def default(cls, land: str) -> Sources:
        """The national municipality file shipped in registry/data, and for the installation's own state the
        curated files of its state package (police structure, state authorities, contacts, boundaries)."""
        base = data_dir()
        package = states.current()
        if land != package.key:
            return cls(municipalities=base / GV100AD_FILE, changes=base / CHANGES_FILE)
        return cls(
            municipalities=base / GV100AD_FILE,
            contacts=package.contacts_file,
            boundaries=package.boundary_files,
            police_directorates=package.police_directorates_file,
            state_authorities=package.state_authorities_file,
            changes=base / CHANGES_FILE,
        )

    @classmethod
    def from_files(cls, land: str, files: Iterable[str | Path]) -> Sources:
        """The shipped defaults, with each given file replacing the default of its kind."""
        default = cls.default(land)
        given: dict[str, list[Path]] = {}
        for name in files:
            path = Path(name)
            if not path.is_file():
                raise RegistryImportError(gettext("no such file"), file=path)
            given.setdefault(readers.classify(path), []).append(path)
        for kind, paths in given.items():
            if kind != readers.BOUNDARIES and len(paths) > 1:
                raise RegistryImportError(gettext("more than one file of this kind (%(kind)s) was given")
                                          % {"kind": kind}, file=paths[1])
        municipal = given.get(readers.GV100AD, []) + given.get(readers.MUNICIPALITY_CSV, [])
        if len(municipal) > 1:
            raise RegistryImportError(gettext("give either a GV100AD file or a municipality CSV, not both"),
                                      file=municipal[1])

        def one(kind: str, fallback: Path | None) -> Path | None:
            return given[kind][0] if kind in given else fallback

        return cls(
            municipalities=municipal[0] if municipal else default.municipalities,
            districts=one(readers.DISTRICT_CSV, None),
            contacts=one(readers.CONTACTS, default.contacts),
            boundaries=tuple(given.get(readers.BOUNDARIES, default.boundaries)),
            police_directorates=one(readers.POLICE_DIRECTORATES, default.police_directorates),
            state_authorities=one(readers.STATE_AUTHORITIES, default.state_authorities),
            changes=one(readers.CHANGES, default.changes),
            given=frozenset(path for paths in given.values() for path in paths),
        )

    def names(self) -> list[str]:
        paths = [self.municipalities, self.districts, self.contacts, *self.boundaries, self.police_directorates,
                 self.state_authorities, self.changes]
        return [path.name for path in paths if path is not None]


@dataclass
class ImportResult:
    land: str
    reference_date: dt.date
    municipalities: int = 0
    districts: int = 0
    population: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dissolved: int = 0
    renamed: int = 0
    districts_created: int = 0
    districts_updated: int = 0
    boundaries: int = 0
    contacts: int = 0
    skipped_unincorporated: int = 0
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.dissolved or self.districts_created
                    or self.districts_updated)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reference_date"] = self.reference_date.isoformat()
        data["seconds"] = round(self.seconds, 3)
        return data

    def summary(self) -> str:
        """The audit event's summary, stored in English like every audit summary; the audit pages show it in
        German (core.audit_summaries has its template). People read ``german_summary``."""
        return (
            f"state {self.land} as of {self.reference_date:%d.%m.%Y}: {self.municipalities} municipalities, "
            f"{self.districts} districts, {self.population} inhabitants; {self.created} created, "
            f"{self.updated} updated, {self.dissolved} dissolved, {self.renamed} renamed"
        )

    def german_summary(self) -> str:
        """One German sentence for the operator (the command's last line)."""
        def number(value: int) -> str:
            return formats.number_format(value, force_grouping=True)

        return gettext(
            "%(state)s, as of %(date)s: %(municipalities)s municipalities, %(districts)s districts, "
            "%(population)s inhabitants; %(created)s created, %(updated)s updated, %(dissolved)s dissolved, "
            "%(renamed)s renamed"
        ) % {
            "state": readers.STATE_NAMES.get(self.land, self.land), "date": f"{self.reference_date:%d.%m.%Y}",
            "municipalities": number(self.municipalities), "districts": number(self.districts),
            "population": number(self.population), "created": number(self.created),
            "updated": number(self.updated), "dissolved": number(self.dissolved), "renamed": number(self.renamed),
        }


@dataclass
class _Input:
    edition: Edition
    contacts: dict[str, ContactRecord]
    municipality_boundaries: dict[str, dict[str, Any]]
    district_boundaries: dict[str, dict[str, Any]]
    police_directorates: list[PoliceDirectorateRecord]
    state_authorities: list[StateAuthorityRecord]
    changes: list[TerritorialChange]


def _geometry_digest(value: Any) -> str | None:
    if value is None:
        return None
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    return "geometry sha256:" + hashlib.sha256(encoded).hexdigest()[:12]


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The audit diff, without derived fields and with geometries reduced to a digest."""
    visible = {name for name in set(before) | set(after) if name not in NOT_AUDITED}
    reduced_before = {k: _geometry_digest(v) if k in GEOMETRY_FIELDS else v for k, v in before.items()
                      if k in visible}
    reduced_after = {k: _geometry_digest(v) if k in GEOMETRY_FIELDS else v for k, v in after.items()
                     if k in visible}
    return audit.diff(reduced_before, reduced_after)


def _apply(obj: Model, values: Mapping[str, Any]) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Set ``values`` on ``obj``; return the fields that changed and their audit diff."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    before = {name: getattr(obj, name) for name in changed}
    for name in changed:
        setattr(obj, name, values[name])
    return changed, _changes(before, {name: values[name] for name in changed})


class Importer:
    def __init__(self, *, actor: AuditActor, land: str | None = None, sources: Sources | None = None,
                 boundaries: bool = True, encoding: str = "utf-8", progress: Progress | None = None) -> None:
        land = land or states.current().key
        if land not in readers.STATE_NAMES:
            raise ValueError(f"Unknown state key {land!r}; expected 01 to 16.")
        self.actor = actor
        self.land = land
        self.sources = sources or Sources.default(land)
        self.with_boundaries = boundaries
        self.encoding = encoding
        self.progress = progress or Progress()
        self.now = timezone.now()
        self.warnings: list[str] = []
        self._events: list[AuditEvent] = []

    def _audit(self, action: str, obj: Model, *, changes: Mapping[str, Mapping[str, Any]],
               summary: str = "registry import") -> None:
        """Collect the event; _flush_audit writes hundreds of them in a few INSERTs."""
        self._events.append(audit.build(actor=self.actor, action=action, obj=obj, changes=changes, summary=summary))

    def _flush_audit(self) -> None:
        audit.record_many(self._events)
        self._events = []

    # --- reading -----------------------------------------------------------------

    def _encoding(self, path: Path) -> str:
        return self.encoding if path in self.sources.given else "utf-8"

    def read(self) -> _Input:
        """Parse and cross-check every file; raises before anything is written."""
        sources, land = self.sources, self.land
        main = sources.municipalities
        kind = readers.classify(main)
        if kind == readers.GV100AD:
            edition = readers.read_gv100ad(main, land=land, encoding=self._encoding(main))
        elif kind == readers.MUNICIPALITY_CSV:
            edition = readers.read_municipality_csv(main, land=land, encoding=self._encoding(main),
                                                    district_file=sources.districts)
        else:
            raise RegistryImportError(gettext("expected a GV100AD file or a municipality CSV"), file=main)
        self.progress.update(1, 8, pgettext("registry import step", "read municipalities"))
        contacts: dict[str, ContactRecord] = {}
        if sources.contacts:
            contacts = readers.read_contacts(sources.contacts, land=land, encoding=self._encoding(sources.contacts))
        municipality_boundaries: dict[str, dict[str, Any]] = {}
        district_boundaries: dict[str, dict[str, Any]] = {}
        if self.with_boundaries:
            for path in sources.boundaries:
                for key, geometry in readers.read_boundaries(path, encoding=self._encoding(path)).items():
                    if key[:2] != land:
                        raise RegistryImportError(gettext("AGS %(ags)s does not start with the state key %(land)s")
                                                  % {"ags": key, "land": land}, file=path)
                    target = municipality_boundaries if len(key) == 8 else district_boundaries
                    target[key] = geometry
        self.progress.update(2, 8, pgettext("registry import step", "read contacts and boundaries"))
        police: list[PoliceDirectorateRecord] = []
        if sources.police_directorates:
            police = readers.read_police_directorates(sources.police_directorates, land=land,
                                                      encoding=self._encoding(sources.police_directorates))
        for record in police:
            for key in record.district_ags:
                if key not in edition.districts:
                    raise RegistryImportError(
                        gettext("police directorate %(code)s: district %(key)s is not in the edition")
                        % {"code": record.code, "key": key},
                        file=sources.police_directorates or "", line=record.line, column="districts",
                    )
        authorities: list[StateAuthorityRecord] = []
        if sources.state_authorities:
            authorities = readers.read_state_authorities(sources.state_authorities,
                                                         encoding=self._encoding(sources.state_authorities))
        changes: list[TerritorialChange] = []
        if sources.changes:
            changes = [change for change in readers.read_changes(sources.changes,
                                                                 encoding=self._encoding(sources.changes))
                       if change.ags[:2] == land and change.effective <= edition.reference_date]
        self._warn_unmatched(gettext("contact rows without a municipality or district in the edition"),
                             set(contacts) - set(edition.municipalities) - set(edition.districts))
        if self.with_boundaries and sources.boundaries:
            self._warn_unmatched(gettext("municipalities without a boundary"),
                                 set(edition.municipalities) - set(municipality_boundaries))
            self._warn_unmatched(gettext("boundaries without a municipality in the edition"),
                                 set(municipality_boundaries) - set(edition.municipalities))
        if police:
            assigned = {key for record in police for key in record.district_ags}
            self._warn_unmatched(gettext("districts without a police directorate"), set(edition.districts) - assigned)
        self.progress.update(3, 8, pgettext("registry import step", "checked input"))
        return _Input(edition, contacts, municipality_boundaries, district_boundaries, police, authorities, changes)

    def _warn_unmatched(self, what: str, keys: set[str]) -> None:
        if keys:
            examples = ", ".join(sorted(keys)[:5])
            self.warnings.append(f"{len(keys)} {what} ({examples}{', …' if len(keys) > 5 else ''})")

    # --- writing -----------------------------------------------------------------

    def run(self) -> ImportResult:
        started = time.perf_counter()
        data = self.read()
        edition = data.edition
        result = ImportResult(land=self.land, reference_date=edition.reference_date, files=self.sources.names(),
                              skipped_unincorporated=edition.skipped_unincorporated)
        with transaction.atomic():
            before = self._totals()
            newest = before["reference_date"]
            if newest is not None and newest > edition.reference_date:
                raise RegistryImportError(
                    gettext("this edition (%(edition)s) is older than the registry's data for state %(land)s "
                            "(%(newest)s); importing it would undo later changes")
                    % {"edition": f"{edition.reference_date:%d.%m.%Y}", "land": self.land,
                       "newest": f"{newest:%d.%m.%Y}"},
                    file=self.sources.municipalities,
                )
            directorates = self._import_police_directorates(data.police_directorates)
            self._import_state_authorities(data.state_authorities)
            self.progress.update(4, 8, pgettext("registry import step", "police directorates and authorities"))
            districts = self._import_districts(data, directorates, result)
            self.progress.update(5, 8, pgettext("registry import step", "districts"))
            municipalities = self._import_municipalities(data, districts, result)
            self.progress.update(6, 8, pgettext("registry import step", "municipalities"))
            self._record_history(data, municipalities, result)
            self.progress.update(7, 8, pgettext("registry import step", "history"))
            Municipality.objects.filter(land=self.land, ags__in=list(edition.municipalities)).exclude(
                reference_date=edition.reference_date).update(reference_date=edition.reference_date)
            District.objects.filter(land=self.land).exclude(reference_date=edition.reference_date).update(
                reference_date=edition.reference_date)
            after = self._totals()
            result.municipalities, result.districts = after["municipalities"], after["districts"]
            result.population = after["population"]
            result.warnings = self.warnings
            self._flush_audit()
            self._update_site_state(edition.reference_date)
            result.seconds = time.perf_counter() - started
            audit.record(
                actor=self.actor, action=AuditEvent.Action.IMPORT, object_type="registry.import",
                object_id=self.land,
                changes={name: {"old": _json_value(before[name]), "new": _json_value(after[name])}
                         for name in ("reference_date", "municipalities", "districts", "population")},
                summary=f"{self.sources.municipalities.name}: {result.summary()}",
            )
        self.progress.update(8, 8, pgettext("registry import step", "done"))
        return result

    def _totals(self) -> dict[str, Any]:
        current = Municipality.objects.filter(land=self.land, valid_until__isnull=True)
        totals = current.aggregate(population=Sum("population"), reference_date=Max("reference_date"))
        return {
            "reference_date": totals["reference_date"],
            "municipalities": current.count(),
            "districts": District.objects.filter(land=self.land).count(),
            "population": totals["population"] or 0,
        }

    def _update_site_state(self, reference_date: dt.date) -> None:
        state = SiteState.load()
        if state.registry_reference_date == reference_date:
            return
        before = audit.snapshot(state, ["registry_reference_date"])
        state.registry_reference_date = reference_date
        state.save(update_fields=["registry_reference_date"])
        audit.record_update(actor=self.actor, obj=state, before=before, summary="registry import")

    def _upsert_simple(self, model: type[PoliceDirectorate] | type[StateAuthority], code: str,
                       values: dict[str, Any], existing: dict[str, Any]) -> Any:
        obj = existing.get(code)
        if obj is None:
            obj = model.objects.create(code=code, **values)
            self._audit(AuditEvent.Action.CREATE, obj, changes=_changes({}, {"code": code, **values}))
            return obj
        changed, changes = _apply(obj, values)
        if changed:
            if isinstance(obj, PoliceDirectorate):
                obj.updated_at = self.now
            obj.save()
            self._audit(AuditEvent.Action.UPDATE, obj, changes=changes)
        return obj

    def _import_police_directorates(self, records: Sequence[PoliceDirectorateRecord]) -> dict[str, PoliceDirectorate]:
        """district key -> directorate."""
        existing = {pd.code: pd for pd in PoliceDirectorate.objects.filter(code__in=[r.code for r in records])}
        by_district: dict[str, PoliceDirectorate] = {}
        for record in records:
            values = {name: getattr(record, name) for name in AUTHORITY_FIELDS}
            directorate = self._upsert_simple(PoliceDirectorate, record.code, values, existing)
            by_district.update(dict.fromkeys(record.district_ags, directorate))
        return by_district

    def _import_state_authorities(self, records: Sequence[StateAuthorityRecord]) -> None:
        existing = {a.code: a for a in StateAuthority.objects.filter(code__in=[r.code for r in records])}
        for record in records:
            values = {"kind": record.kind, **{name: getattr(record, name) for name in AUTHORITY_FIELDS}}
            self._upsert_simple(StateAuthority, record.code, values, existing)

    def _contact_values(self, contact: ContactRecord | None, *, municipality: bool) -> dict[str, Any]:
        if contact is None:
            return {}
        values: dict[str, Any] = {
            "office_title": contact.office_title, "street": contact.street, "city": contact.city,
            "phone": contact.phone, "fax": contact.fax, "email": contact.email, "website": contact.website,
            "contact_as_of": contact.as_of,
        }
        if municipality:
            values.update(address_postcode=contact.postcode, localities=contact.localities)
        else:
            values["postcode"] = contact.postcode
        return values

    def _import_districts(self, data: _Input, directorates: dict[str, PoliceDirectorate],
                          result: ImportResult) -> dict[str, District]:
        edition = data.edition
        existing = {d.ags: d for d in District.objects.filter(ags__in=list(edition.districts))}
        population: dict[str, int] = {}
        area_ha: dict[str, int] = {}
        for row in edition.municipalities.values():
            population[row.district_ags] = population.get(row.district_ags, 0) + row.population
            area_ha[row.district_ags] = area_ha.get(row.district_ags, 0) + row.area_ha
        created: list[District] = []
        changed: list[tuple[District, list[str], dict[str, dict[str, Any]]]] = []
        for key, record in edition.districts.items():
            if key not in population:
                continue  # a district record without municipalities (none in Saxony)
            district = existing.get(key)
            values: dict[str, Any] = {
                "name": record.name, "kind": District.Kind.URBAN if record.urban else District.Kind.RURAL,
                "land": self.land, "population": population[key],
                "area_km2": readers.hectares_to_km2(area_ha[key]),
            }
            if record.seat or district is None:
                values["seat"] = record.seat
            if key in directorates:
                values["police_directorate_id"] = directorates[key].pk
            # A district-free city's administration is its town hall: its contact is the city's row.
            contact = data.contacts.get(key) or (data.contacts.get(_city_ags(key, edition)) if record.urban else None)
            values.update(self._contact_values(contact, municipality=False))
            if key in data.district_boundaries:
                values["boundary"] = data.district_boundaries[key]
            if district is None:
                district = District(ags=key, reference_date=edition.reference_date, updated_at=self.now, **values)
                created.append(district)
                continue
            fields, changes = _apply(district, values)
            if fields:
                district.updated_at = self.now
                changed.append((district, fields, changes))
        District.objects.bulk_create(created)
        for district in created:
            snapshot = {name: getattr(district, name) for name in ("ags", *DISTRICT_FIELDS, "seat", "boundary")}
            self._audit(AuditEvent.Action.CREATE, district, changes=_changes({}, snapshot))
        if changed:
            names = sorted({name for _d, fields, _c in changed for name in fields} | {"updated_at"})
            District.objects.bulk_update([d for d, _f, _c in changed], names, batch_size=100)
            for district, _fields, changes in changed:
                self._audit(AuditEvent.Action.UPDATE, district, changes=changes)
        result.districts_created, result.districts_updated = len(created), len(changed)
        return {d.ags: d for d in District.objects.filter(ags__in=list(edition.districts))}

    def _import_municipalities(self, data: _Input, districts: dict[str, District],
                               result: ImportResult) -> dict[str, Municipality]:
        edition = data.edition
        renames = {c.ags: c for c in data.changes if c.kind == TerritorialChange.RENAME}
        existing = {m.ags: m for m in Municipality.objects.filter(land=self.land)}
        created: list[Municipality] = []
        changed: list[tuple[Municipality, list[str], dict[str, dict[str, Any]]]] = []
        history: list[MunicipalityNameChange] = []
        for ags, record in edition.municipalities.items():
            values: dict[str, Any] = {
                "ars": record.ars, "land": record.land, "name": record.name, "search_name": record.name.casefold(),
                "district_id": districts[record.district_ags].pk, "association_ars": record.association_ars,
                "association_name": record.association_name, "association_type": record.association_type,
                "kind": record.kind, "population": record.population, "population_male": record.population_male,
                "population_female": record.population_female, "area_km2": record.area_km2,
                "postcode": record.postcode, "multiple_postcodes": record.multiple_postcodes,
                "valid_until": None, "successor_id": None,
            }
            values.update(self._contact_values(data.contacts.get(ags), municipality=True))
            if ags in data.municipality_boundaries:
                values["boundary"] = data.municipality_boundaries[ags]
            municipality = existing.get(ags)
            if municipality is None:
                created.append(Municipality(ags=ags, reference_date=edition.reference_date, updated_at=self.now,
                                            **values))
                continue
            old_name = municipality.name
            fields, changes = _apply(municipality, values)
            if not fields:
                result.unchanged += 1
                continue
            municipality.updated_at = self.now
            changed.append((municipality, fields, changes))
            if old_name != record.name:
                rename = renames.get(ags)
                history.append(MunicipalityNameChange(
                    municipality=municipality, kind=MunicipalityNameChange.Kind.RENAMED,
                    effective=rename.effective if rename else edition.reference_date,
                    old_name=old_name, new_name=record.name,
                    note=rename.source if rename else f"Gemeindeverzeichnis {edition.reference_date:%d.%m.%Y}",
                ))
        Municipality.objects.bulk_create(created, batch_size=500)
        created_fields = ("ags", *MUNICIPALITY_FIELDS, *MUNICIPALITY_CONTACT_FIELDS, "reference_date", "boundary")
        for municipality in created:
            snapshot = {name: getattr(municipality, name) for name in created_fields}
            self._audit(AuditEvent.Action.CREATE, municipality, changes=_changes({}, snapshot))
        if changed:
            names = sorted({name for _m, fields, _c in changed for name in fields} | {"updated_at"})
            Municipality.objects.bulk_update([m for m, _f, _c in changed], names, batch_size=100)
            for municipality, _fields, changes in changed:
                self._audit(AuditEvent.Action.UPDATE, municipality, changes=changes)
        self._create_history(history)
        result.created, result.updated, result.renamed = len(created), len(changed), len(history)
        result.contacts = len(set(edition.municipalities) & set(data.contacts))
        result.boundaries = len(set(edition.municipalities) & set(data.municipality_boundaries))
        return {m.ags: m for m in Municipality.objects.filter(land=self.land)}

    def _create_history(self, entries: Sequence[MunicipalityNameChange]) -> None:
        MunicipalityNameChange.objects.bulk_create(entries)
        for entry in entries:
            self._audit(AuditEvent.Action.CREATE, entry, changes=_changes({}, {
                "municipality_id": entry.municipality_id, "kind": entry.kind, "effective": entry.effective,
                "old_name": entry.old_name, "new_name": entry.new_name, "related_id": entry.related_id,
                "related_ags": entry.related_ags,
            }))

    def _record_history(self, data: _Input, municipalities: dict[str, Municipality], result: ImportResult) -> None:
        """Dissolve municipalities missing from the edition and link predecessors and successors."""
        edition = data.edition
        by_predecessor = {c.ags: c for c in data.changes if c.kind != TerritorialChange.RENAME}
        history: list[MunicipalityNameChange] = []
        dissolved: list[tuple[Municipality, dict[str, dict[str, Any]]]] = []
        Kind = MunicipalityNameChange.Kind
        for ags, municipality in sorted(municipalities.items()):
            if municipality.valid_until is not None or ags in edition.municipalities:
                continue
            change = by_predecessor.get(ags)
            successor = municipalities.get(change.successor_ags) if change and change.successor_ags else None
            if change is not None:
                valid_until = change.effective - dt.timedelta(days=1)
                note = change.source
            else:
                # Only known: it existed at its last edition and is missing from this one.
                valid_until = edition.reference_date - dt.timedelta(days=1)
                note = f"missing from the Gemeindeverzeichnis of {edition.reference_date:%d.%m.%Y}"
            _fields, changes = _apply(municipality, {"valid_until": valid_until,
                                                     "successor_id": successor.pk if successor else None})
            municipality.updated_at = self.now
            dissolved.append((municipality, changes))
            history.append(_history_entry(
                municipality, Kind.MERGED if successor else Kind.DISSOLVED, valid_until + dt.timedelta(days=1),
                old_name=municipality.name, new_name=successor.name if successor else "", related=successor,
                related_ags=successor.ags if successor else "", note=note,
            ))
        if dissolved:
            Municipality.objects.bulk_update([m for m, _c in dissolved], ["valid_until", "successor_id", "updated_at"])
            for municipality, changes in dissolved:
                self._audit(AuditEvent.Action.UPDATE, municipality, changes=changes,
                             summary="registry import: no longer in the Gemeindeverzeichnis")
        # The successor's side, from the changes file: also on a fresh install, where the
        # predecessors were never imported (related stays empty, related_ags names them).
        known = set(MunicipalityNameChange.objects.filter(municipality__land=self.land).values_list(
            "municipality_id", "kind", "related_ags"))
        for change in data.changes:
            if change.kind not in {TerritorialChange.MERGER, TerritorialChange.INCORPORATION}:
                continue
            successor = municipalities.get(change.successor_ags)
            if successor is None:
                # Not an error: a partial edition, or a successor that a later change replaced.
                self.warnings.append(
                    gettext("%(file)s, line %(line)s: successor %(successor)s of %(ags)s is not in the registry; "
                            "skipped") % {"file": Path(self.sources.changes or "").name, "line": change.line,
                                          "successor": change.successor_ags, "ags": change.ags})
                continue
            kind = Kind.FORMED if change.kind == TerritorialChange.MERGER else Kind.INCORPORATED
            if (successor.pk, kind, change.ags) in known:
                continue
            history.append(_history_entry(
                successor, kind, change.effective, old_name=change.name, new_name=successor.name,
                related=municipalities.get(change.ags), related_ags=change.ags, note=change.source,
            ))
        self._create_history(history)
        result.dissolved = len(dissolved)


def _history_entry(
    municipality: Municipality, kind: str, effective: dt.date, *, old_name: str, new_name: str,
    related: Municipality | None, related_ags: str, note: str,
) -> MunicipalityNameChange:
    return MunicipalityNameChange(
        municipality=municipality, kind=kind, effective=effective, old_name=old_name, new_name=new_name,
        related=related, related_ags=related_ags, note=note[:300],
    )


def _city_ags(district_ags: str, edition: Edition) -> str:
    """The AGS of a district-free city's only municipality (14612 -> 14612000)."""
    return next((ags for ags in edition.municipalities if ags[:5] == district_ags), "")


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
