"""What the protection demo contains, and where each number comes from.

The demo has two parts (docs/protection/demo.md):

1. The history 2019-2024: one synthetic record per offence the police counted against office and mandate
   holders in Saxony that year (YEARLY). Cases closed longer ago than the retention period exist only as the
   anonymous statistical record, exactly as retention would have left them; younger ones are full cases.
2. A handful of current cases (SHOWCASE, reported in the weeks before the demo is loaded) that let each demo
   login try its part of the workflow.

Where no public figure exists (the mix of channels, roles and measures; Saxony 2020), the plan says so and
states the assumption. All records are marked synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class YearTarget:
    year: int
    offences: int
    basis: str


YEARLY = (
    YearTarget(2019, 197, "Sachsen, vorläufig: Umfrage der Welt am Sonntag bei den Innenministerien (Jan. 2020)"),
    # No public Saxon figure for 2020 was found; the demo takes the midpoint of 2019 and 2021.
    YearTarget(2020, 241, "keine veröffentlichte Zahl gefunden: Mittelwert aus 2019 und 2021 (Annahme)"),
    YearTarget(2021, 285, "Sachsen, PKS 2022 (Vorstellung März 2023): Vorjahreswert"),
    YearTarget(2022, 309, "Sachsen, PKS 2022 (Vorstellung März 2023)"),
    YearTarget(2023, 317, "Sachsen, vorläufige Auswertung des BMI (2025), Vorjahreswert"),
    YearTarget(2024, 369, "Sachsen, vorläufige Auswertung des BMI auf Anfrage M. Renner (2025)"),
)

# Violent offences among them, where published (2023: 3, 2024: 10); other years: the 2023-2024 share.
VIOLENT = {2023: 3, 2024: 10}
VIOLENT_SHARE = 13 / (317 + 369)

# The main type of a record. Germany 2020 (BKA, PMK "Amts- und Mandatsträger"): insult 1,247 of 2,629 (47 %),
# coercion/threat 403 (15 %), property damage 228 (9 %), incitement 212 (8 %, counted here as "other").
# The remaining 21 % are spread over harassment, hate mail and doxing (assumption).
TYPE_MIX = {
    "insult": 47.0, "threat": 9.0, "coercion": 6.0, "property_damage": 9.0, "other": 8.0,
    "harassment": 8.0, "hate_mail": 9.0, "doxing": 4.0,
}
# A second type on some records (a threat in an insulting letter, …): assumption.
SECOND_TYPE_SHARE = 0.25
ARSON_SHARE = 0.005

# BKA KoMo autumn 2023: 72 % verbal or written, 26 % online, 2 % physical.
CHANNEL_MIX = {"in_person": 30.0, "letter": 17.0, "email": 15.0, "phone": 10.0, "social_media": 26.0,
               "other": 2.0}
PLATFORMS = ["Facebook", "X", "Instagram", "Telegram", "TikTok", "YouTube"]
# Roles of the affected people (assumption: council members are the largest group, mayors the most exposed).
ROLE_MIX = {"council_member": 40.0, "mayor": 30.0, "honorary_official": 12.0, "staff": 10.0,
            "family_member": 5.0, "district_administrator": 3.0}
# How reports reach the platform (assumption).
INTAKE_MIX = {"self": 55.0, "on_behalf": 30.0, "anonymous": 15.0}
# KoMo autumn 2023: the perpetrator was known to the victim in 78 %.
KNOWN_TO_VICTIM = 0.78
POLITICAL_MIX = {"yes": 60.0, "unknown": 35.0, "no": 5.0}
# Measures (assumption): share of cases with each kind.
MEASURE_SHARES = {
    "named_contact": 0.60, "behaviour_advice": 0.50, "agreed_measures": 0.30, "security_consultation": 0.15,
    "onsite_sensitisation": 0.08, "protection_request": 0.04, "register_block": 0.05, "referral": 0.35,
}
REFERRAL_MIX = {"hateaid": 30.0, "starke_stelle": 25.0, "victim_counselling": 20.0, "zastex": 10.0,
                "coordination_office": 10.0, "reporting_office": 5.0}
# Saxony's 2019 and 2024 elections (local, European, state) bring more incidents in their months.
ELECTION_MONTHS = {(2019, 5): 2.0, (2019, 8): 2.0, (2024, 6): 2.0, (2024, 8): 2.0, (2024, 9): 1.5}
ACUTE_SHARE = 0.03


@dataclass(frozen=True)
class Showcase:
    """A current demo case: who reports it, what it shows."""

    key: str
    municipality_ags: str
    days_ago: float
    intake: str
    reporter: str | None  # demo username, None for anonymous
    description: str
    types: tuple[str, ...]
    channel: str
    place: str
    role: str
    acute: bool = False


PIRNA = "14628270"
HEIDENAU = "14628160"
PLAUEN = "14523320"
FREIBERG = "14522180"

SHOWCASE = (
    Showcase("pirna-social-media", PIRNA, 12, "self", "pirna-buergermeisterin",
             "Seit drei Wochen erscheinen unter meinen Beiträgen auf Facebook Kommentare eines Nutzers, der mir "
             "droht, man werde mich 'nach der nächsten Sitzung abholen'. Gestern erschien meine Privatadresse in "
             "einem der Kommentare.", ("threat", "doxing"), "social_media", "online", "mayor"),
    Showcase("heidenau-acute", HEIDENAU, 0.1, "on_behalf", "pd-dresden",
             "Ein Mann hat vor dem Wohnhaus eines Stadtrats gewartet, ihn beschimpft und angekündigt, "
             "wiederzukommen 'und es zu Ende zu bringen'. Der Stadtrat hat sich in die Wohnung zurückgezogen.",
             ("threat", "harassment"), "in_person", "home", "council_member", acute=True),
    Showcase("freiberg-protection", FREIBERG, 30, "on_behalf", "koordination",
             "Drohbriefe an die Oberbürgermeisterin mit Bezug auf ihre Familie; zuletzt mit einem Foto ihres "
             "Hauses.", ("threat", "hate_mail"), "letter", "home", "mayor"),
    Showcase("anonymous-question", PLAUEN, 5, "anonymous", None,
             "Als ehrenamtliche Ortsvorsteherin erhalte ich anonyme Anrufe, seit ich mich im Ortschaftsrat gegen "
             "ein Bauvorhaben ausgesprochen habe.", ("harassment",), "phone", "home", "honorary_official"),
    Showcase("pirna-on-behalf", PIRNA, 2, "on_behalf", "pirna-koordination",
             "Nach der Stadtratssitzung wurde das Auto eines Stadtrats zerkratzt; am Scheibenwischer hing ein "
             "Zettel mit einer Beleidigung.", ("property_damage", "insult"), "in_person", "council_meeting",
             "council_member"),
)

# The anonymous showcase case can be opened at "Anonym melden → Meldung nachverfolgen" with these.
DEMO_RECEIPT = "4711 2026 0815 4242"
DEMO_PASSPHRASE = "Lindenblüte im Ortschaftsrat"  # noqa: S105 - published demo passphrase
