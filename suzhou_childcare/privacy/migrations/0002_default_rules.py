from django.db import migrations

from suzhou_childcare.privacy.reference import load_retention_rules


def load(apps, schema_editor):
    load_retention_rules(apps.get_model("privacy", "RetentionRule"))


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
