"""The Celery application. Configuration comes from Django settings (CELERY_*); the schedule is here."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suzhou_childcare.settings.development")

app = Celery("suzhou_childcare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work, declared in code (beat reads it from here, not from a database).
app.conf.beat_schedule = {
    "outbox-sweep": {
        "task": "outbox.sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "training-daily": {
        "task": "training.daily",
        "schedule": crontab(hour=6, minute=30),  # compliance refresh and expiry alerts, Asia/Shanghai
        "options": {"expires": 3600},
    },
    "recognitions-daily": {
        "task": "facilities.recognitions_daily",
        "schedule": crontab(hour=1, minute=10),  # expiry and 60-day notices, Asia/Shanghai
        "options": {"expires": 3600},
    },
    "subsidies-last-month": {
        "task": "subsidies.calculate_last_month",
        "schedule": crontab(hour=2, minute=30),  # recalculates last month (idempotent), Asia/Shanghai
        "options": {"expires": 3600},
    },
    "indicators-nightly": {
        "task": "reports.nightly",
        "schedule": crontab(hour=3, minute=0),  # current month provisional, last month finalised, Asia/Shanghai
        "options": {"expires": 3600},
    },
    "audit-seal": {
        "task": "audit.seal",
        "schedule": 300.0,  # chains the committed audit entries by hash, every five minutes
        "options": {"expires": 290},
    },
    "retention-daily": {
        "task": "privacy.retention",
        "schedule": crontab(hour=4, minute=0),  # purges or anonymises what is past its period, Asia/Shanghai
        "options": {"expires": 3600},
    },
    "rectification-reminders": {
        "task": "inspections.rectification_reminders",
        "schedule": crontab(hour=8, minute=0),  # CELERY_TIMEZONE is Asia/Shanghai
        "options": {"expires": 3600},
    },
}
