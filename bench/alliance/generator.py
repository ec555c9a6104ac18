"""National-scale benchmark data: every German municipality and ten years of alliance records.

The registry part uses the real keys and names of the Gemeindeverzeichnis shipped with the
registry app (GV100AD, Gebietsstand 30.11.2025: 16 Länder, 400 districts, 10,953 municipality
records, 202 of them unincorporated areas with an AGS of their own). Saxony keeps its real
boundaries from the shipped VG5000 files; every other municipality and district gets a small
synthetic polygon laid out on a grid over Germany, so the map layer carries geometry like
production. Nothing outside the repository is read.

The alliance part is synthetic and marked ``is_synthetic``: membership transitions through the
stages (some municipalities leave, a few rejoin), cooperation agreements (some terminated),
engagements of the four offer kinds with detail records (consultations the most; funding always
after a consultation and inside the application window; some cancelled), and prevention councils
(some dissolved), for municipalities and a few districts.

Everything is written with ``bulk_create`` in batches, bypassing the services on purpose: this is
benchmark data, not a user action, so there is no audit trail and no validation per row; the
generator keeps the rules the services enforce (no engagement before first contact, funding after a
consultation) itself. One seeded ``random.Random`` makes every run produce the same rows.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

START = dt.date(2016, 1, 1)
END = dt.date(2025, 12, 31)
SEED = 20251130
BATCH_SIZE = 2000
# Municipalities per unit of work: their rows are built, written and dropped together.
CHUNK = 500
COACHES = 30
# Mean engagements per contacted municipality, before the population weight; chosen so that the
# national run writes well over 200,000 alliance records.
ENGAGEMENTS_PER_CONTACTED = 33.0
STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # created_at/recorded_at of every row: reproducible
NATIONAL = {"lands": 16, "districts": 400, "municipalities": 10_953}

GV100AD_FILE = "GV100AD_30112025.txt.gz"
SAXONY_MUNICIPALITY_BOUNDARIES = "sachsen_gemeinden_gv2025_vg5000.geojson"
SAXONY_DISTRICT_BOUNDARIES = "sachsen_kreise_vg5000_2021.geojson"
# Germany's bounding box, in which the synthetic polygons are laid out.
BOX = (5.9, 47.3, 15.0, 55.0)

Box = tuple[float, float, float, float]


class GenerationError(RuntimeError):
    """The database was not empty, or the rows written differ from the rows planned."""


@dataclass(frozen=True)
class MunicipalityRecord:
    ags: str
    association: str
    name: str
    code: str
    population: int
    postcode: str


@dataclass
class Gazetteer:
    reference_date: dt.date
    lands: dict[str, str]
    districts: dict[str, tuple[str, str, str]]  # key -> (name, GV code, seat)
    municipalities: list[MunicipalityRecord]


@dataclass
class GenerationReport:
    seconds: float
    fraction: float
    seed: int
    counts: dict[str, int]
    alliance_records: int
    detail_records: int
    lands: int
    phases: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 2), "fraction": self.fraction, "seed": self.seed,
            "counts": self.counts, "alliance_records": self.alliance_records,
            "detail_records": self.detail_records, "lands": self.lands,
            "phases_s": {name: round(value, 2) for name, value in self.phases.items()},
        }


def data_dir() -> Path:
    from django.conf import settings

    return Path(settings.REGISTRY_DATA_DIR)


def read_gazetteer(path: Path) -> Gazetteer:
    """Länder, districts and every municipality record (Satzart 10, 40, 60) of a GV100AD file."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    lands: dict[str, str] = {}
    districts: dict[str, tuple[str, str, str]] = {}
    municipalities: list[MunicipalityRecord] = []
    reference = ""
    for line in lines:
        if not line.strip():
            continue
        line = line.ljust(220)
        kind, reference = line[0:2], line[2:10]
        name = line[22:72].strip()
        if kind == "10":
            lands[line[10:12]] = name
        elif kind == "40":
            districts[line[10:15]] = (name, line[122:124], line[72:122].strip())
        elif kind == "60":
            population = line[139:150].strip()
            municipalities.append(MunicipalityRecord(
                ags=line[10:18], association=line[18:22], name=name, code=line[122:124],
                population=int(population) if population.isdigit() else 0, postcode=line[165:170].strip(),
            ))
    municipalities.sort(key=lambda record: record.ags)
    return Gazetteer(dt.datetime.strptime(reference, "%Y%m%d").date(),  # noqa: DTZ007 - a date
                     lands, districts, municipalities)


def _geometries(path: Path, key: str) -> dict[str, Any]:
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError):
        return {}
    return {str(f["properties"][key]): f["geometry"] for f in features if f["properties"].get(key)}


def _cell(index: int, count: int, box: Box) -> Box:
    """The index-th cell of a near-square grid of count cells over box."""
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    x0, y0, x1, y1 = box
    width, height = (x1 - x0) / columns, (y1 - y0) / rows
    column, row = index % columns, index // columns
    return (x0 + column * width, y0 + row * height, x0 + (column + 1) * width, y0 + (row + 1) * height)


def _polygon(box: Box, rng: random.Random, vertices: int) -> dict[str, Any]:
    """An irregular polygon inside box; about the size of a generalised VG5000 municipality."""
    x0, y0, x1, y1 = box
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * 0.45, (y1 - y0) * 0.45
    ring = []
    for index in range(vertices):
        angle = 2 * math.pi * index / vertices
        reach = 0.7 + 0.3 * rng.random()
        ring.append([round(cx + rx * reach * math.cos(angle), 5), round(cy + ry * reach * math.sin(angle), 5)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def _days(rng: random.Random, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(days=rng.randint(low, high))


def _ensure_empty() -> None:
    from kommunalschutz.alliance.engagements.models import Engagement
    from kommunalschutz.alliance.programme.models import MembershipTransition
    from kommunalschutz.foundation.registry.models import District, Municipality

    for model in (Municipality, District, MembershipTransition, Engagement):
        if model.objects.exists():
            raise GenerationError(f"{model._meta.label} is not empty: the generator only fills an empty database")


class _Writer:
    """Collects rows per model and writes them in batches; counts what it wrote."""

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size
        self.written: Counter[str] = Counter()

    def write(self, objects: list[Any]) -> list[Any]:
        if not objects:
            return objects
        model = type(objects[0])
        # bulk_create, not the services: benchmark data, not a user action (see the module docstring).
        created: list[Any] = model.objects.bulk_create(objects, batch_size=self.batch_size)
        self.written[model._meta.label] += len(created)
        return created


@dataclass
class Registry:
    """Unsaved registry rows: one police directorate per Land, districts and municipalities."""

    directorates: dict[str, Any]
    districts: dict[str, Any]
    municipalities: list[Any]


def build_registry(gazetteer: Gazetteer, chosen: list[MunicipalityRecord], *, seed: int) -> Registry:
    """The registry rows of the chosen municipalities, their districts and Länder (nothing is saved).

    Three unincorporated areas (coastal waters, the German-Luxembourg condominium) belong to no
    district; they get a placeholder district under their own key ("07000", "13000"), because every
    municipality row needs one.
    """
    from kommunalschutz.foundation.registry.models import District, Municipality, PoliceDirectorate
    from kommunalschutz.foundation.registry.readers import DISTRICT_KINDS, MUNICIPALITY_KINDS

    geo_rng = random.Random(seed + 1)
    real_municipal = _geometries(data_dir() / SAXONY_MUNICIPALITY_BOUNDARIES, "ags")
    real_district = _geometries(data_dir() / SAXONY_DISTRICT_BOUNDARIES, "AGS")
    # The layout covers the whole country even for a fraction, so positions do not depend on it.
    all_districts = sorted(set(gazetteer.districts) | {record.ags[:5] for record in gazetteer.municipalities})
    land_box = {land: _cell(i, len(gazetteer.lands), BOX) for i, land in enumerate(sorted(gazetteer.lands))}
    district_box: dict[str, Box] = {}
    for land in gazetteer.lands:
        keys = [key for key in all_districts if key[:2] == land]
        for i, key in enumerate(keys):
            district_box[key] = _cell(i, len(keys), land_box[land])
    district_keys = sorted({record.ags[:5] for record in chosen})
    directorates = {
        land: PoliceDirectorate(code=f"bench-pd-{land}", name=f"Polizei {gazetteer.lands[land]} (synthetisch)",
                                updated_at=STAMP)
        for land in sorted({key[:2] for key in district_keys})
    }
    districts: dict[str, Any] = {}
    for key in district_keys:
        placeholder = (f"Gemeindefreie Gebiete ohne Kreis, {gazetteer.lands[key[:2]]}", "", "")
        name, code, seat = gazetteer.districts.get(key, placeholder)
        urban = DISTRICT_KINDS.get(code, ("", False))[1]
        districts[key] = District(
            ags=key, name=name, seat=seat, land=key[:2], reference_date=gazetteer.reference_date,
            kind=District.Kind.URBAN if urban else District.Kind.RURAL,
            boundary=real_district.get(key) or _polygon(district_box[key], geo_rng, 24),
            police_directorate=directorates[key[:2]], updated_at=STAMP,
        )
    per_district = Counter(record.ags[:5] for record in gazetteer.municipalities)
    chosen_keys = {record.ags for record in chosen}
    position: Counter[str] = Counter()
    municipalities: list[Any] = []
    for record in gazetteer.municipalities:
        key = record.ags[:5]
        index = position[key]
        position[key] += 1
        if record.ags not in chosen_keys:
            continue
        box = _cell(index, per_district[key], district_box[key])
        municipalities.append(Municipality(
            ags=record.ags, ars=key + record.association + record.ags[5:], land=record.ags[:2],
            name=record.name, search_name=record.name.casefold(), district=districts[key],
            kind=MUNICIPALITY_KINDS.get(record.code, ""), population=record.population,
            postcode=record.postcode, reference_date=gazetteer.reference_date,
            boundary=real_municipal.get(record.ags) or _polygon(box, geo_rng, 14), updated_at=STAMP,
        ))
    return Registry(directorates, districts, municipalities)


def generate(*, fraction: float = 1.0, seed: int = SEED, batch_size: int = BATCH_SIZE,
             start: dt.date = START, end: dt.date = END) -> GenerationReport:
    """Fill an empty database; fraction < 1 takes every n-th municipality for a quick run."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from kommunalschutz.alliance.engagements.models import Coach, OfferType
    from kommunalschutz.alliance.programme.models import Programme
    from kommunalschutz.foundation.accounts.models import Organisation, User
    from kommunalschutz.foundation.registry.readers import MUNICIPALITY_KINDS

    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    started = time.perf_counter()
    phases: dict[str, float] = {}
    gazetteer = read_gazetteer(data_dir() / GV100AD_FILE)
    step = max(1, round(1 / fraction))
    chosen = gazetteer.municipalities[::step]
    phases["read"] = time.perf_counter() - started

    rng = random.Random(seed)
    writer = _Writer(batch_size)
    with transaction.atomic():
        _ensure_empty()
        before = _table_counts()
        mark = time.perf_counter()
        registry = build_registry(gazetteer, chosen, seed=seed)
        directorates, districts, municipalities = registry.directorates, registry.districts, registry.municipalities
        writer.write(list(directorates.values()))
        writer.write(list(districts.values()))
        writer.write(municipalities)
        phases["registry"] = time.perf_counter() - mark

        mark = time.perf_counter()
        office = Organisation(kind=Organisation.Kind.COORDINATION_OFFICE, name="Koordinierungsstelle (Benchmark)",
                              is_synthetic=True)
        institute = Organisation(kind=Organisation.Kind.COACHING_INSTITUTE, name="Coaching-Institut (Benchmark)",
                                 is_synthetic=True)
        contractor = Organisation(kind=Organisation.Kind.ANALYSIS_CONTRACTOR,
                                  name="Analyse-Auftragnehmer (Benchmark)", is_synthetic=True)
        police = {land: Organisation(kind=Organisation.Kind.POLICE_DIRECTORATE, name=directorate.name,
                                     police_directorate=directorate, is_synthetic=True)
                  for land, directorate in directorates.items()}
        writer.write([office, institute, contractor, *police.values()])
        Programme.objects.update_or_create(code="bench-national", defaults={
            "name": "Allianz bundesweit (Benchmark, synthetisch)", "short_name": "Benchmark", "started_on": start,
            "coordination_office": office, "land": "14"})
        # Coaches' accounts cannot sign in: make_password(None) is an unusable password.
        users = writer.write([
            User(username=f"bench-coach-{i:02d}", email=f"bench-coach-{i:02d}@example.invalid",
                 first_name="Coach", last_name=f"{i:02d} (synthetisch)", password=make_password(None))
            for i in range(min(COACHES, max(1, len(chosen) // 20)))
        ])
        coaches = writer.write([Coach(user=user, institute=institute, is_synthetic=True) for user in users])
        offers = {offer.code: offer for offer in OfferType.objects.all()}
        plan = _Plan(rng, writer, start=start, end=end, office=office, police=police, offers=offers,
                     coaches=coaches, contractor=contractor)
        targets = [m for m in municipalities if m.kind != MUNICIPALITY_KINDS["66"]]
        for first in range(0, len(targets), CHUNK):
            plan.municipalities(targets[first:first + CHUNK])
        plan.districts(list(districts.values()))
        phases["alliance"] = time.perf_counter() - mark
        counts = _check(writer, before, expected_municipalities=len(chosen), expected_districts=len(districts))
        # bulk_create sends no signals: the figures' roll-up is rebuilt from the records (decision 0032).
        mark = time.perf_counter()
        from kommunalschutz.alliance.insights import rollup

        rollup.rebuild()
        phases["figures_rollup"] = time.perf_counter() - mark

    alliance_labels = ("alliance.MembershipTransition", "alliance.CooperationAgreement", "engagements.Engagement",
                       "councils.PreventionCouncil")
    detail_labels = ("engagements.Consultation", "engagements.CoachingProcess", "engagements.SecurityAnalysis",
                     "engagements.FundingApplication")
    return GenerationReport(
        seconds=time.perf_counter() - started, fraction=fraction, seed=seed, counts=counts,
        alliance_records=sum(counts[label] for label in alliance_labels),
        detail_records=sum(counts[label] for label in detail_labels), lands=len(directorates), phases=phases,
    )


# Every table the generator writes (counted before and after, so seeded rows do not disturb the check).
WRITTEN = (
    "registry.PoliceDirectorate", "registry.District", "registry.Municipality", "accounts.Organisation",
    "accounts.User", "engagements.Coach", "alliance.MembershipTransition", "alliance.CooperationAgreement",
    "councils.PreventionCouncil", "engagements.Engagement", "engagements.Consultation",
    "engagements.CoachingProcess", "engagements.SecurityAnalysis", "engagements.FundingApplication",
)


def _table_counts() -> dict[str, int]:
    from django.apps import apps

    return {label: apps.get_model(label).objects.count() for label in WRITTEN}


def _check(writer: _Writer, before: dict[str, int], *, expected_municipalities: int,
           expected_districts: int) -> dict[str, int]:
    """Count every table the generator wrote and compare with what it meant to write."""
    after = _table_counts()
    counts: dict[str, int] = {}
    for label in WRITTEN:
        counts[label] = after[label] - before[label]
        if counts[label] != writer.written[label]:
            raise GenerationError(f"{label}: {counts[label]} new rows in the database, {writer.written[label]} written")
    for label, expected in (("registry.Municipality", expected_municipalities),
                            ("registry.District", expected_districts)):
        if counts.get(label) != expected:
            raise GenerationError(f"{label}: {counts.get(label)} rows, expected {expected}")
    return counts


class _Plan:
    """Draws and writes the alliance records of municipalities (in chunks) and districts."""

    def __init__(self, rng: random.Random, writer: _Writer, *, start: dt.date, end: dt.date, office: Any,
                 police: dict[str, Any], offers: dict[str, Any], coaches: list[Any], contractor: Any) -> None:
        self.rng, self.writer, self.start, self.end = rng, writer, start, end
        self.office, self.police, self.offers, self.coaches, self.contractor = (
            office, police, offers, coaches, contractor)
        self.span = (end - start).days
        self.kinds = [("beratung", 0.55), ("coaching", 0.14), ("sicherheitsanalyse", 0.08),
                      ("foerderung", 0.13), ("qualifizierung", 0.05), ("vernetzung", 0.05)]

    # -- drawing -------------------------------------------------------------------------------

    def _offer_code(self) -> str:
        draw = self.rng.random()
        for code, share in self.kinds:
            draw -= share
            if draw < 0:
                return code
        return self.kinds[-1][0]

    def _funding_window(self, day: dt.date) -> dt.date | None:
        """The application window (31 Aug - 15 Oct) on or after day; None if it opens after end."""
        opens = dt.date(day.year, 8, 31)
        if day > dt.date(day.year, 10, 15):
            opens = dt.date(day.year + 1, 8, 31)
        submitted = max(day, opens) + _days(self.rng, 0, 20)
        submitted = min(submitted, dt.date(submitted.year, 10, 15))
        return submitted if submitted <= self.end else None

    def _lifecycle(self, target: dict[str, Any], land: str, name: str, contact: dt.date,
                   transitions: list[Any], agreements: list[Any]) -> None:
        from kommunalschutz.alliance.programme.models import CooperationAgreement, MembershipTransition, Stage

        rng, end = self.rng, self.end

        def step(stage: str, day: dt.date, by: Any = None) -> None:
            transitions.append(MembershipTransition(
                **target, stage=stage, date=day, acting_organisation=by or self.office, is_synthetic=True,
                recorded_at=STAMP, note="synthetisch (Benchmark)"))

        def agreement(day: dt.date) -> Any:
            signed = CooperationAgreement(
                **target, title=f"Kooperationsvereinbarung {name}", status=CooperationAgreement.Status.SIGNED,
                police_directorate_id=self.police[land].police_directorate_id, coordination_office=self.office,
                signed_on=day, background="Synthetische Vereinbarung für den Benchmark.", is_synthetic=True,
                created_at=STAMP, updated_at=STAMP)
            agreements.append(signed)
            return signed

        def terminate(signed: Any, day: dt.date) -> None:
            signed.status = CooperationAgreement.Status.TERMINATED
            signed.terminated_on = day

        step(Stage.CONTACTED, contact, self.police[land] if rng.random() < 0.3 else None)
        day = contact + _days(rng, 14, 240)
        if rng.random() > 0.75 or day > end:
            return
        step(Stage.CONSULTED, day)
        if rng.random() < 0.015 and day + dt.timedelta(days=120) <= end:
            step(Stage.MODEL, day + _days(rng, 0, 120))
        day += _days(rng, 60, 540)
        if rng.random() > 0.5 or day > end:
            return
        step(Stage.AGREEMENT_SIGNED, day)
        signed = agreement(day)
        day += _days(rng, 0, 90)
        if rng.random() > 0.92 or day > end:
            if rng.random() < 0.3 and day <= end:  # never became a member; the agreement lapsed
                terminate(signed, day)
            return
        step(Stage.MEMBER, day)
        day += _days(rng, 180, 1800)
        if rng.random() > 0.08 or day > end:
            return
        step(Stage.LEFT, day, self.police[land] if rng.random() < 0.2 else None)
        terminate(signed, day)
        day += _days(rng, 90, 720)
        if rng.random() > 0.25 or day + dt.timedelta(days=30) > end:
            return
        step(Stage.AGREEMENT_SIGNED, day)  # rejoined with a new agreement
        agreement(day)
        step(Stage.MEMBER, day + _days(rng, 0, 30))

    def _council(self, target: dict[str, Any], name: str, ags: str, contact: dt.date) -> Any | None:
        from kommunalschutz.alliance.councils.models import PreventionCouncil

        rng = self.rng
        established = contact + _days(rng, 30, 900)
        if established > self.end:
            return None
        dissolved = established + _days(rng, 365, 2000) if rng.random() < 0.12 else None
        public = rng.random() < 0.6
        return PreventionCouncil(
            **target, name=f"Kommunaler Präventionsrat {name}", is_synthetic=True,
            establishment=(PreventionCouncil.Establishment.REACTIVATED if rng.random() < 0.2
                           else PreventionCouncil.Establishment.FOUNDED),
            established_on=established, dissolved_on=dissolved if dissolved and dissolved <= self.end else None,
            chair_name="Vorsitz (synthetisch)", chair_function="Bürgermeister/in",
            contact_name="Geschäftsstelle (synthetisch)" if public else "",
            contact_email=f"kpr-{ags}@example.invalid" if public else "", contact_is_public=public,
            created_at=STAMP, updated_at=STAMP)

    def _engagements(self, target: dict[str, Any], contact: dt.date, count: int, engagements: list[Any],
                     details: list[tuple[Any, str, int | None]]) -> None:
        """Engagements dated from first contact on; funding only after a consultation."""
        from kommunalschutz.alliance.engagements.models import Engagement

        rng, end = self.rng, self.end
        room = (end - contact).days
        drawn: list[tuple[dt.date, str]] = []
        for _ in range(count):
            code = self._offer_code()
            day: dt.date | None = contact + dt.timedelta(days=rng.randint(0, room))
            if code == "foerderung":
                day = self._funding_window(day) if day else None
            if day is not None:
                drawn.append((day, code))
        drawn.sort()
        last_consultation: int | None = None
        for day, code in drawn:
            if code == "foerderung" and last_consultation is None:
                code = "beratung"
            cancelled = rng.random() < 0.04
            duration = {"beratung": 0, "coaching": rng.randint(120, 420), "sicherheitsanalyse": rng.randint(126, 180),
                        "foerderung": rng.randint(60, 150)}.get(code, 1)
            finished = day + dt.timedelta(days=duration)
            status = (Engagement.Status.CANCELLED if cancelled else
                      Engagement.Status.COMPLETED if finished <= end else Engagement.Status.ACTIVE)
            engagement = Engagement(
                **target, offer_type=self.offers[code], title=f"{self.offers[code].name} {day:%m/%Y}",
                status=status, started_on=day, ended_on=finished if status == Engagement.Status.COMPLETED else None,
                is_synthetic=True, created_at=STAMP, updated_at=STAMP)
            index = len(engagements)
            engagements.append(engagement)
            details.append((engagement, code, last_consultation))
            if code == "beratung" and not cancelled:
                last_consultation = index

    # -- writing -------------------------------------------------------------------------------

    def _write(self, transitions: list[Any], agreements: list[Any], councils: list[Any], engagements: list[Any],
               details: list[tuple[Any, str, int | None]]) -> None:
        from kommunalschutz.alliance.engagements.models import (
            CoachingProcess,
            Consultation,
            FundingApplication,
            SecurityAnalysis,
        )

        rng = self.rng
        self.writer.write(transitions)
        self.writer.write(agreements)
        self.writer.write([council for council in councils if council is not None])
        self.writer.write(engagements)  # ids come back (RETURNING on PostgreSQL and SQLite >= 3.35)
        consultations, coaching, analyses, funding = [], [], [], []
        for engagement, code, prior in details:
            if code == "beratung":
                consultations.append(Consultation(engagement_id=engagement.pk, topics="Sicherheitslage, Angebote",
                                                  outcome="synthetisch (Benchmark)"))
            elif code == "coaching":
                coaching.append(CoachingProcess(
                    engagement_id=engagement.pk, coach=rng.choice(self.coaches), goals="synthetisch (Benchmark)",
                    closed_on=engagement.ended_on))
            elif code == "sicherheitsanalyse":
                analyses.append(SecurityAnalysis(engagement_id=engagement.pk, contractor=self.contractor,
                                                 sample_size=rng.randrange(500, 5000, 100)))
            elif code == "foerderung" and prior is not None:
                costs = Decimal(rng.randrange(5_000, 80_000))
                share = Decimal(rng.choice(("0.50", "0.75", "0.90")))
                decided = engagement.ended_on
                decision = (rng.choices(("approved", "rejected", "withdrawn"), (75, 15, 10))[0] if decided
                            else "pending")
                funding.append(FundingApplication(
                    engagement_id=engagement.pk, funding_year=engagement.started_on.year + 1,
                    project_title="Präventionsprojekt (synthetisch)", total_costs=costs,
                    requested_amount=(costs * share).quantize(Decimal("0.01")), submitted_on=engagement.started_on,
                    prior_consultation_id=engagements[prior].pk, decision=decision, decided_on=decided,
                    approved_amount=(costs * share).quantize(Decimal("0.01")) if decision == "approved" else None))
        for rows in (consultations, coaching, analyses, funding):
            self.writer.write(rows)

    def municipalities(self, municipalities: list[Any]) -> None:
        rng = self.rng
        transitions: list[Any] = []
        agreements: list[Any] = []
        councils: list[Any] = []
        engagements: list[Any] = []
        details: list[tuple[Any, str, int | None]] = []
        for municipality in municipalities:
            # Larger towns are likelier to be contacted and have more engagements.
            size = min(1.0, math.log10(municipality.population + 10) / 6)
            if rng.random() > 0.4 + 0.35 * size:
                continue
            # sqrt: the number of contacts per year grows through the ten years.
            contact = self.start + dt.timedelta(days=int(self.span * math.sqrt(rng.random())))
            target = {"municipality": municipality}
            self._lifecycle(target, municipality.land, municipality.name, contact, transitions, agreements)
            if rng.random() < 0.3:
                councils.append(self._council(target, municipality.name, municipality.ags, contact))
            count = min(400, int(rng.expovariate(1.0) * ENGAGEMENTS_PER_CONTACTED * (0.5 + size)))
            self._engagements(target, contact, count, engagements, details)
        self._write(transitions, agreements, councils, engagements, details)

    def districts(self, districts: list[Any]) -> None:
        """A few districts take part themselves (agreements, councils, consultations)."""
        rng = self.rng
        transitions: list[Any] = []
        agreements: list[Any] = []
        councils: list[Any] = []
        engagements: list[Any] = []
        details: list[tuple[Any, str, int | None]] = []
        for district in districts:
            if rng.random() > 0.3:
                continue
            contact = self.start + dt.timedelta(days=int(self.span * math.sqrt(rng.random())))
            target = {"district": district}
            self._lifecycle(target, district.land, district.name, contact, transitions, agreements)
            if rng.random() < 0.4:
                councils.append(self._council(target, district.name, district.ags, contact))
            self._engagements(target, contact, rng.randint(0, 10), engagements, details)
        self._write(transitions, agreements, councils, engagements, details)
