"""The item bank: tested question wording for every block of DOMAIN.md §2.4, in German and English.

The data lives in code (reviewed like code, versioned with the platform). ``STANDARD`` lists the keys of
the standard questionnaire in order (every block, 59 questions). Each bank entry's key is also the
variable name (``Item.code``) it gets in a questionnaire, so waves and municipalities stay comparable.

Coding conventions (used by weighting and the findings):
- 5-point scales run from the positive end (1 = "sehr sicher", "sehr zufrieden", "gar nicht beunruhigt",
  "kein Problem", "sehr großes Vertrauen") to the negative end (5); 8 = "nutze ich nicht / bin dort nie",
  9 = "weiß nicht" (``models.DONT_USE`` / ``models.DONT_KNOW``).
- yes/no: 1 = ja, 2 = nein.
- ``age_group``: codes 1..7 in the order of ``models.AGE_GROUPS`` (see ``AGE_GROUP_CODES``);
  ``sex``: 1 = männlich, 2 = weiblich, 3 = divers / keine Angabe (see ``SEX_CODES``, the register's m/w/d);
  ``locality``: one code per locality (Ortsteil) of the municipality, in the registry's order.

To add a question: append a ``BankItem`` to ``ITEMS`` (a new, unique key), and to ``STANDARD`` if the
standard questionnaire should ask it; docs/surveys/questionnaires.md has the checklist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kommunalschutz.surveys.projects.models import AGE_GROUPS, Block, Item

Option = tuple[int, str, str]  # (code, German label, English label)


@dataclass(frozen=True)
class BankItem:
    key: str
    block: str
    kind: str
    de: str
    en: str
    options: tuple[Option, ...] = ()
    allow_dont_use: bool = False
    allow_dont_know: bool = False
    minimum: int | None = None
    maximum: int | None = None
    show_if: tuple[str, tuple[int, ...]] | None = None  # (key of an earlier bank item, codes)
    extra: dict[str, Any] = field(default_factory=dict)

    def item_fields(self) -> dict[str, Any]:
        """The fields of an ``Item`` made from this entry (without questionnaire and position)."""
        return {
            "block": self.block, "code": self.key, "kind": self.kind, "text_de": self.de, "text_en": self.en,
            "options": [{"code": code, "de": de, "en": en} for code, de, en in self.options],
            "allow_dont_use": self.allow_dont_use, "allow_dont_know": self.allow_dont_know,
            "minimum": self.minimum, "maximum": self.maximum, "bank_key": self.key,
            "show_if": {"item": self.show_if[0], "values": list(self.show_if[1])} if self.show_if else None,
        }


SAFE: tuple[Option, ...] = (
    (1, "sehr sicher", "very safe"), (2, "eher sicher", "fairly safe"), (3, "teils/teils", "neither safe nor unsafe"),
    (4, "eher unsicher", "fairly unsafe"), (5, "sehr unsicher", "very unsafe"),
)
SATISFIED: tuple[Option, ...] = (
    (1, "sehr zufrieden", "very satisfied"), (2, "eher zufrieden", "fairly satisfied"),
    (3, "teils/teils", "neither satisfied nor dissatisfied"), (4, "eher unzufrieden", "fairly dissatisfied"),
    (5, "sehr unzufrieden", "very dissatisfied"),
)
WORRIED: tuple[Option, ...] = (
    (1, "gar nicht beunruhigt", "not worried at all"), (2, "wenig beunruhigt", "a little worried"),
    (3, "teils/teils", "somewhat worried"), (4, "ziemlich beunruhigt", "quite worried"),
    (5, "sehr stark beunruhigt", "very worried"),
)
PROBLEM: tuple[Option, ...] = (
    (1, "kein Problem", "no problem"), (2, "ein kleines Problem", "a minor problem"),
    (3, "teils/teils", "somewhat of a problem"), (4, "ein ziemliches Problem", "a fairly big problem"),
    (5, "ein sehr großes Problem", "a very big problem"),
)
TRUST: tuple[Option, ...] = (
    (1, "sehr großes Vertrauen", "very high trust"), (2, "eher großes Vertrauen", "fairly high trust"),
    (3, "teils/teils", "neither high nor low"), (4, "eher geringes Vertrauen", "fairly low trust"),
    (5, "gar kein Vertrauen", "no trust at all"),
)
YES_NO: tuple[Option, ...] = ((1, "ja", "yes"), (2, "nein", "no"))
YES_NO_DONT_KNOW: tuple[Option, ...] = (*YES_NO, (9, "weiß nicht", "don't know"))
FREQUENCY: tuple[Option, ...] = (
    (1, "mehrmals pro Woche", "several times a week"), (2, "etwa einmal pro Woche", "about once a week"),
    (3, "etwa einmal im Monat", "about once a month"), (4, "seltener", "less often"), (5, "nie", "never"),
    (9, "weiß nicht", "don't know"),
)

AGE_GROUP_CODES: dict[int, str] = {number: label for number, (label, _low, _high) in enumerate(AGE_GROUPS, start=1)}
SEX_CODES: dict[int, str] = {1: "m", 2: "w", 3: "d"}

S, M, SC, N, T = Item.Kind.SINGLE, Item.Kind.MULTIPLE, Item.Kind.SCALE, Item.Kind.NUMBER, Item.Kind.TEXT


def _scale(key: str, block: str, de: str, en: str, labels: tuple[Option, ...], *, dont_use: bool = False,
           dont_know: bool = True, show_if: tuple[str, tuple[int, ...]] | None = None) -> BankItem:
    return BankItem(key, block, SC, de, en, labels, allow_dont_use=dont_use, allow_dont_know=dont_know,
                    show_if=show_if)


def _place(key: str, de_place: str, en_place: str) -> BankItem:
    return _scale(key, Block.PLACES, f"Wie sicher fühlen Sie sich {de_place}?", f"How safe do you feel {en_place}?",
                  SAFE, dont_use=True)


def _fear(key: str, de: str, en: str) -> BankItem:
    return _scale(key, Block.FEAR, f"Wie sehr beunruhigt Sie der Gedanke, {de}?",
                  f"How worried are you about {en}?", WORRIED)


def _victim(offence: str, de: str, en: str) -> tuple[BankItem, BankItem]:
    """The victimisation question and its filtered follow-up on reporting to the police."""
    victim = BankItem(f"victim_{offence}", Block.VICTIMISATION, S,
                      f"Ist Ihnen in den letzten 12 Monaten in Ihrer Gemeinde Folgendes passiert: {de}?",
                      f"In the last 12 months, has the following happened to you in your municipality: {en}?",
                      YES_NO)
    reported = BankItem(f"reported_{offence}", Block.VICTIMISATION, S,
                        "Haben Sie diesen Vorfall bei der Polizei angezeigt?",
                        "Did you report this incident to the police?",
                        (*YES_NO, (3, "nein, aber bei einer anderen Stelle gemeldet",
                                   "no, but reported it to another authority")),
                        show_if=(victim.key, (1,)))
    return victim, reported


def _disorder(key: str, de: str, en: str) -> BankItem:
    return _scale(key, Block.DISORDER, f"Wie groß ist in Ihrer Wohngegend das Problem: {de}?",
                  f"How big a problem is the following in your neighbourhood: {en}?", PROBLEM)


ITEMS: tuple[BankItem, ...] = (
    # Satisfaction with life and housing
    _scale("life_satisfaction", Block.LIFE, "Wie zufrieden sind Sie alles in allem mit Ihrem Leben?",
           "All things considered, how satisfied are you with your life?", SATISFIED),
    _scale("housing_satisfaction", Block.LIFE, "Wie zufrieden sind Sie mit Ihrer Wohnsituation?",
           "How satisfied are you with your housing situation?", SATISFIED),
    _scale("neighbourhood_satisfaction", Block.LIFE, "Wie zufrieden sind Sie mit Ihrer Wohngegend als Ort zum Leben?",
           "How satisfied are you with your neighbourhood as a place to live?", SATISFIED),
    _scale("municipality_satisfaction", Block.LIFE, "Wie zufrieden sind Sie mit Ihrer Gemeinde als Wohnort?",
           "How satisfied are you with your municipality as a place to live?", SATISFIED),
    BankItem("move_away", Block.LIFE, S,
             "Haben Sie vor, in den nächsten zwei Jahren aus Ihrer Gemeinde wegzuziehen?",
             "Do you intend to move away from your municipality in the next two years?", YES_NO_DONT_KNOW),
    # Perceived safety
    _scale("safety_overall", Block.SAFETY, "Wie sicher fühlen Sie sich alles in allem in Ihrer Gemeinde?",
           "All in all, how safe do you feel in your municipality?", SAFE),
    _scale("safety_day", Block.SAFETY, "Wie sicher fühlen Sie sich tagsüber allein zu Fuß in Ihrer Wohngegend?",
           "How safe do you feel walking alone in your neighbourhood during the day?", SAFE),
    _scale("safety_dark", Block.SAFETY,
           "Wie sicher fühlen Sie sich nach Einbruch der Dunkelheit allein zu Fuß in Ihrer Wohngegend?",
           "How safe do you feel walking alone in your neighbourhood after dark?", SAFE, dont_use=True),
    _scale("safety_home", Block.SAFETY, "Wie sicher fühlen Sie sich nachts allein in Ihrer Wohnung oder Ihrem Haus?",
           "How safe do you feel alone in your home at night?", SAFE),
    BankItem("safety_change", Block.SAFETY, S,
             "Hat sich Ihr Sicherheitsgefühl in Ihrer Gemeinde in den letzten zwei Jahren verändert?",
             "Has your feeling of safety in your municipality changed in the last two years?",
             ((1, "ich fühle mich sicherer", "I feel safer"), (2, "unverändert", "unchanged"),
              (3, "ich fühle mich unsicherer", "I feel less safe"), (9, "weiß nicht", "don't know"))),
    # Safety at named places
    _place("place_centre", "im Stadtzentrum bzw. im Ortskern", "in the town centre"),
    _place("place_station", "am Bahnhof und an Haltestellen", "at the railway station and at bus or tram stops"),
    _place("place_transport", "in Bussen und Bahnen", "on buses and trains"),
    _place("place_parks", "in Parks und Grünanlagen", "in parks and green spaces"),
    _place("place_parking", "auf Parkplätzen und in Parkhäusern", "in car parks"),
    _place("place_shops", "in Geschäften und Einkaufszentren", "in shops and shopping centres"),
    # Fear of specific crimes
    _fear("fear_burglary", "dass in Ihre Wohnung oder Ihr Haus eingebrochen wird",
          "your home being burgled"),
    _fear("fear_assault", "dass Sie geschlagen und verletzt werden", "being beaten up and injured"),
    _fear("fear_robbery", "dass Sie überfallen und beraubt werden", "being mugged or robbed"),
    _fear("fear_harassment", "dass Sie sexuell belästigt werden", "being sexually harassed"),
    _fear("fear_fraud_online", "dass Sie im Internet betrogen werden (z. B. beim Einkaufen oder durch "
          "gefälschte Nachrichten)", "being defrauded online (e.g. when shopping or by fake messages)"),
    _fear("fear_vehicle", "dass Ihr Auto oder Fahrrad gestohlen oder beschädigt wird",
          "your car or bicycle being stolen or damaged"),
    # Victimisation in the last 12 months and reporting behaviour
    *_victim("burglary", "Einbruch oder versuchter Einbruch in Ihre Wohnung oder Ihr Haus",
             "a burglary or attempted burglary of your home"),
    *_victim("theft", "Diebstahl von Ihrem Eigentum (z. B. Fahrrad, Geldbörse, Handy)",
             "theft of your property (e.g. bicycle, wallet, mobile phone)"),
    *_victim("damage", "Beschädigung Ihres Eigentums (z. B. Auto, Hauswand, Briefkasten)",
             "damage to your property (e.g. car, house wall, letterbox)"),
    *_victim("assault", "Sie wurden geschlagen oder körperlich angegriffen", "you were hit or physically attacked"),
    *_victim("threat", "Sie wurden bedroht oder beleidigt", "you were threatened or insulted"),
    *_victim("fraud_online", "Sie wurden im Internet betrogen", "you were defrauded online"),
    # Perceived disorder
    _disorder("disorder_litter", "Müll und Schmutz auf Straßen und Grünflächen",
              "litter and dirt in streets and parks"),
    _disorder("disorder_graffiti", "Graffiti und Schmierereien an Wänden", "graffiti on walls"),
    _disorder("disorder_vandalism", "mutwillig beschädigte Bänke, Haltestellen oder Spielplätze",
              "vandalised benches, bus shelters or playgrounds"),
    _disorder("disorder_traffic", "rücksichtslose Autofahrer und zu schnelles Fahren", "reckless and speeding drivers"),
    _disorder("disorder_vacant", "leer stehende und verfallende Gebäude", "vacant and decaying buildings"),
    _disorder("disorder_lighting", "schlecht beleuchtete Straßen und Wege", "poorly lit streets and paths"),
    _disorder("disorder_drinking", "Alkoholkonsum und Betrunkene in der Öffentlichkeit",
              "public drinking and drunk people"),
    # Avoidance and protective behaviour
    BankItem("avoidance", Block.BEHAVIOUR, M,
             "Was davon tun Sie, wenn Sie abends oder nachts unterwegs sind? Bitte kreuzen Sie alles Zutreffende an.",
             "Which of these do you do when you are out in the evening or at night? Please tick all that apply.",
             ((1, "bestimmte Straßen, Plätze oder Parks meiden", "avoid certain streets, squares or parks"),
              (2, "nur in Begleitung unterwegs sein", "only go out accompanied"),
              (3, "Busse und Bahnen meiden", "avoid buses and trains"),
              (4, "abends gar nicht mehr aus dem Haus gehen", "not go out at all in the evening"),
              (5, "etwas zur Verteidigung mitnehmen (z. B. Pfefferspray)",
               "carry something for self-defence (e.g. pepper spray)"),
              (6, "nichts davon", "none of these"))),
    BankItem("protection_home", Block.BEHAVIOUR, M,
             "Welche Vorkehrungen haben Sie an Ihrer Wohnung oder Ihrem Haus getroffen? Bitte kreuzen Sie alles "
             "Zutreffende an.",
             "Which precautions have you taken at your home? Please tick all that apply.",
             ((1, "zusätzliche Schlösser oder Sicherungen an Türen und Fenstern",
               "additional locks or security on doors and windows"),
              (2, "eine Alarmanlage", "a burglar alarm"),
              (3, "Bewegungsmelder oder Außenbeleuchtung", "motion detectors or outdoor lighting"),
              (4, "eine Videokamera", "a video camera"),
              (5, "Absprache mit Nachbarn bei Abwesenheit", "arrangement with neighbours when away"),
              (6, "keine davon", "none of these"))),
    BankItem("avoided_places", Block.BEHAVIOUR, T,
             "Gibt es Orte in Ihrer Gemeinde, die Sie meiden, weil Sie sich dort unsicher fühlen? Wenn ja, welche?",
             "Are there places in your municipality that you avoid because you feel unsafe there? If so, which?"),
    # Trust in police and administration
    _scale("trust_police", Block.TRUST, "Wie groß ist Ihr Vertrauen in die Polizei?",
           "How much do you trust the police?", TRUST),
    _scale("trust_administration", Block.TRUST, "Wie groß ist Ihr Vertrauen in die Gemeindeverwaltung?",
           "How much do you trust the municipal administration?", TRUST),
    _scale("trust_council", Block.TRUST, "Wie groß ist Ihr Vertrauen in den Gemeinderat bzw. Stadtrat?",
           "How much do you trust the municipal council?", TRUST),
    _scale("police_satisfaction", Block.TRUST,
           "Wie zufrieden sind Sie mit der Arbeit der Polizei in Ihrer Gemeinde?",
           "How satisfied are you with the work of the police in your municipality?", SATISFIED),
    BankItem("police_patrols", Block.TRUST, S, "Wie oft sehen Sie Polizeistreifen in Ihrer Wohngegend?",
             "How often do you see police patrols in your neighbourhood?", FREQUENCY),
    # Presence of the municipal enforcement service
    BankItem("enforcement_known", Block.ENFORCEMENT, S,
             "Wussten Sie, dass Ihre Gemeinde einen Gemeindlichen Vollzugsdienst (Ordnungsamt im Außendienst) hat?",
             "Did you know that your municipality has a municipal enforcement service (public order office on patrol)?",
             YES_NO),
    BankItem("enforcement_seen", Block.ENFORCEMENT, S,
             "Wie oft sehen Sie den Gemeindlichen Vollzugsdienst in Ihrer Wohngegend?",
             "How often do you see the municipal enforcement service in your neighbourhood?", FREQUENCY,
             show_if=("enforcement_known", (1,))),
    _scale("enforcement_satisfaction", Block.ENFORCEMENT,
           "Wie zufrieden sind Sie mit der Arbeit des Gemeindlichen Vollzugsdienstes?",
           "How satisfied are you with the work of the municipal enforcement service?", SATISFIED,
           show_if=("enforcement_known", (1,))),
    BankItem("enforcement_more", Block.ENFORCEMENT, S,
             "Sollte der Gemeindliche Vollzugsdienst in Ihrer Wohngegend häufiger unterwegs sein?",
             "Should the municipal enforcement service patrol your neighbourhood more often?", YES_NO_DONT_KNOW),
    # Demographics
    BankItem("age_group", Block.DEMOGRAPHICS, S, "Wie alt sind Sie?", "How old are you?",
             tuple((code, f"{label} Jahre", f"{label} years") for code, label in AGE_GROUP_CODES.items())),
    BankItem("sex", Block.DEMOGRAPHICS, S, "Welches Geschlecht haben Sie?", "What is your sex?",
             ((1, "männlich", "male"), (2, "weiblich", "female"),
              (3, "divers / keine Angabe", "diverse / not stated"))),
    BankItem("locality", Block.DEMOGRAPHICS, S, "In welchem Ortsteil wohnen Sie?",
             "In which part of the municipality do you live?", extra={"localities": True}),
    BankItem("years_lived", Block.DEMOGRAPHICS, N, "Seit wie vielen Jahren wohnen Sie in Ihrer Gemeinde?",
             "For how many years have you lived in your municipality?", minimum=0, maximum=100),
    BankItem("household_size", Block.DEMOGRAPHICS, N,
             "Wie viele Personen leben in Ihrem Haushalt, Sie selbst eingeschlossen?",
             "How many people live in your household, including yourself?", minimum=1, maximum=20),
    BankItem("remarks", Block.DEMOGRAPHICS, T,
             "Möchten Sie uns zum Thema Sicherheit in Ihrer Gemeinde noch etwas mitteilen?",
             "Is there anything else you would like to tell us about safety in your municipality?"),
)

BY_KEY: dict[str, BankItem] = {entry.key: entry for entry in ITEMS}
STANDARD: tuple[str, ...] = tuple(entry.key for entry in ITEMS)


def locality_options(localities: list[str], fallback: str) -> list[dict[str, Any]]:
    """Options of the locality question from the municipality's localities (Ortsteile)."""
    names = localities or [fallback]
    return [{"code": number, "de": name, "en": name} for number, name in enumerate(names, start=1)]


def by_block() -> list[tuple[str, str, list[BankItem]]]:
    """(block value, block label, entries) in questionnaire order, for the builder's bank list."""
    return [(block.value, str(block.label), [e for e in ITEMS if e.block == block.value])
            for block in Block]
