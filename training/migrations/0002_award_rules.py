from django.db import migrations


def load(apps, schema_editor):
    from training.reference import load_award_rules

    load_award_rules(apps.get_model("training", "AwardRule"))


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
