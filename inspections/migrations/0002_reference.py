from django.db import migrations

from inspections.reference import load_reference


def load(apps, schema_editor):
    load_reference(
        apps.get_model("inspections", "RectificationDeadlineRule"),
        apps.get_model("inspections", "PenaltyRule"),
        apps.get_model("inspections", "AssessmentScheme"),
    )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
