from django.db import migrations

from subsidies.reference import load_subsidy_reference


def seed(apps, schema_editor):
    load_subsidy_reference(apps.get_model("subsidies", "RuleSet"))


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0001_initial"), ("regions", "0002_load_county_level_units")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
