"""Every write to the prevention councils renews the "councils" data version (core.dataversion, decision 0027).

The public API caches its answer under that version, so the triggers make any change visible at once,
whichever way it was written (services, admin, bulk writes, seed migrations, raw SQL).
"""

from django.db import migrations

from kommunalschutz.foundation.core.dataversion import triggers_operation

SCOPE = "councils"
TABLES = ("councils_preventioncouncil",)


class Migration(migrations.Migration):
    dependencies = [("councils", "0002_one_running_council_per_target"), ("core", "0005_dataversion")]

    operations = [triggers_operation(SCOPE, TABLES)]
