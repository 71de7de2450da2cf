from django.db import migrations

from reports.catalogue import load_catalogue


def seed(apps, schema_editor):
    load_catalogue(apps.get_model("reports", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_indicators")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
