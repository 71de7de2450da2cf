from django.db import migrations

from inspections.reference import load_incident_rules


def load(apps, schema_editor):
    load_incident_rules(apps.get_model("inspections", "IncidentReportRule"))


class Migration(migrations.Migration):
    dependencies = [("inspections", "0003_social_supervision")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
