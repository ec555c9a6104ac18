"""The officials' questionnaire: items comparable with KoMo, in German, written for this platform.

KoMo's questionnaire is not public. The items match its *published* content and reference period item by
item (docs/surveys/officials-komo.md has the mapping with sources): personal experience, in a stated
six-month reference period, of verbal or written hostility, threats, physical attacks and hate posts
online; the form and channel of the last incident; reporting to the police; psychological effects,
withdrawal, not standing again, considering resigning. Beyond KoMo: property damage, attacks on family
members, reasons for not reporting, protective measures, and support received and wanted, naming the
platform's own offers.

``{period}`` in a text is replaced by the wave's reference period ("vom 1. Mai bis 31. Oktober 2023"),
``{alliance}`` by the state's alliance programme. Coding: yes/no 1 = ja, 2 = nein. ``VERSION`` goes up with
any change to wording or codes; a wave keeps the version it began its field period with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from kommunalschutz.surveys.projects.item_bank import YES_NO, BankItem, Option
from kommunalschutz.surveys.projects.models import Item

VERSION = 1

EXPERIENCE, REPORTING, CONSEQUENCES, SUPPORT, PERSON = "experience", "reporting", "consequences", "support", "person"
BLOCK_TITLES = {
    EXPERIENCE: "Erfahrungen im Bezugszeitraum",
    REPORTING: "Anzeige und Meldung",
    CONSEQUENCES: "Folgen",
    SUPPORT: "Unterstützung",
    PERSON: "Angaben zu Ihrer Person",
}

# The experience items: KoMo's three forms first (verbal or written, physical, online), then threats
# (KoMo counts them with the hostility), then what KoMo does not ask separately.
EXPERIENCE_ITEMS: tuple[tuple[str, str], ...] = (
    ("exp_verbal", "Wurden Sie {period} als Amts- oder Mandatsperson mündlich oder schriftlich beleidigt, "
                   "beschimpft oder angefeindet (persönlich, am Telefon, per Brief oder E-Mail)?"),
    ("exp_threat", "Wurden Sie {period} als Amts- oder Mandatsperson bedroht, zum Beispiel mit Gewalt gegen Sie "
                   "oder mit einem Schaden für Sie?"),
    ("exp_physical", "Wurden Sie {period} als Amts- oder Mandatsperson körperlich angegriffen (angerempelt, "
                     "geschlagen, bespuckt oder Ähnliches)?"),
    ("exp_online", "Wurden Sie {period} als Amts- oder Mandatsperson im Internet angefeindet, zum Beispiel durch "
                   "Hasskommentare oder Hasspostings in sozialen Netzwerken?"),
    ("exp_property", "Wurde {period} wegen Ihres Amtes oder Mandats Ihr Eigentum beschädigt (Haus, Auto, Büro, "
                     "Wahlplakat)?"),
    ("exp_family", "Wurden {period} Ihre Familie oder Ihnen nahestehende Menschen wegen Ihres Amtes oder Mandats "
                   "angefeindet, bedroht oder angegriffen?"),
)
KOMO_FORMS = ("exp_verbal", "exp_threat", "exp_physical", "exp_online")  # KoMo's "betroffen"
ALL_FORMS = tuple(code for code, _ in EXPERIENCE_ITEMS)

LAST_KIND: tuple[Option, ...] = (
    (1, "Beleidigung", "insult"),
    (2, "üble Nachrede oder Verleumdung", "defamation"),
    (3, "Bedrohung, Nötigung oder Nachstellung", "threat, coercion or stalking"),
    (4, "Volksverhetzung", "incitement to hatred"),
    (5, "Körperverletzung oder tätlicher Angriff", "assault"),
    (6, "Sachbeschädigung", "property damage"),
    (7, "etwas anderes", "something else"),
)
LAST_CHANNEL: tuple[Option, ...] = (
    (1, "persönlich, von Angesicht zu Angesicht", "in person"),
    (2, "in einer Sitzung oder öffentlichen Veranstaltung", "in a meeting or public event"),
    (3, "am Telefon", "by telephone"),
    (4, "per Brief", "by letter"),
    (5, "per E-Mail", "by e-mail"),
    (6, "in sozialen Netzwerken oder Messengern", "on social networks or messengers"),
    (7, "auf anderem Weg", "another way"),
)
REPORTED: tuple[Option, ...] = (
    (1, "ja, alle", "yes, all of them"), (2, "ja, einen Teil", "yes, some of them"), (3, "nein, keinen", "no, none"),
)
WHY_NOT: tuple[Option, ...] = (
    (1, "Es erschien mir zu geringfügig.", "It seemed too minor."),
    (2, "Eine Anzeige bringt nichts, Verfahren werden eingestellt.", "Reporting achieves nothing."),
    (3, "Der Aufwand ist mir zu groß.", "Too much effort."),
    (4, "Ich befürchte weitere Anfeindungen.", "I fear further hostility."),
    (5, "Die Täterin oder der Täter ist unbekannt.", "The perpetrator is unknown."),
    (6, "Ich wollte keine Öffentlichkeit.", "I did not want publicity."),
    (7, "Ich habe es auf andere Weise geregelt.", "I dealt with it another way."),
    (8, "Ich wusste nicht, wohin ich mich wenden kann.", "I did not know where to turn."),
    (9, "ein anderer Grund", "another reason"),
)
REPORTED_ELSEWHERE: tuple[Option, ...] = (
    (1, "meiner Verwaltung oder Dienstvorgesetzten", "my administration or superior"),
    (2, "der Plattform, auf der es geschah", "the platform where it happened"),
    (3, "einer Beratungsstelle", "a counselling service"),
    (4, "der Koordinierungsstelle der {alliance}", "the alliance's coordination office"),
    (5, "niemandem sonst", "nobody else"),
)
PROTECTION: tuple[Option, ...] = (
    (1, "Auskunftssperre im Melderegister", "block on register information"),
    (2, "weniger Präsenz in sozialen Netzwerken", "less presence on social networks"),
    (3, "Sicherungstechnik an Haus oder Büro", "security technology at home or office"),
    (4, "geänderte Wege und Abläufe", "changed routes and routines"),
    (5, "Beratung durch die Polizei", "advice from the police"),
    (6, "keine", "none"),
)
SUPPORT_OFFERS: tuple[Option, ...] = (
    (1, "Beratung durch die Koordinierungsstelle der {alliance}", "the alliance's consultation"),
    (2, "das Sicherheitspaket und die Beratung der Polizei", "the police's security package and advice"),
    (3, "eine Opfer- oder Betroffenenberatung", "victim counselling"),
    (4, "eine Beratungsstelle gegen Hass im Netz", "a counselling service against online hate"),
    (5, "meine Verwaltung oder meinen Dienstherrn", "my administration or employer"),
    (6, "den kommunalen Spitzenverband", "the municipal association"),
    (7, "psychologische Unterstützung", "psychological support"),
    (8, "keine", "none"),
)
AGREE_NOT_STAND: tuple[Option, ...] = ((1, "ja", "yes"), (2, "nein", "no"), (3, "weiß ich noch nicht", "not yet sure"))
GENDER: tuple[Option, ...] = (
    (1, "weiblich", "female"), (2, "männlich", "male"), (3, "divers", "diverse"), (4, "keine Angabe", "not stated"),
)
GENDER_CODES = {1: "w", 2: "m", 3: "d", 4: "x"}

def _experience() -> list[BankItem]:
    return [BankItem(key=code, block=EXPERIENCE, kind=Item.Kind.SINGLE, options=YES_NO, de=text, en=code)
            for code, text in EXPERIENCE_ITEMS]


ITEMS: tuple[BankItem, ...] = (
    *_experience(),
    BankItem("exp_count", EXPERIENCE, Item.Kind.NUMBER,
             "Wie viele solcher Vorfälle haben Sie {period} insgesamt erlebt? (Schätzen Sie, wenn Sie es nicht "
             "genau wissen.)", "Number of incidents in the period.", minimum=1, maximum=500,
             extra={"shown_if_any": ALL_FORMS}),
    BankItem("last_kind", EXPERIENCE, Item.Kind.SINGLE,
             "Denken Sie an den letzten Vorfall: Was war es am ehesten?", "Kind of the last incident.",
             options=LAST_KIND, extra={"shown_if_any": ALL_FORMS}),
    BankItem("last_channel", EXPERIENCE, Item.Kind.SINGLE,
             "Auf welchem Weg hat Sie der letzte Vorfall erreicht?", "Channel of the last incident.",
             options=LAST_CHANNEL, extra={"shown_if_any": ALL_FORMS}),
    BankItem("reported_police", REPORTING, Item.Kind.SINGLE,
             "Haben Sie Vorfälle {period} bei der Polizei angezeigt?", "Reported to the police.",
             options=REPORTED, extra={"shown_if_any": ALL_FORMS}),
    BankItem("reported_count", REPORTING, Item.Kind.NUMBER,
             "Wie viele der Vorfälle haben Sie angezeigt?", "Number of incidents reported.", minimum=1, maximum=500,
             show_if=("reported_police", (1, 2))),
    BankItem("why_not_reported", REPORTING, Item.Kind.MULTIPLE,
             "Warum haben Sie (einen Teil der) Vorfälle nicht angezeigt?",
             "Why not reported.", options=WHY_NOT, show_if=("reported_police", (2, 3))),
    BankItem("reported_elsewhere", REPORTING, Item.Kind.MULTIPLE,
             "Wem haben Sie die Vorfälle außerdem gemeldet?",
             "Reported elsewhere.", options=REPORTED_ELSEWHERE, extra={"shown_if_any": ALL_FORMS}),
    BankItem("cons_strain", CONSEQUENCES, Item.Kind.SINGLE,
             "Haben die Vorfälle Sie psychisch belastet, zum Beispiel durch Angst, Sorgen, Stress oder schlechten "
             "Schlaf?", "Psychological effects.", options=YES_NO, extra={"shown_if_any": ALL_FORMS}),
    BankItem("cons_fear", CONSEQUENCES, Item.Kind.SINGLE,
             "Fürchten Sie, dass Ihnen oder Ihrer Familie wegen Ihres Amtes oder Mandats etwas zustoßen könnte?",
             "Fear for oneself or family.", options=YES_NO),
    BankItem("cons_protection", CONSEQUENCES, Item.Kind.MULTIPLE,
             "Welche Schutzmaßnahmen haben Sie ergriffen?",
             "Protective measures.", options=PROTECTION),
    BankItem("cons_withdrawal", CONSEQUENCES, Item.Kind.SINGLE,
             "Haben Sie sich {period} wegen Anfeindungen aus Themen, Diskussionen oder öffentlichen Auftritten "
             "zurückgezogen?", "Withdrawal.", options=YES_NO),
    BankItem("cons_not_stand", CONSEQUENCES, Item.Kind.SINGLE,
             "Werden Sie wegen solcher Erfahrungen bei der nächsten Wahl nicht wieder antreten?",
             "Will not stand again.", options=AGREE_NOT_STAND),
    BankItem("cons_resign", CONSEQUENCES, Item.Kind.SINGLE,
             "Haben Sie wegen solcher Erfahrungen schon erwogen, Ihr Amt oder Mandat vorzeitig aufzugeben?",
             "Considering resigning.", options=YES_NO),
    BankItem("support_received", SUPPORT, Item.Kind.MULTIPLE,
             "Von wem haben Sie Unterstützung erhalten?", "Support received.",
             options=SUPPORT_OFFERS, extra={"shown_if_any": ALL_FORMS}),
    BankItem("support_wanted", SUPPORT, Item.Kind.MULTIPLE,
             "Welche Unterstützung wünschen Sie sich künftig?", "Support wanted.",
             options=SUPPORT_OFFERS),
    BankItem("support_text", SUPPORT, Item.Kind.TEXT,
             "Was würde Ihnen helfen? Bitte nennen Sie keine Namen: Ihre Antwort wird vor jeder Weitergabe "
             "geprüft.", "What would help (free text, reviewed)."),
    BankItem("gender", PERSON, Item.Kind.SINGLE, "Ihr Geschlecht:", "Gender.", options=GENDER),
)


def period_text(start: dt.date, end: dt.date) -> str:
    """The reference period as the questions name it: "vom 01.05.2023 bis zum 31.10.2023"."""
    return f"vom {start:%d.%m.%Y} bis zum {end:%d.%m.%Y}"


def _filled(text: str, values: Mapping[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def questionnaire(*, start: dt.date, end: dt.date, alliance: str) -> list[Item]:
    """The questionnaire as unsaved ``Item`` rows (the citizen survey's forms and validation read them).

    An item that follows "any of the experience items answered yes" (``shown_if_any``) is shown when the
    first of them is answered (the validation's filters name one item each) and is checked after the fact by
    :func:`clean` (an answer there without any experience is dropped)."""
    values = {"period": period_text(start, end), "alliance": alliance}
    items = []
    for position, entry in enumerate(ITEMS, start=1):
        fields: dict[str, Any] = entry.item_fields()
        fields["text_de"] = _filled(fields["text_de"], values)
        fields["options"] = [{**option, "de": _filled(option["de"], values)} for option in fields["options"]]
        items.append(Item(position=position, **fields))
    return items


def affected(answers: Mapping[str, Any], forms: tuple[str, ...] = KOMO_FORMS) -> bool | None:
    """Whether the answers report any of ``forms`` (None when none of them was answered)."""
    given = [answers.get(code) for code in forms if answers.get(code) in (1, 2)]
    if not given:
        return None
    return 1 in given


def clean(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers with follow-ups that only apply to someone affected removed when nobody was affected."""
    follow_ups = {entry.key for entry in ITEMS if entry.extra.get("shown_if_any")}
    follow_ups |= {"reported_count", "why_not_reported"}
    if affected(answers, ALL_FORMS):
        return dict(answers)
    return {code: value for code, value in answers.items() if code not in follow_ups}
