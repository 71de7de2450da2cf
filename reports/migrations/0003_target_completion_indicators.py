from django.db import migrations

from reports.catalogue import load_catalogue


def seed(apps, schema_editor):
    load_catalogue(apps.get_model("reports", "Indicator"))  # adds the target completion rates (idempotent)


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_load_catalogue")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
