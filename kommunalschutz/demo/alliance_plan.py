"""Which municipality did what, and when: the plan behind the alliance's demo data.

Real, dated public facts (data/asskomm_kommunen_ereignisse.csv: the eight model municipalities, the
agreements of Görlitz, Zwickau, Pirna, Torgau, Bad Muskau, Weißwasser, Dippoldiswalde and Bannewitz,
Seifhennersdorf as the 100th consulted municipality, …) are kept as they are. Everything else is
synthetic and marked so. The synthetic records are drawn with a fixed seed, in quotas per period, so
that the programme figures computed from the records come out exactly as published:

- as of 2024-02-27 (press release): 56 members, 144 consultations, 50 coaching processes,
  41 prevention councils, 26 security analyses;
- as of 2021-11-30 (asskomm.sachsen.de): 126 contacted municipalities, 29 agreements, 32 municipalities
  with coaching, 8 model municipalities, councils in 26 towns and 2 districts;
- as of 2021-06-25 (Torgau joins): over 100 consulted municipalities, 21 councils, 16 security analyses
  started; and Seifhennersdorf is the 100th municipality consulted, on 2021-01-18.

This module only plans (pure Python over the registry's municipalities); alliance/demo.py writes the
plan through the services. tests/alliance/programme/test_demo_figures.py checks the figures.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

D = dt.date
DATA = Path(__file__).resolve().parent / "data"
FACTS_CSV = DATA / "asskomm_kommunen_ereignisse.csv"
# The press release has no stable address in our sources; records cite it by title.
PRESS_RELEASE = ("Polizei Sachsen: Kommunal-Konferenz zur Sicherheit von Amts- und Mandatsträgern: "
                 "»ASSKomm« feiert fünfjähriges Jubiläum (27.02.2024)")
SITES_URL = "https://www.asskomm.sachsen.de/asskomm-standorte-4899.html"
TORGAU_URL = "https://lpr.sachsen.de/torgau-tritt-asskomm-verbund-bei-5938.html"

CONCEPT_PHASE = D(2018, 11, 19)
START = D(2019, 2, 6)
S = D(2021, 1, 18)  # Seifhennersdorf, the 100th consulted municipality
T = D(2021, 6, 25)  # Torgau joins
N = D(2021, 11, 30)  # the public figures of November 2021
P = D(2024, 2, 27)  # the press release
END = D(2026, 10, 31)

# Periods (exclusive start, inclusive end) in which synthetic records are dated.
I1 = (START, S - dt.timedelta(days=1))
I3 = (S, T)
I4 = (T, N)
I5 = (N, P)
I6 = (P, END)

MODEL = {
    "14511000": "Chemnitz", "14628110": "Freital", "14626110": "Görlitz", "14713000": "Leipzig",
    "14628270": "Pirna", "14523320": "Plauen", "14729410": "Wurzen", "14524330": "Zwickau",
}
SOE = "14628"  # Sächsische Schweiz-Osterzgebirge: Bannewitz was its 4th member (2023-03-01)
PIRNA, PLAUEN, ZWICKAU = "14628270", "14523320", "14524330"
GOERLITZ, FREITAL, WURZEN = "14626110", "14628110", "14729410"
TORGAU, BAD_MUSKAU, WEISSWASSER = "14730310", "14626010", "14626600"
DIPPOLDISWALDE, BANNEWITZ, SEIFHENNERSDORF = "14628060", "14628050", "14626530"
BELGERSHAIN, PARTHENSTEIN, REICHENBACH = "14729020", "14729340", "14523340"
COLDITZ, OELSNITZ = "14729080", "14521450"
REAL = {TORGAU, BAD_MUSKAU, WEISSWASSER, DIPPOLDISWALDE, BANNEWITZ, SEIFHENNERSDORF, BELGERSHAIN,
        PARTHENSTEIN, REICHENBACH, COLDITZ, OELSNITZ} | set(MODEL)


@dataclass(frozen=True)
class PoolMunicipality:
    ags: str
    population: int
    district_ags: str


@dataclass
class Life:
    """One municipality's way through the lifecycle (None: not (yet) reached)."""

    ags: str
    contacted_on: dt.date
    consulted_on: dt.date | None = None
    model_on: dt.date | None = None
    member_on: dt.date | None = None
    left_on: dt.date | None = None
    synthetic: bool = True  # the dates are synthetic (the municipality itself is real)
    member_synthetic: bool = True
    source_url: str = ""
    member_source_url: str = ""
    member_note: str = ""


@dataclass(frozen=True)
class Dated:
    """An engagement or council: target (municipality AGS, or district AGS when district=True) and date."""

    ags: str
    on: dt.date
    synthetic: bool = True
    district: bool = False
    source_url: str = ""
    note: str = ""
    completed: bool = False  # security analyses: all phases done
    coach: str = ""  # coaching: "demo" for the demo coach, otherwise a pool coach key


@dataclass
class Plan:
    lives: dict[str, Life] = field(default_factory=dict)
    consultations: list[Dated] = field(default_factory=list)
    coaching: list[Dated] = field(default_factory=list)
    analyses: list[Dated] = field(default_factory=list)
    councils: list[Dated] = field(default_factory=list)
    dissolved_councils: dict[str, dt.date] = field(default_factory=dict)  # ags -> dissolved_on
    funding: list[Dated] = field(default_factory=list)


def facts() -> list[dict[str, str]]:
    with FACTS_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _fact_url(ags: str, event: str) -> str:
    return next((row["quelle_url"] for row in facts() if row["ags"] == ags and row["ereignis"] == event), "")


class _Planner:
    def __init__(self, pool: list[PoolMunicipality], seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        self.pool = {m.ags: m for m in pool}
        missing = REAL - set(self.pool)
        if missing:
            raise ValueError(f"the registry lacks municipalities the demo needs: {sorted(missing)}")
        self.plan = Plan()
        # Synthetic municipalities are drawn weighted by population: the alliance works mostly with towns.
        candidates = sorted((m for m in pool if m.ags not in REAL), key=lambda m: m.ags)
        self.unused = candidates

    # --- helpers ---------------------------------------------------------------------------------

    def day(self, lo: dt.date, hi: dt.date) -> dt.date:
        """A random day in (lo, hi]."""
        span = (hi - lo).days
        if span < 1:
            raise ValueError(f"empty period {lo}..{hi}")
        return lo + dt.timedelta(days=self.rng.randint(1, span))

    def draw(self, count: int, *, exclude_district: str = "") -> list[PoolMunicipality]:
        chosen: list[PoolMunicipality] = []
        for _ in range(count):
            options = [m for m in self.unused if m.district_ags != exclude_district]
            weights = [max(m.population, 500) ** 0.8 for m in options]
            pick = self.rng.choices(options, weights=weights, k=1)[0]
            self.unused.remove(pick)
            chosen.append(pick)
        return chosen

    def consult(self, ags: str, period: tuple[dt.date, dt.date], *, synthetic: bool = True) -> Life:
        """A municipality contacted and first consulted within the period (both in it)."""
        lo, hi = period
        consulted = self.day(lo + dt.timedelta(days=31), hi)
        contacted = consulted - dt.timedelta(days=self.rng.randint(5, 30))
        life = Life(ags=ags, contacted_on=contacted, consulted_on=consulted, synthetic=synthetic)
        self.plan.lives[ags] = life
        self.plan.consultations.append(Dated(ags, consulted))
        return life

    def contact_only(self, ags: str, period: tuple[dt.date, dt.date], *, synthetic: bool = True,
                     on: dt.date | None = None, source_url: str = "") -> None:
        self.plan.lives[ags] = Life(ags=ags, contacted_on=on or self.day(*period), synthetic=synthetic,
                                    source_url=source_url)

    def join(self, ags: str, on: dt.date, *, synthetic: bool, source_url: str = "", note: str = "") -> None:
        life = self.plan.lives[ags]
        assert life.consulted_on is not None and life.consulted_on < on, (ags, on)
        life.member_on, life.member_synthetic = on, synthetic
        life.member_source_url, life.member_note = source_url, note

    def join_synthetic(self, count: int, period: tuple[dt.date, dt.date]) -> None:
        lo, hi = period
        options = sorted(
            (life for life in self.plan.lives.values()
             if life.member_on is None and life.consulted_on is not None and life.model_on is None
             and life.ags not in REAL and self.pool[life.ags].district_ags != SOE
             and life.consulted_on + dt.timedelta(days=30) < hi),
            key=lambda life: life.ags,
        )
        for life in self.rng.sample(options, count):
            assert life.consulted_on is not None
            self.join(life.ags, self.day(max(lo, life.consulted_on + dt.timedelta(days=30)), hi), synthetic=True)

    def engage(self, bucket: list[Dated], count: int, period: tuple[dt.date, dt.date], *, new: bool,
               taken: set[str], gap: int = 14, **extra: object) -> list[Dated]:
        """count engagements in the period for consulted municipalities (new ones, or ones already in taken)."""
        lo, hi = period
        options = sorted(
            (life for life in self.plan.lives.values()
             if life.consulted_on is not None and life.consulted_on + dt.timedelta(days=gap) < hi
             and ((life.ags not in taken) if new else (life.ags in taken))),
            key=lambda life: life.ags,
        )
        made: list[Dated] = []
        for life in self.rng.sample(options, count):
            assert life.consulted_on is not None
            previous = max((d.on for d in bucket if d.ags == life.ags), default=life.consulted_on)
            start = max(lo, life.consulted_on + dt.timedelta(days=gap), previous + dt.timedelta(days=gap))
            if start >= hi:
                start = hi - dt.timedelta(days=1)
            item = Dated(life.ags, self.day(start, hi), **extra)  # type: ignore[arg-type]
            bucket.append(item)
            taken.add(life.ags)
            made.append(item)
        return made

    # --- the plan --------------------------------------------------------------------------------

    def build(self) -> Plan:
        plan = self.plan
        # The eight model municipalities: contacted in the concept phase, model municipalities from the start.
        for ags in sorted(MODEL):
            plan.lives[ags] = Life(ags=ags, contacted_on=CONCEPT_PHASE, consulted_on=START, model_on=START,
                                   synthetic=False, source_url=_fact_url(ags, "modellkommune"))
            plan.consultations.append(Dated(ags, START, synthetic=True))

        # Consulted before Seifhennersdorf (99 in all, the 8 model municipalities included).
        for ags in (TORGAU, BAD_MUSKAU, WEISSWASSER, REICHENBACH):
            self.consult(ags, I1)
        for m in self.draw(87):
            self.consult(m.ags, I1)
        for m in self.draw(5):
            self.contact_only(m.ags, I1)
        plan.lives[SEIFHENNERSDORF] = Life(
            ags=SEIFHENNERSDORF, contacted_on=D(2020, 12, 7), consulted_on=S, synthetic=False,
            source_url=_fact_url(SEIFHENNERSDORF, "beratung"))
        plan.consultations.append(Dated(SEIFHENNERSDORF, S, synthetic=False,
                                        source_url=_fact_url(SEIFHENNERSDORF, "beratung"),
                                        note="100. im Rahmen von ASSKomm beratene Kommune"))
        # Until Torgau joins: 4 more consulted, 3 contacted (Belgershain and Parthenstein are named then).
        self.consult(DIPPOLDISWALDE, I3)
        for m in self.draw(3):
            self.consult(m.ags, I3)
        for ags in (BELGERSHAIN, PARTHENSTEIN):
            self.contact_only(ags, I3, synthetic=True, source_url=TORGAU_URL)
        for m in self.draw(1):
            self.contact_only(m.ags, I3)
        # Until November 2021: 8 consulted and 6 contacted more (126 contacted in all).
        for m in self.draw(8):
            self.consult(m.ags, I4)
        for m in self.draw(6):
            self.contact_only(m.ags, I4)
        # Until the press release: 24 consulted (Bannewitz and Oelsnitz among them); afterwards 8 and 2.
        self.consult(BANNEWITZ, (N, D(2022, 12, 31)))
        self.consult(OELSNITZ, (N, D(2022, 4, 30)))
        for m in self.draw(22):
            self.consult(m.ags, I5)
        for m in self.draw(8):
            self.consult(m.ags, I6)
        for m in self.draw(2):
            self.contact_only(m.ags, I6)

        # Members (agreement signed and membership on the same day).
        self.join(GOERLITZ, D(2020, 7, 1), synthetic=False, source_url=_fact_url(GOERLITZ, "kooperationsvereinbarung"),
                  note="Datum auf den Monat genau (Juli 2020)")
        self.join(ZWICKAU, D(2020, 10, 26), synthetic=False, source_url=_fact_url(ZWICKAU, "kooperationsvereinbarung"))
        self.join(PIRNA, D(2020, 11, 5), synthetic=False, source_url=_fact_url(PIRNA, "kooperationsvereinbarung"))
        for ags in (FREITAL, PLAUEN, WURZEN):
            self.join(ags, self.day(D(2019, 6, 1), D(2020, 12, 31)), synthetic=True)
        self.join_synthetic(6, I1)
        self.join(TORGAU, T, synthetic=False, source_url=_fact_url(TORGAU, "kooperationsvereinbarung"))
        self.join_synthetic(5, I3)
        for ags in (BAD_MUSKAU, WEISSWASSER):
            self.join(ags, D(2021, 9, 10), synthetic=False, source_url=_fact_url(ags, "kooperationsvereinbarung"))
        self.join(DIPPOLDISWALDE, D(2021, 11, 1), synthetic=False,
                  source_url=_fact_url(DIPPOLDISWALDE, "kooperationsvereinbarung"),
                  note="Datum auf den Monat genau (November 2021)")
        self.join_synthetic(8, I4)
        self.join(OELSNITZ, D(2022, 6, 15), synthetic=True, source_url=_fact_url(OELSNITZ, "beteiligung"),
                  note="Beitrittsdatum nicht veröffentlicht (synthetisch)")
        self.join(BANNEWITZ, D(2023, 3, 1), synthetic=False,
                  source_url=_fact_url(BANNEWITZ, "kooperationsvereinbarung"))
        self.join_synthetic(25, I5)
        self.join_synthetic(4, I6)
        leaver = sorted(life.ags for life in plan.lives.values()
                        if life.member_on and life.member_synthetic and life.member_on < D(2022, 1, 1))[0]
        plan.lives[leaver].left_on = D(2025, 6, 30)

        # Consultations beyond the first: 144 by the press release (136 first consultations + 8).
        consulted: set[str] = {d.ags for d in plan.consultations}
        self.engage(plan.consultations, 8, I5, new=False, taken=set(consulted))
        self.engage(plan.consultations, 4, I6, new=False, taken=set(consulted))

        # Coaching: 32 municipalities with 34 processes by November 2021, 50 processes by the press release.
        coached: set[str] = set()
        plan.coaching.append(Dated(PIRNA, D(2020, 12, 1), coach="demo"))
        coached.add(PIRNA)
        self.engage(plan.coaching, 13, I1, new=True, taken=coached)
        self.engage(plan.coaching, 8, I3, new=True, taken=coached)
        self.engage(plan.coaching, 10, I4, new=True, taken=coached)
        self.engage(plan.coaching, 2, I4, new=False, taken=coached)
        self.engage(plan.coaching, 12, I5, new=True, taken=coached)
        self.engage(plan.coaching, 4, I5, new=False, taken=coached)
        self.engage(plan.coaching, 4, I6, new=True, taken=coached)

        # Security analyses (kick-off): 16 started by June 2021, 26 by the press release.
        analysed: set[str] = {PIRNA, SEIFHENNERSDORF}
        plan.analyses.append(Dated(PIRNA, D(2021, 3, 1)))
        plan.analyses.append(Dated(SEIFHENNERSDORF, D(2021, 4, 12)))
        self.engage(plan.analyses, 9, I1, new=True, taken=analysed, gap=30)
        self.engage(plan.analyses, 5, I3, new=True, taken=analysed, gap=30)
        self.engage(plan.analyses, 3, I4, new=True, taken=analysed, gap=30)
        self.engage(plan.analyses, 7, I5, new=True, taken=analysed, gap=30)
        self.engage(plan.analyses, 3, I6, new=True, taken=analysed, gap=30)
        # The twelve earliest were finished in 2021 (asskomm.sachsen.de: 12 analyses carried out in 2021).
        plan.analyses.sort(key=lambda d: (d.on, d.ags))
        plan.analyses = [Dated(d.ags, d.on, completed=index < 12) for index, d in enumerate(plan.analyses)]

        # Prevention councils: 21 by June 2021, 26 towns + 2 districts by November 2021, 41 by the press release.
        plan.councils += [
            Dated(ZWICKAU, D(2020, 10, 26), synthetic=False, source_url=_fact_url(ZWICKAU, "kpr_gegruendet")),
            Dated(PLAUEN, D(2020, 5, 12)),
            Dated(COLDITZ, D(2021, 3, 10), note="KPR Colditz: erste Sitzung der Lenkungsgruppe 2021"),
            Dated(PIRNA, D(2021, 4, 20)),
            Dated(SEIFHENNERSDORF, D(2021, 5, 5)),
        ]
        with_council = {d.ags for d in plan.councils}
        self._councils(16, (D(2019, 3, 1), T), with_council)
        plan.councils += [
            Dated(REICHENBACH, D(2021, 7, 14),
                  note="KPR Reichenbach: Informationstag Seniorensicherheit am 8. September 2021"),
            Dated("14626", D(2021, 9, 22), district=True),  # Landkreis Görlitz
            Dated("14523", D(2021, 10, 20), district=True),  # Vogtlandkreis
        ]
        with_council |= {REICHENBACH}
        self._councils(4, I4, with_council)
        self._councils(13, I5, with_council)
        self._councils(2, I6, with_council)
        dissolved = sorted(d.ags for d in plan.councils if not d.district and d.on < D(2020, 1, 1))[0]
        plan.dissolved_councils[dissolved] = D(2025, 3, 31)

        # Funding applications, submitted in the window (31 Aug - 15 Oct) for the following year.
        for year in (2019, 2020, 2021, 2022, 2023):
            options = sorted(life.ags for life in plan.lives.values()
                             if life.consulted_on and life.consulted_on < D(year, 8, 1))
            for ags in self.rng.sample(options, 2):
                plan.funding.append(Dated(ags, self.day(D(year, 8, 30), D(year, 10, 15))))
        return plan

    def _councils(self, count: int, period: tuple[dt.date, dt.date], taken: set[str]) -> None:
        lo, hi = period
        options = sorted(life.ags for life in self.plan.lives.values()
                         if life.ags not in taken and life.contacted_on < hi - dt.timedelta(days=20))
        for ags in self.rng.sample(options, count):
            contacted = self.plan.lives[ags].contacted_on
            self.plan.councils.append(Dated(ags, self.day(max(lo, contacted + dt.timedelta(days=10)), hi)))
            taken.add(ags)


def build_plan(pool: list[PoolMunicipality], *, seed: int = 20190206) -> Plan:
    return _Planner(pool, seed).build()
