"""Production: refuses to start without its secrets, and turns on every transport protection."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False


def _require(name: str, value: object) -> None:
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in the environment for production.")


_require("DJANGO_SECRET_KEY", SECRET_KEY)  # noqa: F405
_require("DJANGO_ALLOWED_HOSTS", ALLOWED_HOSTS)  # noqa: F405
_require("FIELD_ENCRYPTION_KEYS", FIELD_ENCRYPTION_KEYS)  # noqa: F405
_require("BLIND_INDEX_KEY", BLIND_INDEX_KEY)  # noqa: F405
if len(SECRET_KEY) < 50:  # noqa: F405
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters long.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- second factor (TOTP) ---------------------------------------------------------------------------------
# Every staff browser login needs the second factor; accounts without a device are sent to enrolment.
OTP_REQUIRED = env.bool("OTP_REQUIRED", default=True)

# --- content security policy ----------------------------------------------------------------------------
# Enforced, never report-only, in production (the policy itself is in base.py).
CONTENT_SECURITY_POLICY_REPORT_ONLY = False
if not CONTENT_SECURITY_POLICY:  # noqa: F405
    raise ImproperlyConfigured("CONTENT_SECURITY_POLICY must not be empty in production.")
