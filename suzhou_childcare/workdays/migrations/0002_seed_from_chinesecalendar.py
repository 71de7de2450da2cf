from django.db import migrations

from suzhou_childcare.workdays.reference import seed_from_chinesecalendar


def seed(apps, schema_editor):
    seed_from_chinesecalendar(apps.get_model("workdays", "CalendarYear"), apps.get_model("workdays", "SpecialDay"))


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
