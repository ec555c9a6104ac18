"""The protection demo: six years of synthetic history and a few current cases (plan: demo_plan.py).

It runs once: a database that already has synthetic statistical records is left alone. The history is
written in bulk (it is large and needs no workflow); the current cases go through the services of the
protection apps, so they are validated, audited and on the timeline like real ones.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from kommunalschutz.demo import protection_plan as demo_plan
from kommunalschutz.protection.cases.models import Case, CaseEvent, IncidentStatistic, type_bit

BERLIN = ZoneInfo("Europe/Berlin")
K = TypeVar("K")

DESCRIPTIONS = {
    "insult": "Synthetischer Demo-Fall: beleidigende Äußerungen gegenüber der betroffenen Person.",
    "threat": "Synthetischer Demo-Fall: Drohung gegen die betroffene Person.",
    "coercion": "Synthetischer Demo-Fall: Versuch, eine Entscheidung durch Drohungen zu erzwingen.",
    "harassment": "Synthetischer Demo-Fall: wiederholte Nachstellungen und Belästigungen.",
    "doxing": "Synthetischer Demo-Fall: private Daten der betroffenen Person wurden veröffentlicht.",
    "hate_mail": "Synthetischer Demo-Fall: Hassbriefe und -nachrichten.",
    "property_damage": "Synthetischer Demo-Fall: Sachbeschädigung am Eigentum der betroffenen Person.",
    "arson": "Synthetischer Demo-Fall: Brandanschlag auf ein Fahrzeug der betroffenen Person.",
    "assault": "Synthetischer Demo-Fall: körperlicher Angriff auf die betroffene Person.",
    "other": "Synthetischer Demo-Fall: sonstige Anfeindung (z. B. Volksverhetzung).",
}
PLACES = {"social_media": ["online"], "email": ["office", "home"], "letter": ["office", "home"],
          "phone": ["office", "home"], "in_person": ["council_meeting", "public_event", "office", "home"],
          "other": ["other"]}


def _pick(rng: random.Random, weights: Mapping[K, float]) -> K:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


@dataclass
class Drawn:
    """One synthetic incident of the history."""

    occurred: dt.datetime
    reported: dt.datetime
    types: list[str]
    channel: str
    place: str
    platform: str
    role: str
    intake: str
    political: str
    known: str
    acute: bool
    district_id: int
    directorate_id: int | None
    municipality_id: int
    acknowledged: dt.datetime
    closed: dt.datetime
    measures: list[str] = field(default_factory=list)
    referrals: list[str] = field(default_factory=list)


def _municipalities() -> list[tuple[int, int, int | None, int]]:
    from kommunalschutz.foundation.registry.models import Municipality

    return list(Municipality.objects.filter(land="14", valid_until__isnull=True, district__isnull=False)
                .values_list("pk", "district_id", "district__police_directorate_id", "population"))


def _draw_year(rng: random.Random, target: demo_plan.YearTarget,
               places: list[tuple[int, int, int | None, int]]) -> list[Drawn]:
    months = {m: demo_plan.ELECTION_MONTHS.get((target.year, m), 1.0) for m in range(1, 13)}
    violent = demo_plan.VIOLENT.get(target.year, round(target.offences * demo_plan.VIOLENT_SHARE))
    violent_rows = set(rng.sample(range(target.offences), violent))
    weights = [max(population, 1) for *_ids, population in places]
    drawn: list[Drawn] = []
    for row in range(target.offences):
        month = _pick(rng, months)
        day = rng.randint(1, calendar.monthrange(target.year, month)[1])
        occurred = dt.datetime(target.year, month, day, rng.randint(7, 22), rng.choice((0, 15, 30, 45)),
                               tzinfo=BERLIN)
        if row in violent_rows:
            types = ["assault"]
        elif rng.random() < demo_plan.ARSON_SHARE:
            types = ["arson"]
        else:
            types = [_pick(rng, demo_plan.TYPE_MIX)]
            if rng.random() < demo_plan.SECOND_TYPE_SHARE:
                second = _pick(rng, demo_plan.TYPE_MIX)
                if second not in types:
                    types.append(second)
        channel = "in_person" if types[0] in {"assault", "arson", "property_damage"} else _pick(
            rng, demo_plan.CHANNEL_MIX)
        acute = types[0] in {"assault", "arson"} or rng.random() < demo_plan.ACUTE_SHARE
        municipality_id, district_id, directorate_id, _population = rng.choices(places, weights=weights)[0]
        reported = occurred + dt.timedelta(hours=rng.randint(1, 24 * 20))
        ack_minutes = rng.lognormvariate(3.2, 0.6) if acute else rng.lognormvariate(6.0, 0.9)
        acknowledged = reported + dt.timedelta(minutes=ack_minutes)
        closed = acknowledged + dt.timedelta(days=rng.randint(20, 300))
        measures = [kind for kind, share in demo_plan.MEASURE_SHARES.items() if rng.random() < share]
        if acute and "protection_request" not in measures and rng.random() < 0.5:
            measures.append("protection_request")
        referrals = [_pick(rng, demo_plan.REFERRAL_MIX)] if "referral" in measures else []
        drawn.append(Drawn(
            occurred=occurred, reported=reported, types=types, channel=channel,
            place=rng.choice(PLACES[channel]),
            platform=rng.choice(demo_plan.PLATFORMS) if channel == "social_media" else "",
            role=_pick(rng, demo_plan.ROLE_MIX), intake=_pick(rng, demo_plan.INTAKE_MIX),
            political=_pick(rng, demo_plan.POLITICAL_MIX),
            known="yes" if rng.random() < demo_plan.KNOWN_TO_VICTIM else "unknown", acute=acute,
            district_id=district_id, directorate_id=directorate_id, municipality_id=municipality_id,
            acknowledged=acknowledged, closed=closed, measures=measures, referrals=referrals))
    return drawn


def _anonymous_record(item: Drawn) -> IncidentStatistic:
    from kommunalschutz.protection.measures.models import measure_bit, referral_bit

    type_mask = measure_mask = referral_mask = 0
    for code in item.types:
        type_mask |= type_bit(code)
    for kind in item.measures:
        measure_mask |= measure_bit(kind)
    for category in item.referrals:
        referral_mask |= referral_bit(category)
    return IncidentStatistic(
        case=None, reported_on=timezone.localtime(item.reported).date().replace(day=1),
        occurred_month=item.occurred.date().replace(day=1), district_id=item.district_id,
        police_directorate_id=item.directorate_id, type_mask=type_mask, channel=item.channel,
        affected_role=item.role, politically_motivated=item.political, intake=item.intake, is_acute=item.acute,
        acknowledgement_minutes=int((item.acknowledged - item.reported).total_seconds() // 60),
        measure_mask=measure_mask, referral_mask=referral_mask, closing_reason=Case.ClosingReason.RESOLVED,
        is_closed=True, anonymised=True, is_synthetic=True)


def _live_cases(items: list[Drawn], owner: Any) -> list[Case]:
    """Full cases for history records still within the retention period (closed recently)."""
    from kommunalschutz.protection.measures.models import Measure, Partner

    counters: dict[int, int] = {}
    cases: list[Case] = []
    for item in items:
        year = item.reported.year
        counters[year] = counters.get(year, 0) + 1
        cases.append(Case(
            reference=f"{year}-{900000 + counters[year]:06d}", intake=item.intake, status=Case.Status.CLOSED,
            reported_at=item.reported, description=DESCRIPTIONS[item.types[0]], incident_types=item.types,
            occurred_at=item.occurred, municipality_id=item.municipality_id, district_id=item.district_id,
            police_directorate_id=item.directorate_id, place=item.place, channel=item.channel,
            platform=item.platform, affected_role=item.role,
            affected_name="" if item.intake == "anonymous" else "Synthetische Person",
            perpetrator_kind="unknown" if item.known == "unknown" else "individual",
            perpetrator_known_to_victim=item.known, politically_motivated=item.political, is_acute=item.acute,
            threat_to_life=item.acute, owner=owner, acknowledgement_due_at=item.reported + dt.timedelta(hours=1),
            # As measures.services does: a protection request brings the LKA onto the case team, so its
            # protection officers see the case (docs/protection/data-protection.md).
            lka_involved="protection_request" in item.measures,
            acknowledged_at=item.acknowledged, closed_at=item.closed, closing_reason=Case.ClosingReason.RESOLVED,
            is_synthetic=True))
    Case.objects.bulk_create(cases, batch_size=200)
    partners = {partner.category: partner for partner in Partner.objects.filter(is_active=True).order_by("pk")}
    measures: list[Measure] = []
    events: list[CaseEvent] = []
    for case, item in zip(cases, items, strict=True):
        for kind in item.measures:
            partner = partners.get(item.referrals[0]) if kind == "referral" and item.referrals else None
            if kind == "referral" and partner is None:
                continue
            measures.append(Measure(
                case=case, kind=kind, partner=partner, status=Measure.Status.DONE, owner=owner,
                outcome="Synthetisch: umgesetzt.", agreed_with_official=True, created_at=item.acknowledged,
                protection_kind="personal" if kind == "protection_request" else "",
                decision="granted" if kind == "protection_request" else ""))
        events += [CaseEvent(case=case, at=item.reported, kind=CaseEvent.Kind.CREATED, summary="Meldung"),
                   CaseEvent(case=case, at=item.acknowledged, actor=owner, kind=CaseEvent.Kind.ACKNOWLEDGED),
                   CaseEvent(case=case, at=item.closed, actor=owner, kind=CaseEvent.Kind.CLOSED)]
        if case.lka_involved:
            events.append(CaseEvent(case=case, at=item.acknowledged, actor=owner, kind=CaseEvent.Kind.TEAM,
                                    summary="Das LKA gehört jetzt zum Fallteam."))
    Measure.objects.bulk_create(measures, batch_size=500)
    CaseEvent.objects.bulk_create(events, batch_size=500)
    return cases


def load_history(*, today: dt.date | None = None, seed: int = 2019) -> dict[str, int]:
    """The synthetic history 2019-2024: anonymous records for cases past retention, full cases otherwise."""
    from kommunalschutz.foundation.accounts.models import User
    from kommunalschutz.protection.cases import rollups
    from kommunalschutz.protection.cases.retention import retention_cutoff
    from kommunalschutz.protection.cases.services import sync_statistic

    today = today or timezone.localdate()
    cutoff = retention_cutoff(today)
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not a secret
    places = _municipalities()
    owner = User.objects.filter(username="koordination").first()
    records: list[IncidentStatistic] = []
    live: list[Drawn] = []
    for target in demo_plan.YEARLY:
        for item in _draw_year(rng, target, places):
            if item.closed < cutoff:
                records.append(_anonymous_record(item))
            else:
                live.append(item)
    with transaction.atomic():  # bulk_create skips save, so the roll-ups are added here, in one transaction
        IncidentStatistic.objects.bulk_create(records, batch_size=1000)
        rollups.add_records(rollups.counted_values(record) for record in records)
    cases = _live_cases(live, owner)
    for case in cases:
        sync_statistic(case)
    return {"anonymous_records": len(records), "history_cases": len(cases)}


def _incident(spec: demo_plan.Showcase, municipality: Any, occurred: dt.datetime) -> dict[str, Any]:
    data: dict[str, Any] = {
        "description": spec.description, "incident_types": list(spec.types), "occurred_at": occurred,
        "municipality": municipality, "place": spec.place, "channel": spec.channel, "affected_role": spec.role,
        "platform": "Facebook" if spec.channel == "social_media" else "", "politically_motivated": "unknown",
        "perpetrator_kind": "unknown", "urgency": "high" if spec.acute else "medium",
        "danger_now": spec.acute, "threat_to_life": spec.acute,
    }
    if spec.intake == "on_behalf":
        data.update(affected_name="Synthetische Person (Demo)", affected_contact="Erreichbar über das Rathaus (Demo)")
    return data


def _showcase_case(spec: demo_plan.Showcase, now: dt.datetime) -> Case:
    from django.contrib.auth.hashers import make_password

    from kommunalschutz.foundation.accounts.models import User
    from kommunalschutz.foundation.core import audit
    from kommunalschutz.foundation.registry.models import Municipality
    from kommunalschutz.protection.intake import receipts
    from kommunalschutz.protection.intake import reporting as intake
    from kommunalschutz.protection.intake.models import ReporterAccess

    municipality = Municipality.objects.get(ags=spec.municipality_ags)
    reported = now - dt.timedelta(days=spec.days_ago)
    data = _incident(spec, municipality, reported - dt.timedelta(hours=3))
    reporter = User.objects.filter(username=spec.reporter).first() if spec.reporter else None
    affected = reporter if spec.intake == "self" else None
    case = intake.create_case(actor=reporter, data=data, intake=spec.intake, affected_user=affected,
                              reported_at=reported, is_synthetic=True, notify_now=False)
    if spec.intake == "anonymous":
        access = ReporterAccess.objects.create(
            case=case, receipt_digest=receipts.receipt_digest(receipts.normalise_receipt(demo_plan.DEMO_RECEIPT)),
            passphrase_hash=make_password(demo_plan.DEMO_PASSPHRASE))
        audit.record_create(actor=None, obj=access, secret=("receipt_digest", "passphrase_hash"))
    return case


def _demo_text_file(name: str, text: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def load_showcase(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Current cases, each showing one part of the workflow to the demo login that works on it."""
    from kommunalschutz.demo import onlinehate as onlinehate_demo
    from kommunalschutz.foundation.accounts.models import User
    from kommunalschutz.protection.assessments import services as assessments
    from kommunalschutz.protection.assessments.models import WarningBehaviour
    from kommunalschutz.protection.cases import case_tasks, messaging, workflow
    from kommunalschutz.protection.evidence import services as evidence
    from kommunalschutz.protection.measures import services as measures
    from kommunalschutz.protection.measures.models import Partner

    now = now or timezone.now()
    users = {u.username: u for u in User.objects.filter(
        username__in=["koordination", "pd-dresden", "lka-schutz", "pirna-buergermeisterin"])}
    if len(users) < 4:
        return {}
    office, police = users["koordination"], users["pd-dresden"]
    made = {spec.key: _showcase_case(spec, now) for spec in demo_plan.SHOWCASE}
    today = timezone.localdate()

    def ratings(present: set[str], partly: set[str]) -> list[dict[str, Any]]:
        rows = []
        for code in WarningBehaviour.values:
            rating = "present" if code in present else "partly" if code in partly else "absent"
            notes = "Synthetisch: aus den Kommentaren ersichtlich." if rating != "absent" else ""
            rows.append({"behaviour": code, "rating": rating, "evidence_notes": notes, "observed_on": None})
        return rows

    # Pirna: the mayor's own report - taken by the office, evidence, a moderate assessment, measures, messages.
    pirna = made["pirna-social-media"]
    pirna = workflow.acknowledge(actor=office, case=pirna)
    evidence.add_online_content(case=pirna, actor=users["pirna-buergermeisterin"], data={
        "url": "https://www.facebook.com/beispiel/posts/1", "platform": "Facebook",
        "account_name": "Beispielnutzer (synthetisch)", "profile_url": "https://www.facebook.com/beispielnutzer",
        "posted_at": now - dt.timedelta(days=13), "captured_at": now - dt.timedelta(days=12, hours=20),
        "content_text": "Synthetischer Kommentar: 'Nach der nächsten Sitzung holen wir Sie ab.'",
        "context": "Kommentar unter dem Beitrag der Bürgermeisterin zum Haushalt (synthetisch)."})
    evidence.add_file(case=pirna, actor=users["pirna-buergermeisterin"], upload=_demo_text_file(
        "kommentare.txt", "Synthetische Abschrift der Kommentare vom Demo-Datum.\n"),
        description="Abschrift der Kommentare")
    # The thread under her post: 200 synthetic comments, imported and ranked; the police contact decides ten.
    onlinehate_demo.load_thread(case=pirna, actor=users["pirna-buergermeisterin"], decider=police, now=now)
    assessments.record_assessment(
        case=pirna, actor=police, level="moderate", route="police", next_review_on=today + dt.timedelta(days=42),
        rationale="Wiederholte, zunehmend konkrete Drohungen eines fixierten Nutzers; Veröffentlichung der "
                  "Privatadresse. Keine Hinweise auf Vorbereitungshandlungen.",
        ratings=ratings({"fixation", "direct_threat"}, {"energy_burst"}))
    measures.add_measure(actor=police, case=pirna, kind="named_contact", owner=police,
                         due_on=today + dt.timedelta(days=3), description="Fester Ansprechpartner im Revier Pirna.",
                         agreed_with_official=True)
    hateaid = Partner.objects.filter(category="hateaid").first()
    if hateaid is not None:
        measures.add_measure(actor=office, case=pirna, kind="referral", owner=office, partner=hateaid,
                             due_on=today + dt.timedelta(days=7), agreed_with_official=True,
                             description="Beratung zur Beweissicherung und zu Löschanträgen.")
    messaging.post_message(actor=office, case=pirna, body="Guten Tag, wir haben Ihren Fall übernommen. Die Polizei "
                           "meldet sich heute telefonisch bei Ihnen.")
    case_tasks.add_task(actor=office, case=pirna, title="Rückruf bei der Bürgermeisterin nach dem Polizeitermin",
                        due_on=today + dt.timedelta(days=2), assignee=office)

    # Freiberg: a high assessment awaiting a second reviewer, and a protection request for the LKA.
    freiberg = made["freiberg-protection"]
    freiberg = workflow.acknowledge(actor=office, case=freiberg)
    assessments.record_assessment(
        case=freiberg, actor=office, level="high", route="police", next_review_on=today + dt.timedelta(days=14),
        rationale="Drohbriefe mit Bezug auf die Familie und ein Foto des Wohnhauses: der Absender hat das Umfeld "
                  "ausgekundschaftet.", ratings=ratings({"pathway", "direct_threat", "fixation"}, {"leakage"}))
    measures.add_measure(actor=office, case=freiberg, kind="protection_request", owner=office,
                         due_on=today + dt.timedelta(days=2), protection_kind="property", agreed_with_official=True,
                         description="Objektschutz für das Wohnhaus der Oberbürgermeisterin.")

    # Plauen, anonymous: the office asks a question the reporter can answer with the demo receipt.
    plauen = made["anonymous-question"]
    plauen = workflow.acknowledge(actor=office, case=plauen)
    messaging.post_message(actor=office, case=plauen, is_question=True,
                           body="Vielen Dank für Ihre Meldung. Zu welchen Uhrzeiten kommen die Anrufe, und wird eine "
                                "Nummer angezeigt?")
    # Heidenau (acute, just reported) and Pirna on behalf (new) wait in the intake queue.
    return {"showcase_cases": len(made)}


@transaction.atomic
def load_protection_demo(*, today: dt.date | None = None) -> dict[str, int]:
    """Load the protection demo once (skipped when synthetic statistical records exist)."""
    if IncidentStatistic.objects.filter(is_synthetic=True).exists():
        return {}
    counts = load_history(today=today)
    counts.update(load_showcase())
    return counts
