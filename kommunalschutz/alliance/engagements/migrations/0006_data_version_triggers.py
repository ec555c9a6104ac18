"""Every write to the catalogue of offers renews the "offers" data version (core.dataversion, decision 0027).

The public API caches its answer under that version, so the triggers make any change visible at once,
whichever way it was written (services, admin, bulk writes, seed migrations, raw SQL).
"""

from django.db import migrations

from kommunalschutz.foundation.core.dataversion import triggers_operation

SCOPE = "offers"
TABLES = ("engagements_offertype",)


class Migration(migrations.Migration):
    dependencies = [("engagements", "0005_names_unique_ignoring_case"), ("core", "0005_dataversion")]

    operations = [triggers_operation(SCOPE, TABLES)]
