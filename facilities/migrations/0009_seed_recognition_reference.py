from django.db import migrations

from facilities.recognition_seed import load_recognition_reference


def seed(apps, schema_editor):
    load_recognition_reference(
        apps.get_model("facilities", "CriteriaSet"),
        apps.get_model("facilities", "Criterion"),
        apps.get_model("facilities", "FeeReference"),
        apps.get_model("facilities", "DevelopmentTarget"),
    )


class Migration(migrations.Migration):
    dependencies = [("facilities", "0008_recognitions"), ("regions", "0002_load_county_level_units")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
