"""The ten county-level units and their 2020 population, from data/districts.csv.

The file mirrors the commission's shared reference (code, name, kind, 2020 population, status), with the
note on each figure's source in Chinese, as staff read it on the unit's page.
Used by the data migration (with its historical models) and wherever the units must be restored after
a database flush (transactional tests). Later corrections go through `district_population_set`.
"""

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "districts.csv"


def load_county_level_units(district_model, population_model) -> None:
    """Idempotent: creates what is missing, never overwrites a population someone corrected."""
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            district, _created = district_model.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "kind": row["kind"]}
            )
            population_model.objects.get_or_create(
                district=district,
                year=2020,
                defaults={
                    "population": int(row["population_2020"]),
                    "status": row["population_status"],
                    "source": row["note"][:500],
                },
            )
