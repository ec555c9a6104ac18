"""The competences the coach pool starts with; the coordination office adds more on the coach pool page."""

from django.db import migrations

COMPETENCES = [
    ("praeventionsrat", "Aufbau eines Präventionsrats"),
    ("netzwerkarbeit", "Netzwerkarbeit und Kooperation"),
    ("buergerbeteiligung", "Bürgerbeteiligung"),
    ("moderation", "Moderation und Konfliktbearbeitung"),
    ("projektentwicklung", "Projektentwicklung nach den Beccaria-Standards"),
    ("extremismuspraevention", "Extremismusprävention"),
    ("oeffentlicher-raum", "Sicherheit im öffentlichen Raum"),
    ("jugend", "Kinder- und Jugendprävention"),
]


def seed(apps, schema_editor):
    Competence = apps.get_model("engagements", "Competence")
    for code, name in COMPETENCES:
        Competence.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("engagements", "0003_coaching_needs")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
