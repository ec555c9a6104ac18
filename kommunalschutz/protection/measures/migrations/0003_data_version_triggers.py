"""Every write to the directory of counselling partners renews the "partners" data version (core.dataversion, decision 0027).

The public API caches its answer under that version, so the triggers make any change visible at once,
whichever way it was written (services, admin, bulk writes, seed migrations, raw SQL).
"""

from django.db import migrations

from kommunalschutz.foundation.core.dataversion import triggers_operation

SCOPE = "partners"
TABLES = ("measures_partner",)


class Migration(migrations.Migration):
    dependencies = [("measures", "0002_seed_partners"), ("core", "0005_dataversion")]

    operations = [triggers_operation(SCOPE, TABLES)]
