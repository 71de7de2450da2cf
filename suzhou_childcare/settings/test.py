"""The test suite: SQLite by default, PostgreSQL and Redis when DATABASE_URL / CELERY_BROKER_URL are set."""

import os
import tempfile

from .development import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECRET_KEY = "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-test"  # noqa: S105
# Two keys, so every test also exercises decryption through a key ring.
FIELD_ENCRYPTION_KEYS = [
    "dGVzdC1vbmx5LWZpZWxkLWtleS1wcmltYXJ5LTAwMDA=",
    "dGVzdC1vbmx5LWZpZWxkLWtleS1vbGRlci0wMDAwMDA=",
]
BLIND_INDEX_KEY = "test-only-blind-index-key"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
OUTBOX_RESEND_AFTER_SECONDS = 0
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# A queue of this test run's own, so a development worker on the same Redis never takes its messages.
CELERY_TASK_DEFAULT_QUEUE = f"portal-test-{os.getpid()}"
# Uploaded files of the test run go to a temporary folder, never into the checkout.
MEDIA_ROOT = tempfile.mkdtemp(prefix="portal-test-media-")
