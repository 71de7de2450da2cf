"""The ten county-level units and their 2020 population (census, or marked estimates) from data/districts.csv.

The file mirrors the commission's shared reference (code, name, kind, 2020 population, status, note).
Later corrections go through `district_population_set`, which audits them.
"""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "districts.csv"


def load(apps, schema_editor):
    District = apps.get_model("regions", "District")
    DistrictPopulation = apps.get_model("regions", "DistrictPopulation")
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            district, _ = District.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "kind": row["kind"]}
            )
            DistrictPopulation.objects.get_or_create(
                district=district,
                year=2020,
                defaults={
                    "population": int(row["population_2020"]),
                    "status": row["population_status"],
                    "source": row["note"][:500],
                },
            )


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
