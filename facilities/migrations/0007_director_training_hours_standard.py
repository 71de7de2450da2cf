from django.db import migrations

from facilities.standards_seed import seed_rows


def seed(apps, schema_editor):
    StandardRule = apps.get_model("facilities", "StandardRule")
    for row in seed_rows():
        if row["code"] == "director.min_post_training_hours":
            StandardRule.objects.get_or_create(code=row["code"], effective_from=row["effective_from"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("facilities", "0006_training_compliance")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
