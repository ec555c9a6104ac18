"""Load the police crime statistics shipped in findings/data/pks (PKS 2020 and 2022, BKA T01 Kreise).

Only districts already in the registry are loaded: on a fresh database the registry is imported after
``migrate`` (``import-registry``), and ``import-pks --bundled`` loads the figures then. Idempotent
(crime.load replaces a year's figures and changes nothing for the same file). Tests call ``seed``.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from kommunalschutz.surveys.findings import crime

    District = apps.get_model("registry", "District")
    if not District.objects.filter(ags__startswith=crime.state_key()).exists():
        return  # the registry is not imported yet: import-pks --bundled after import-registry
    crime.load_bundled(
        skip_missing_districts=True, audit=False,
        district_model=District,
        figure_model=apps.get_model("findings", "CrimeFigure"),
    )


class Migration(migrations.Migration):

    dependencies = [("findings", "0002_initial"), ("registry", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
