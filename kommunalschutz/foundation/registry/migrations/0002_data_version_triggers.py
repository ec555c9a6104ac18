"""Every write to the registry's tables renews the "registry" data version (core.dataversion, decision 0027).

The public registry API caches its answers under that version, so the triggers are what makes an import
or an edit visible at once, whichever way it was written.
"""

from django.db import migrations

from kommunalschutz.foundation.core.dataversion import install_triggers, remove_triggers

SCOPE = "registry"
TABLES = ("registry_policedirectorate", "registry_stateauthority", "registry_district", "registry_municipality",
          "registry_municipalitynamechange")


def forward(apps, schema_editor):
    install_triggers(schema_editor, SCOPE, TABLES)


def backward(apps, schema_editor):
    remove_triggers(schema_editor, SCOPE, TABLES)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial"), ("core", "0005_dataversion")]

    operations = [migrations.RunPython(forward, backward)]
