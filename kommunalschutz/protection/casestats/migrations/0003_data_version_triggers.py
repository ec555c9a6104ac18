"""Every write to the official police figures renews the "police_figures" data version (core.dataversion, decision 0027).

The public API caches its answer under that version, so the triggers make any change visible at once,
whichever way it was written (services, admin, bulk writes, seed migrations, raw SQL).
"""

from django.db import migrations

from kommunalschutz.foundation.core.dataversion import triggers_operation

SCOPE = "police_figures"
TABLES = ("casestats_policefigure",)


class Migration(migrations.Migration):
    dependencies = [("casestats", "0002_seed_police_figures"), ("core", "0005_dataversion")]

    operations = [triggers_operation(SCOPE, TABLES)]
