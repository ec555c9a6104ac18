"""Every write to the tables behind the public map renews the "alliance_map" data version (decision 0033).

The map layer (`/api/v1/alliance/map` without `as_of`) is then built once per version of these tables and
of the registry (names), sent with an ETag and gzipped, like the registry's answers (decision 0027).
"""

from django.db import migrations

from kommunalschutz.foundation.core.dataversion import triggers_operation

SCOPE = "alliance_map"
TABLES = ("alliance_membershiptransition", "alliance_cooperationagreement", "engagements_engagement",
          "engagements_offertype", "councils_preventioncouncil")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_dataversion"),
        ("insights", "0002_pending_deltas_folded_at_commit"),
        ("alliance", "0001_initial"),
        ("engagements", "0005_names_unique_ignoring_case"),
        ("councils", "0002_one_running_council_per_target"),
    ]

    operations = [triggers_operation(SCOPE, TABLES)]
