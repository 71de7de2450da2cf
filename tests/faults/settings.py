"""Settings of the fault tests (`make faults`): the test settings with one fixed Celery queue that the test process,
its worker subprocesses and gunicorn share, e-mails written to files (so a worker subprocess's sends can be counted),
and the redelivery windows shortened so that a task lost with a killed worker comes back within a test's time
instead of an hour (visibility timeout) or a quarter of an hour (stale claim: CELERY_TASK_TIME_LIMIT + 60 s)."""

import os

from suzhou_childcare.settings.test import *  # noqa: F403
from suzhou_childcare.settings.test import CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_TASK_DEFAULT_QUEUE = "portal-faults"
CELERY_BROKER_VISIBILITY_TIMEOUT = int(os.environ.get("FAULT_VISIBILITY_TIMEOUT", "20"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
}
CELERY_TASK_TIME_LIMIT = int(os.environ.get("FAULT_TASK_TIME_LIMIT", "15"))
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 5

_work = os.environ.get("FAULT_WORK")
if _work:
    MEDIA_ROOT = os.path.join(_work, "media")
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.path.join(_work, "mail")
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
