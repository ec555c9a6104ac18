"""The alliance's demo data, written through the services of each app (validated and audited).

What is planned where and why: demo_plan.py. This module turns the plan into records. It runs once:
a database that already has lifecycle records (demo or real) is left alone.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from kommunalschutz.alliance.programme.models import CooperationAgreement, MembershipTransition, Stage
from kommunalschutz.demo import alliance_plan as demo_plan
from kommunalschutz.demo.alliance_plan import (
    PIRNA,
    PLAUEN,
    PRESS_RELEASE,
    SITES_URL,
    Dated,
    Life,
    PoolMunicipality,
)

BERLIN = ZoneInfo("Europe/Berlin")
SYNTHETIC_NOTE = "Synthetischer Demo-Datensatz."
COACHES = [  # username, first name, last name: the demo coach "coach" comes from core/demo.py
    ("coach-mueller", "Jana", "Müller"), ("coach-schubert", "Tom", "Schubert"),
    ("coach-hoffmann", "Katrin", "Hoffmann"), ("coach-richter", "Uwe", "Richter"),
    ("coach-krause", "Sabine", "Krause"), ("coach-wolf", "Martin", "Wolf"), ("coach-lange", "Petra", "Lange"),
]
CONSULTATION_TOPICS = [
    "Angebote der Landesstrategie, Aufbau eines kommunalen Präventionsrats",
    "Sicherheitsanalyse und Bürgerbefragung: Ablauf und Aufwand",
    "Förderrichtlinie kommunale Prävention: Antragstellung",
    "Sicherheit im öffentlichen Raum: Bahnhofsumfeld und Innenstadt",
    "Coaching-Angebot und Netzwerkarbeit",
]
COACHING_GOALS = [
    "Aufbau eines kommunalen Präventionsrats mit Lenkungsgruppe und Arbeitsgruppen",
    "Reaktivierung des Präventionsrats und Entwicklung eines ersten Beccaria-Projekts",
    "Netzwerk der Präventionsakteure knüpfen und eine Präventionsstrategie erarbeiten",
]
ROLE_MIX = (["mayor"] * 95 + ["district_administrator"] * 9 + ["police"] * 60 + ["administration"] * 110
            + ["other"] * 22)
FIRST_NAMES = ["Anna", "Bernd", "Carla", "Dirk", "Elke", "Frank", "Gabi", "Heiko", "Ines", "Jörg", "Kerstin",
               "Lars", "Maria", "Nico", "Olaf", "Paula", "Rainer", "Silke", "Thomas", "Ute"]
LAST_NAMES = ["Albrecht", "Böhme", "Claus", "Decker", "Engel", "Fiedler", "Göbel", "Hahn", "Iser", "Jung",
              "Kühn", "Lorenz", "Meyer", "Neumann", "Otto", "Pohl", "Queck", "Ritter", "Seidel", "Teich"]


def _pool() -> list[PoolMunicipality]:
    from kommunalschutz.foundation.registry.models import Municipality

    rows = Municipality.objects.filter(land="14", valid_until__isnull=True).values_list(
        "ags", "population", "district__ags")
    return [PoolMunicipality(ags, population, district_ags) for ags, population, district_ags in rows]


class _Loader:
    def __init__(self, plan: demo_plan.Plan, office: Any) -> None:
        from kommunalschutz.foundation.registry.models import District, Municipality

        self.plan = plan
        self.office = office
        self.rng = random.Random(2024)  # noqa: S311 - reproducible demo data, not secrets
        self.municipalities = {m.ags: m for m in Municipality.objects.filter(land="14").select_related(
            "district__police_directorate")}
        self.districts = {d.ags: d for d in District.objects.filter(land="14").select_related("police_directorate")}
        self.consultations: dict[str, list[Any]] = {}

    # --- lifecycle and agreements ----------------------------------------------------------------

    def transition(self, life: Life, stage: str, on: dt.date, *, synthetic: bool, source_url: str = "",
                   note: str = "") -> None:
        from kommunalschutz.alliance.programme import lifecycle

        lifecycle.record_transition(
            actor=None, stage=stage, date=on, acting_organisation=self.office,
            municipality=self.municipalities[life.ags], note=note, is_synthetic=synthetic,
            source_url=source_url)

    def consultation(self, ags: str, item: Dated, *, first: bool) -> None:
        from kommunalschutz.alliance.engagements import consultations

        topics = CONSULTATION_TOPICS[0] if first else self.rng.choice(CONSULTATION_TOPICS[1:])
        consultation = consultations.create_consultation(
            actor=None, title="Erstberatung" if first else "Folgeberatung", started_on=item.on, topics=topics,
            municipality=self.municipalities[ags], participating_organisations=[self.office],
            outcome="Die Kommune prüft die Angebote und meldet sich zur weiteren Begleitung.",
            is_synthetic=item.synthetic, source_url=item.source_url,
            notes=item.note or (SYNTHETIC_NOTE if item.synthetic else ""))
        self.consultations.setdefault(ags, []).append(consultation)

    def agreement(self, life: Life) -> None:
        from kommunalschutz.alliance.programme import agreements

        municipality = self.municipalities[life.ags]
        assert life.member_on is not None
        rich = life.ags == PLAUEN  # one agreement with (synthetic) text in every section, for the draft PDF
        sections = _sections(municipality.name) if rich else {}
        station = "Polizeirevier Pirna" if life.ags == PIRNA else ""
        agreement = agreements.create_agreement(
            actor=None, title=f"Kooperationsvereinbarung {_short(municipality.name)}",
            police_directorate=municipality.district.police_directorate, municipality=municipality,
            coordination_office=self.office, police_station=station,
            signatories=_signatories(municipality.name, station, life.member_on),
            is_synthetic=life.member_synthetic, source_url=life.member_source_url, **sections)
        agreements.sign_agreement(actor=None, agreement=agreement, signed_on=life.member_on)
        if rich or life.ags == PIRNA:
            review = agreements.add_review(actor=None, agreement=agreement,
                                           due_on=life.member_on + dt.timedelta(days=365))
            agreements.complete_review(actor=None, review=review, completed_on=review.due_on,
                                       outcome="Maßnahmen überprüft; Schwerpunkte für das Folgejahr vereinbart.")
            agreements.add_review(actor=None, agreement=agreement, due_on=dt.date(2026, 12, 15))

    def lifecycle(self) -> None:
        """Per municipality, in date order: contacted, first consultation, consulted, model, agreement."""
        from kommunalschutz.alliance.programme import agreements

        firsts = {item.ags: item for item in self.plan.consultations
                  if self.plan.lives[item.ags].consulted_on == item.on}
        for life in sorted(self.plan.lives.values(), key=lambda life: (life.contacted_on, life.ags)):
            self.transition(life, Stage.CONTACTED, life.contacted_on, synthetic=life.synthetic,
                            source_url=life.source_url)
            if life.consulted_on is not None:
                self.consultation(life.ags, firsts[life.ags], first=True)
                self.transition(life, Stage.CONSULTED, life.consulted_on, synthetic=life.synthetic,
                                source_url=life.source_url)
            if life.model_on is not None:
                self.transition(life, Stage.MODEL, life.model_on, synthetic=False, source_url=life.source_url,
                                note="Modellkommune seit dem Start der Landesstrategie")
            if life.member_on is not None:
                self.agreement(life)
            if life.left_on is not None:
                # Terminating the agreement records the departure ("left") on the same day: membership
                # needs an agreement in force (programme.lifecycle).
                agreement = CooperationAgreement.objects.get(municipality=self.municipalities[life.ags])
                agreements.terminate_agreement(actor=None, agreement=agreement, terminated_on=life.left_on)
        for item in self.plan.consultations:
            if firsts.get(item.ags) is not item:
                self.consultation(item.ags, item, first=False)

    def draft_agreement(self) -> None:
        """One agreement still being negotiated, in the Dresden police directorate's area."""
        from kommunalschutz.alliance.programme import agreements

        candidates = sorted(life.ags for life in self.plan.lives.values()
                            if life.consulted_on and not life.member_on and life.ags.startswith(demo_plan.SOE))
        municipality = self.municipalities[candidates[0]]
        agreements.create_agreement(
            actor=None, title=f"Kooperationsvereinbarung {_short(municipality.name)} (Entwurf)",
            police_directorate=municipality.district.police_directorate, municipality=municipality,
            coordination_office=self.office, is_synthetic=True, **_sections(municipality.name))

    # --- engagements ---------------------------------------------------------------------------------

    def coaches(self) -> list[Any]:
        from kommunalschutz.alliance.engagements import coaching
        from kommunalschutz.alliance.engagements.models import Coach, Competence
        from kommunalschutz.foundation.accounts.models import Membership, Organisation, User
        from kommunalschutz.foundation.accounts.services import create_user
        from kommunalschutz.foundation.core import audit

        institute = Organisation.objects.filter(kind=Organisation.Kind.COACHING_INSTITUTE).order_by("pk").first()
        competences = list(Competence.objects.order_by("code"))
        districts = sorted(self.districts.values(), key=lambda d: d.ags)
        pool: list[Any] = []
        users = [User.objects.get(username="coach")]
        for username, first, last in COACHES:
            user = User.objects.filter(username=username).first() or create_user(
                actor=None, username=username, email=f"{username}@demo.kommunalschutz.invalid",
                first_name=first, last_name=last)
            if institute is not None:
                membership, created = Membership.objects.get_or_create(user=user, organisation=institute,
                                                                       role="coach")
                if created:
                    audit.record_create(actor=None, obj=membership, summary="demo data")
            users.append(user)
        for index, user in enumerate(users):
            coach = Coach.objects.filter(user=user).first() or coaching.create_coach(
                actor=None, user=user, institute=institute,
                competences=[competences[index % len(competences)], competences[(index + 3) % len(competences)]],
                regions=[districts[index % len(districts)], districts[(index + 5) % len(districts)]],
                capacity=8, is_synthetic=True)
            pool.append(coach)
        return pool

    def coaching(self) -> None:
        from kommunalschutz.alliance.engagements import coaching

        pool = self.coaches()
        today = dt.date(2026, 10, 31)
        for index, item in enumerate(sorted(self.plan.coaching, key=lambda d: (d.on, d.ags))):
            coach = pool[0] if item.coach == "demo" or index % 8 == 0 else pool[1 + index % (len(pool) - 1)]
            running = item.on > dt.date(2025, 6, 1)
            process = coaching.create_coaching_process(
                actor=None, title="Begleitendes Coaching", started_on=item.on, coach=coach,
                goals=COACHING_GOALS[index % len(COACHING_GOALS)], municipality=self.municipalities[item.ags],
                status="active", is_synthetic=True, notes=SYNTHETIC_NOTE)
            for session in range(3):
                held = item.on + dt.timedelta(days=30 * (session + 1))
                if held <= today:
                    coaching.record_coaching_session(
                        actor=None, process=process, held_on=held, duration_minutes=120,
                        topics=("Auftaktgespräch mit der Kontaktperson", "Akteursanalyse und Netzwerkkarte",
                                "Planung der ersten Sitzung des Präventionsrats")[session])
            if not running:
                closed = min(item.on + dt.timedelta(days=240), today)
                coaching.close_coaching_process(
                    actor=None, process=process, closed_on=closed,
                    summary="Das Coaching hat die Kommune beim Aufbau ihrer Präventionsarbeit begleitet.",
                    evaluations={
                        "motivated_contact": ("met", "Feste Ansprechperson in der Verwaltung."),
                        "project_vision": ("partly" if index % 3 else "met", ""),
                        "open_to_accompaniment": ("met", ""),
                        "willing_to_network": ("met" if index % 4 else "partly", ""),
                        "regular_exchange": ("met" if index % 5 else "not_met", ""),
                    })

    def analyses(self) -> None:
        from kommunalschutz.alliance.engagements import analyses
        from kommunalschutz.foundation.accounts.models import Organisation

        contractor = Organisation.objects.filter(kind=Organisation.Kind.ANALYSIS_CONTRACTOR).order_by("pk").first()
        today = dt.date(2026, 10, 31)
        for item in self.plan.analyses:
            municipality = self.municipalities[item.ags]
            analysis = analyses.create_security_analysis(
                actor=None, title="Sicherheitsanalyse mit Bürgerbefragung", started_on=item.on,
                municipality=municipality, contractor=contractor,
                sample_size=min(3000, max(500, municipality.population // 11)),
                status="completed" if item.completed else "active", is_synthetic=True, notes=SYNTHETIC_NOTE)
            for number, phase in enumerate(analysis.phases.order_by("planned_start")):
                # Finished analyses ran to plan; running ones keep to it until their third phase, which
                # is late (so the dashboard shows overdue phases).
                if item.completed or phase.planned_end < today - dt.timedelta(days=60):
                    analyses.record_phase_dates(actor=None, phase=phase, actual_start=phase.planned_start,
                                                actual_end=phase.planned_end)
                elif phase.planned_start <= today and number <= 2:
                    analyses.record_phase_dates(actor=None, phase=phase, actual_start=phase.planned_start,
                                                actual_end=None)

    def funding(self) -> None:
        from kommunalschutz.alliance.engagements import funding

        for index, item in enumerate(self.plan.funding):
            prior = self.consultations[item.ags][0]
            total = Decimal(12000 + 4000 * (index % 5))
            application = funding.create_funding_application(
                actor=None, funding_year=item.on.year + 1,
                project_title=("Sicherheitsbegehungen im Quartier", "Präventionstag an Schulen",
                               "Beleuchtungskonzept Bahnhofsumfeld", "Seniorensicherheit: Aktionswochen",
                               "Netzwerk gegen Vandalismus")[index % 5],
                total_costs=total, requested_amount=total * Decimal("0.85"), submitted_on=item.on,
                prior_consultation=prior, municipality=self.municipalities[item.ags],
                in_kind_contribution=total * Decimal("0.05"), is_synthetic=True, notes=SYNTHETIC_NOTE,
                **_beccaria())
            if item.on.year < 2023:
                decided = dt.date(item.on.year, 12, 15)
                funding.decide_funding(actor=None, application=application, decision="approved",
                                       decided_on=decided, approved_amount=total * Decimal("0.8"))
                funding.report_use_of_funds(
                    actor=None, application=application, submitted_on=dt.date(item.on.year + 2, 3, 31),
                    report="Die Mittel wurden wie beantragt eingesetzt; Abweichungen sind im Bericht erläutert.")

    # --- councils ------------------------------------------------------------------------------------

    def councils(self) -> None:
        from kommunalschutz.alliance.councils import services

        for index, item in enumerate(self.plan.councils):
            target = self.districts[item.ags] if item.district else self.municipalities[item.ags]
            short = _short(target.name)
            slug = _slug(short)
            name = f"Kreispräventionsrat {target.name}" if item.district else f"Kriminalpräventiver Rat {short}"
            council = services.create_council(
                actor=None, name=name, established_on=item.on,
                municipality=None if item.district else target, district=target if item.district else None,
                establishment="reactivated" if index % 6 == 5 else "founded",
                chair_name="Bürgermeister/in (Demo)", chair_function="Vorsitz",
                contact_name="Geschäftsstelle des Präventionsrats", contact_function="Geschäftsführung",
                contact_email=f"praeventionsrat@{slug}.example", contact_phone="",
                contact_address=f"Rathaus, {short}", contact_is_public=index % 4 != 3,
                is_synthetic=item.synthetic, source_url=item.source_url)
            if item.ags in self.plan.dissolved_councils:
                services.dissolve_council(actor=None, council=council,
                                          dissolved_on=self.plan.dissolved_councils[item.ags])
            if item.ags in (PIRNA, demo_plan.ZWICKAU, demo_plan.COLDITZ):
                self.council_work(council, item)

    def council_work(self, council: Any, item: Dated) -> None:
        from kommunalschutz.alliance.councils import services
        from kommunalschutz.foundation.accounts.models import Organisation

        police = Organisation.objects.filter(
            kind=Organisation.Kind.POLICE_DIRECTORATE,
            police_directorate=council.municipality.district.police_directorate).first()
        members = [
            services.add_member(actor=None, council=council,
                                organisation_name=f"Stadtverwaltung {_short(council.municipality.name)}",
                                person_name="Leitung Ordnungsamt (Demo)", function="Geschäftsführung",
                                joined_on=item.on),
            services.add_member(actor=None, council=council, organisation=police,
                                organisation_name="" if police else "Polizeirevier",
                                person_name="Revierleitung (Demo)", function="Polizei", joined_on=item.on),
            services.add_member(actor=None, council=council, organisation_name="Kinder- und Jugendhilfe",
                                person_name="Streetwork (Demo)", function="Jugendarbeit", joined_on=item.on),
        ]
        if item.ags == demo_plan.ZWICKAU:
            meeting = services.schedule_meeting(
                actor=None, council=council, title="2. Sitzung des Lenkungsgremiums", held_on=dt.date(2021, 10, 7),
                agenda="1. Bericht der Arbeitsgruppen\n2. Schwerpunkte 2022", is_synthetic=False,
                source_url="https://asskomm.sachsen.de/archiv-2021-5504.html")
        elif item.ags == demo_plan.COLDITZ:
            meeting = services.schedule_meeting(
                actor=None, council=council, title="Erste Sitzung der Lenkungsgruppe (2021, Tag nicht veröffentlicht)",
                held_on=dt.date(2021, 6, 1), agenda="Konstituierung", is_synthetic=True,
                source_url="https://asskomm.sachsen.de/archiv-2021-5504.html")
        else:
            meeting = services.schedule_meeting(
                actor=None, council=council, title="Sitzung des Präventionsrats",
                held_on=item.on + dt.timedelta(days=90),
                agenda="1. Lagebild\n2. Projekt Sicherheit am Bahnhof\n3. Verschiedenes", is_synthetic=True)
        services.record_minutes(actor=None, meeting=meeting,
                                minutes="Die Mitglieder berichten aus ihren Bereichen. (Synthetisches Protokoll)")
        services.record_attendance(actor=None, meeting=meeting,
                                   attendance={member: index != 2 for index, member in enumerate(members)})
        services.add_decision(actor=None, meeting=meeting, text="Die Arbeitsgruppe Öffentlicher Raum legt bis zur "
                              "nächsten Sitzung einen Maßnahmenplan vor.", responsible="AG Öffentlicher Raum",
                              due_on=meeting.held_on + dt.timedelta(days=90))
        group = services.create_working_group(actor=None, council=council, name="AG Öffentlicher Raum",
                                              topic="Sicherheit und Sauberkeit im Stadtzentrum",
                                              lead="Ordnungsamt", founded_on=item.on)
        project = services.create_project(
            actor=None, council=council, title="Sicherheit am Bahnhof", working_group=group, status="running",
            planned_start=item.on + dt.timedelta(days=120), planned_end=item.on + dt.timedelta(days=480),
            actual_start=item.on + dt.timedelta(days=150), planned_budget=Decimal("15000"),
            actual_costs=Decimal("9800"), **_beccaria())
        milestone = services.add_milestone(actor=None, project=project, title="Begehung mit Bürgerinnen und Bürgern",
                                           planned_on=item.on + dt.timedelta(days=150))
        services.record_milestone(actor=None, milestone=milestone, achieved_on=item.on + dt.timedelta(days=171))
        services.add_milestone(actor=None, project=project, title="Beleuchtung ergänzt",
                               planned_on=item.on + dt.timedelta(days=400))

    # --- events --------------------------------------------------------------------------------------

    def events(self) -> None:
        from kommunalschutz.alliance.events import services
        from kommunalschutz.foundation.accounts.models import User

        conference = services.create_event(
            actor=None, title="Kommunal-Konferenz zur Sicherheit von Amts- und Mandatsträgern",
            slug="kommunal-konferenz-2024", kind="conference", venue="Conference Center, Flughafen Dresden",
            starts_at=dt.datetime(2024, 2, 27, 9, 30, tzinfo=BERLIN),
            ends_at=dt.datetime(2024, 2, 27, 16, 30, tzinfo=BERLIN), capacity=300,
            registration_closes_at=dt.datetime(2024, 2, 20, 23, 59, tzinfo=BERLIN),
            description=("»Die kommunale Familie steht zusammen - mit Sicherheit!« Fachtagung zur Sicherheit "
                         "von Amts- und Mandatsträgern und fünf Jahre Allianz Sichere Sächsische Kommunen. "
                         f"Quelle: {PRESS_RELEASE}. Die Anmeldungen sind synthetisch."),
            status="published", organiser=self.office, is_synthetic=False)
        registered_at = dt.datetime(2024, 1, 15, 10, 0, tzinfo=BERLIN)
        roles = list(ROLE_MIX)
        self.rng.shuffle(roles)
        registrations = []
        for index, role in enumerate(roles):
            registration, _ = services.register(
                actor=None, event=conference, first_name=FIRST_NAMES[index % 20],
                last_name=f"{LAST_NAMES[(index // 20) % 20]}", email=f"gast{index:03d}@demo.kommunalschutz.invalid",
                attendee_role=role, organisation_name=_organisation_for(role, index), channel="office",
                is_synthetic=True, consent=True, registered_at=registered_at + dt.timedelta(minutes=index))
            registrations.append(registration)
        for index, registration in enumerate(registrations):
            if registration.status == "confirmed":
                services.mark_attendance(actor=None, registration=registration, attended=index % 25 != 0)
        meeting = services.create_event(
            actor=None, title="Regionaltreffen Ostsachsen: Kommunale Präventionsräte im Austausch",
            slug="regionaltreffen-ostsachsen-2027", kind="regional_meeting", venue="Rathaus Pirna, Ratssaal",
            starts_at=dt.datetime(2027, 3, 18, 10, 0, tzinfo=BERLIN),
            ends_at=dt.datetime(2027, 3, 18, 15, 0, tzinfo=BERLIN), capacity=60,
            registration_closes_at=dt.datetime(2027, 3, 11, 23, 59, tzinfo=BERLIN),
            description="Austausch der Geschäftsstellen kommunaler Präventionsräte. (Synthetische Veranstaltung)",
            public_registration=True, status="published", organiser=self.office, is_synthetic=True)
        invitees = list(User.objects.filter(username__in=["pirna-koordination", "plauen-koordination", "pd-dresden"]))
        services.invite(actor=None, event=meeting, users=invitees)
        pirna = next(user for user in invitees if user.username == "pirna-koordination")
        services.register(actor=None, event=meeting, first_name=pirna.first_name, last_name=pirna.last_name,
                          email=pirna.email, attendee_role="administration", organisation_name="Stadt Pirna",
                          channel="invitation", user=pirna, is_synthetic=True, consent=True)


def _short(name: str) -> str:
    """"Pirna, Stadt" -> "Pirna"; "Görlitz, Stadt, Hochschulstadt" -> "Görlitz"."""
    return name.split(",")[0].split(" / ")[0].strip()


def _slug(name: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", " ": "-", "/": "-", ".": ""})
    return "".join(ch for ch in name.lower().translate(table) if ch.isalnum() or ch == "-")


def _organisation_for(role: str, index: int) -> str:
    return {"mayor": "Stadtverwaltung", "district_administrator": "Landratsamt", "police": "Polizei Sachsen",
            "administration": "Kommunalverwaltung"}.get(role, "Verein") + f" (Demo {index % 40 + 1})"


def _signatories(name: str, station: str, signed_on: dt.date) -> list[dict[str, Any]]:
    return [
        {"party": "municipality", "name": "Oberbürgermeister/in (Demo)", "function": f"für {_short(name)}",
         "signed_on": signed_on},
        {"party": "police", "name": "Leitung (Demo)", "function": station or "Polizeidirektion",
         "signed_on": signed_on},
        {"party": "coordination_office", "name": "Leitung der Koordinierungsstelle (Demo)",
         "function": "Landespräventionsrat Sachsen", "signed_on": signed_on},
    ]


def _sections(name: str) -> dict[str, Any]:
    town = _short(name)
    return {
        "background": f"{town} möchte die kommunale Kriminalprävention dauerhaft verankern. ({SYNTHETIC_NOTE})",
        "goals_and_tasks": "Aufbau eines kriminalpräventiven Rats; gemeinsames Lagebild; jährliche Überprüfung.",
        "problem_inventory": "Vandalismus im Bahnhofsumfeld, Sicherheitsgefühl älterer Menschen, Verkehr.",
        "partner_tasks": "Stadt: Geschäftsstelle des Rats. Polizei: Lagebild, Ansprechperson. "
                         "Koordinierungsstelle: Beratung, Coaching, Sicherheitsanalyse.",
        "topics_and_measures": "Sicherheitsanalyse mit Bürgerbefragung; Begehungen; Präventionstag.",
        "review_of_measures": "Die Partner überprüfen die Maßnahmen jährlich und schreiben die Vereinbarung fort.",
    }


def _beccaria() -> dict[str, Any]:
    return {
        "problem_description": "Beschwerden über Vandalismus und Angsträume im Bahnhofsumfeld.",
        "cause_analysis": "Schlechte Beleuchtung, fehlende soziale Kontrolle am Abend.",
        "goals": "Präventionsziel: weniger Sachbeschädigungen; Projektziel: Umgestaltung mit Beteiligung.",
        "measures": "Begehungen, Beleuchtungskonzept, Patenschaften.",
        "concept_and_implementation": "Arbeitsgruppe mit Stadt, Polizei und Anwohnern; Zeitplan über ein Jahr.",
        "effect_check": "Vorher-nachher-Vergleich der Anzeigen und eine Kurzbefragung.",
        "conclusions": f"Dokumentation im Abschlussbericht. ({SYNTHETIC_NOTE})",
    }


@transaction.atomic
def load_alliance_demo() -> bool:
    """Write the alliance's demo records; False if the database already has lifecycle records."""
    from kommunalschutz.alliance.programme.loading import load_programme
    from kommunalschutz.foundation.accounts.models import Organisation

    if MembershipTransition.objects.exists():
        return False
    office = Organisation.objects.filter(kind=Organisation.Kind.COORDINATION_OFFICE).order_by("pk").first()
    load_programme(actor=None)
    plan = demo_plan.build_plan(_pool())
    loader = _Loader(plan, office)
    loader.lifecycle()
    loader.draft_agreement()
    loader.coaching()
    loader.analyses()
    loader.funding()
    loader.councils()
    loader.events()
    return True


__all__ = ["SITES_URL", "load_alliance_demo"]
