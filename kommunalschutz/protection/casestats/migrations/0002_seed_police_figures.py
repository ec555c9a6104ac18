"""Load the official police figures (data/police_figures.csv) into PoliceFigure.

Idempotent: a row is identified by region, year, offence group and as-of date (the model's unique
constraint); an existing row is updated, nothing is deleted. Tests call ``seed`` directly.
"""

import csv
import datetime as dt
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "police_figures.csv"


def read_rows(path=CSV_PATH):
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {
                "region": row["region"].strip(), "year": int(row["year"]),
                "offence_group": row["offence_group"].strip() or "all", "count": int(row["count"]),
                "status": row["status"].strip(), "as_of": dt.date.fromisoformat(row["as_of"].strip()),
                "source": row["source"].strip(), "source_url": row["source_url"].strip(),
                "note": row["note"].strip(),
            }


def seed(apps, schema_editor):
    PoliceFigure = apps.get_model("casestats", "PoliceFigure")
    for row in read_rows():
        key = {name: row[name] for name in ("region", "year", "offence_group", "as_of")}
        PoliceFigure.objects.update_or_create(
            **key, defaults={name: row[name] for name in ("count", "status", "source", "source_url", "note")})


class Migration(migrations.Migration):

    dependencies = [("casestats", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
