from django.db import migrations

from suzhou_childcare.regions.reference import load_county_level_units


def load(apps, schema_editor):
    load_county_level_units(apps.get_model("regions", "District"), apps.get_model("regions", "DistrictPopulation"))


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
