"""Every write to the registry's tables renews the "registry" data version (core.dataversion, decision 0027).

The public registry API caches its answers under that version, so the triggers are what makes an import
or an edit visible at once, whichever way it was written.
"""

from django.db import migrations

from kommunalschutz.foundation.core.dataversion import triggers_operation

SCOPE = "registry"
TABLES = ("registry_policedirectorate", "registry_stateauthority", "registry_district", "registry_municipality",
          "registry_municipalitynamechange")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial"), ("core", "0005_dataversion")]

    operations = [triggers_operation(SCOPE, TABLES)]
