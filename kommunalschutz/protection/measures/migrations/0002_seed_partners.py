"""The counselling partners the coordination office starts with (DOMAIN.md §1.2, issue 4 item 6).

They are the state package's (``partners.json``, decision 0039): Saxony's list, once written here, is
``kommunalschutz/states/14-sachsen/partners.json``, so an installation for another state never starts with
Saxony's partners. Every entry names its public source (``source_url``). Phone numbers and e-mail addresses
are filled in only where the source states them; elsewhere they stay blank (docs/protection/measures.md says
which).
The office keeps the directory in the web interface; this seeds a new installation and leaves
existing rows alone (matched by name), so it can run again (tests re-run it after flushes).
"""

import json

from django.db import migrations


def seed(apps, schema_editor):
    from kommunalschutz.foundation.core import states

    partners_file = states.current().partners_file
    if partners_file is None:
        return
    Partner = apps.get_model("measures", "Partner")
    for entry in json.loads(partners_file.read_text(encoding="utf-8"))["partners"]:
        values = dict(entry)
        name = values.pop("name")
        Partner.objects.get_or_create(name=name, defaults=values)


class Migration(migrations.Migration):
    dependencies = [("measures", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
