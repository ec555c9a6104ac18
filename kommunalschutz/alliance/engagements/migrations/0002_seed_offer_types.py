"""The offer catalogue the coordination office starts with (DOMAIN.md 1.1).

The office changes names and adds offer types in the web interface; this only seeds a new
installation, and leaves existing rows alone.
"""

from django.db import migrations

OFFERS = [
    ("beratung", "Beratung", "consultation", 10,
     "Beratung einer Kommune zu den Angeboten der Allianz durch die Koordinierungsstelle."),
    ("coaching", "Begleitendes Coaching", "coaching", 20,
     "Kostenfreies begleitendes Coaching durch eine Person aus dem Coach-Pool."),
    ("sicherheitsanalyse", "Sicherheitsanalyse", "security_analysis", 30,
     "Objektive Daten und Bürgerbefragung zum Sicherheitsempfinden (etwa 20 Wochen)."),
    ("foerderung", "Förderung kommunaler Prävention", "funding", 40,
     "Förderung nach der Landesrichtlinie: bis zu 90 % der förderfähigen Ausgaben."),
    ("qualifizierung", "Qualifizierung", "general", 50,
     "„Fachkraft für Kriminalprävention“ und berufsbegleitendes Studium „Präventionsmanagement“."),
    ("vernetzung", "Vernetzungsveranstaltung", "general", 60,
     "Regionaltreffen, Dialogformat, Jahreskonferenz, „Kommune des Monats“."),
]


def seed(apps, schema_editor):
    OfferType = apps.get_model("engagements", "OfferType")
    for code, name, kind, position, description in OFFERS:
        OfferType.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "position": position, "description": description})


class Migration(migrations.Migration):
    dependencies = [("engagements", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
