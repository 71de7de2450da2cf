"""Local development: `make run` writes real development keys to `.env`; these fallbacks only keep
management commands working in a checkout that has none (for example `makemigrations --check` in CI)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

SECRET_KEY = SECRET_KEY or "development-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: F405
# A valid Fernet key that is public, so data encrypted with it is not protected: development only.
FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or ["ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDA="]  # noqa: F405
BLIND_INDEX_KEY = BLIND_INDEX_KEY or "development-only-blind-index-key"  # noqa: F405

# runserver serves static files itself; WhiteNoise serves the collected ones in production only.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise")]  # noqa: F405
