"""The counselling partners the coordination office starts with (DOMAIN.md §1.2, issue 4 item 6).

Every entry names its public source (``source_url``). Phone numbers and e-mail addresses are filled in
only where the source states them; elsewhere they stay blank (docs/protection/measures.md says which).
The office keeps the directory in the web interface; this seeds a new installation and leaves
existing rows alone (matched by name), so it can run again (tests re-run it after flushes).
"""

from django.db import migrations

PARTNERS = [
    {
        "name": "Koordinierungsstelle der Allianz Sichere Sächsische Kommunen (Landespräventionsrat Sachsen)",
        "category": "coordination_office",
        "scope": "Sachsen",
        "description": (
            "Die Koordinierungsstelle beim Landespräventionsrat (Sächsisches Staatsministerium des Innern) "
            "berät betroffene Amts- und Mandatsträgerinnen und -träger im Rahmen des sächsischen Konzepts "
            "vom November 2023, vermittelt an die Polizei und an Beratungsstellen und macht mit "
            "Veranstaltungen auf die Lage kommunaler Amts- und Mandatsträger aufmerksam."
        ),
        "website": "https://www.asskomm.sachsen.de/",
        "source_url": "https://www.volksstimme.de/panorama/sachsen-will-sicherheit-seiner-kommunalpolitiker-starken-3729332",
        "anonymous_possible": False,
    },
    {
        "name": "ZASTEX – Zentrale Ansprechstelle für Opfer (rechts-)extremistischer Bedrohungen (LKA Sachsen)",
        "category": "zastex",
        "scope": "Sachsen",
        "description": (
            "Ansprechstelle beim Landeskriminalamt Sachsen für Amts- und Mandatstragende sowie Kandidierende, "
            "die bedroht oder angefeindet werden oder sich vor solchen Gefährdungen schützen wollen: Beratung "
            "und gezielte Weitervermittlung an die zuständigen Polizeidienststellen und an Einrichtungen "
            "außerhalb der Polizei. Sie bearbeitet keine Strafanzeigen selbst. Broschüre "
            "„Sicherheit für Kandidierende“ (LKA und Generalstaatsanwaltschaft Dresden, 2024)."
        ),
        "phone": "+49 351 855-2223",
        "website": "https://polizei.sachsen.de/de/98508.htm",
        "source_url": "https://polizei.sachsen.de/de/108985.htm",
        "anonymous_possible": False,
    },
    {
        "name": "Expertennetzwerk bei der Landesdirektion Sachsen",
        "category": "expert_network",
        "scope": "Sachsen",
        "description": (
            "Nach dem Konzept des Innenministeriums (November 2023) neben der Allianz und der ZASTEX in die "
            "Beratung Betroffener eingebunden. Öffentliche Kontaktdaten haben wir nicht gefunden; die "
            "Koordinierungsstelle stellt den Kontakt her."
        ),
        "source_url": "https://www.volksstimme.de/panorama/sachsen-will-sicherheit-seiner-kommunalpolitiker-starken-3729332",
        "anonymous_possible": False,
    },
    {
        "name": "starke Stelle – Ansprechstelle zum Schutz kommunaler Amts- und Mandatsträger",
        "category": "starke_stelle",
        "scope": "bundesweit",
        "description": (
            "Bundesweite, unabhängige Ansprechstelle seit 1. August 2024 (Stiftung Deutsches Forum für "
            "Kriminalprävention, gefördert vom Bundesinnenministerium). Kostenfrei, vertraulich und auf Wunsch "
            "anonym: Telefon montags bis freitags 9 bis 16 Uhr, E-Mail, Video nach Absprache. Hört zu, "
            "ordnet die Lage ein und vermittelt passende Hilfe auf Bundes- und Landesebene."
        ),
        "phone": "0800 300 99 44",
        "email": "info@starkestelle.de",
        "website": "https://www.starkestelle.de/",
        "source_url": "https://gar-nrw.de/news/starke-stelle-nimmt-arbeit-auf-beratung-bei-bedrohun-hass-und-hetze",
        "anonymous_possible": True,
    },
    {
        "name": "Portal „Stark im Amt“",
        "category": "other",
        "scope": "bundesweit",
        "description": (
            "Portal der kommunalen Spitzenverbände (mit der Körber-Stiftung) seit April 2021: zeigt das "
            "Hilfenetzwerk bundesweit und für jedes Land, mit Beiträgen zum Umgang mit Hass und Hetze."
        ),
        "website": "https://www.stark-im-amt.de/",
        "source_url": "https://www.kulturelle-integration.de/2024/09/11/projekt-der-woche-stark-im-amt-portal-fuer-kommunalpolitik-gegen-hass-und-gewalt/",
        "anonymous_possible": False,
    },
    {
        "name": "HateAid",
        "category": "hateaid",
        "scope": "bundesweit",
        "description": (
            "Gemeinnützige Beratung für Betroffene digitaler Gewalt, auch bei Angriffen gegen das berufliche "
            "oder ehrenamtliche Engagement: Erstberatung per Telefon (zu Sprechzeiten), E-Mail oder Chat, "
            "Hilfe bei der Beweissicherung und, nach Prüfung im Einzelfall, Finanzierung der Anwalts- und "
            "Prozesskosten für ein zivilrechtliches Verfahren."
        ),
        "phone": "030 252 088 38",
        "email": "beratung@hateaid.org",
        "website": "https://hateaid.org/",
        "source_url": "https://hateaid.org/prozesskostenfinanzierung/",
        "anonymous_possible": False,
    },
    {
        "name": "WEISSER RING – Opfer-Telefon",
        "category": "victim_counselling",
        "scope": "bundesweit",
        "description": (
            "Opfer-Telefon für Opfer von Straftaten und Bedrohten, täglich 7 bis 22 Uhr, kostenlos und anonym; "
            "vermittelt an die Außenstellen vor Ort und an weitere Hilfen."
        ),
        "phone": "116 006",
        "website": "https://weisser-ring.de/",
        "source_url": "https://weisser-ring.de/node/4441",
        "anonymous_possible": True,
    },
    {
        "name": "Support – Opferberatung des RAA Sachsen e. V.",
        "category": "victim_counselling",
        "scope": "Sachsen",
        "description": (
            "Unterstützt Betroffene rechtsmotivierter, rassistischer und antisemitischer Gewalt, ihre "
            "Angehörigen und Zeuginnen und Zeugen: parteilich, aufsuchend, kostenlos und vertraulich. "
            "Beratungsstellen in Dresden, Görlitz, Chemnitz, Plauen und Leipzig sowie eine Onlineberatung."
        ),
        "website": "https://www.raa-sachsen.de/support",
        "source_url": "https://www.raa-sachsen.de/support",
        "anonymous_possible": False,
    },
    {
        "name": "Meldestelle HessenGegenHetze",
        "category": "reporting_office",
        "scope": "Hessen",
        "description": (
            "Staatliche Meldestelle im Hessen CyberCompetenceCenter: Hasskommentare und extremistische Inhalte "
            "per Formular, E-Mail oder Telefon melden, auch anonym. Sie prüft, sichert Beweise und leitet an "
            "die Strafverfolgung weiter; Betroffene vermittelt sie an Beratungsangebote."
        ),
        "phone": "0611 353 9977",
        "email": "mail@hessengegenhetze.de",
        "website": "https://hessengegenhetze.de/",
        "source_url": "https://bensheim.de/hessen-gegen-hetze/",
        "anonymous_possible": True,
    },
    {
        "name": "Meldestelle REspect!",
        "category": "reporting_office",
        "scope": "bundesweit",
        "description": (
            "Meldestelle der Jugendstiftung Baden-Württemberg: nimmt Hinweise auf Hass im Netz bundesweit "
            "entgegen, prüft sie juristisch, beantragt bei den Plattformen die Löschung, zeigt strafbare "
            "Inhalte an und vermittelt bei Bedarf an Beratungsangebote."
        ),
        "website": "https://www.meldestelle-respect.de/",
        "source_url": "https://juedisches.bayern.de/antisemitismus-stoppen/intervention-und-hilfestellung/melden-von-antisemitischen-vorfaellen/meldestelle-respect-gegen-hass-im-netz",
        "anonymous_possible": True,
    },
]


def seed(apps, schema_editor):
    Partner = apps.get_model("measures", "Partner")
    for entry in PARTNERS:
        values = dict(entry)
        name = values.pop("name")
        Partner.objects.get_or_create(name=name, defaults=values)


class Migration(migrations.Migration):
    dependencies = [("measures", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
