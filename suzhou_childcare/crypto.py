"""Personal data at rest: encryption with a rotatable key ring, a keyed-hash (blind) index, masking.

Keys come from the environment (FIELD_ENCRYPTION_KEYS, newest first; BLIND_INDEX_KEY), never from the
database. A full value never goes into a URL, a log line or an export: show `mask_identifier(value)`.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models


@cache
def _key_ring() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: personal data cannot be encrypted.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key.") from exc


def _reset_key_ring(*, setting: str, **kwargs) -> None:
    if setting in ("FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"):
        _key_ring.cache_clear()


setting_changed.connect(_reset_key_ring)


def encrypt(plaintext: str) -> str:
    return _key_ring().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _key_ring().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("A stored value cannot be decrypted with any configured key.") from exc


def reencrypt(token: str) -> str:
    """The same plaintext under the newest key (key rotation)."""
    return _key_ring().rotate(token.encode()).decode()


def is_under_primary_key(token: str) -> bool:
    primary = Fernet(settings.FIELD_ENCRYPTION_KEYS[0])
    try:
        primary.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash of a normalised value: equal values give equal hashes, without storing the value.

    `purpose` separates index spaces (an ID number's hash cannot be matched against a phone number's).
    """
    key = settings.BLIND_INDEX_KEY
    if not key:
        raise ImproperlyConfigured("BLIND_INDEX_KEY is empty: personal data cannot be indexed.")
    normalised = value.strip().upper()
    return hmac.new(key.encode(), f"{purpose}:{normalised}".encode(), hashlib.sha256).hexdigest()


def mask_identifier(value: str | None, *, keep_start: int = 4, keep_end: int = 4) -> str:
    """`320502199001011234` -> `3205**********1234`: enough to recognise, not enough to use."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    tail = value[len(value) - keep_end :] if keep_end else ""  # value[-0:] would be the whole value
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + tail


class EncryptedTextField(models.TextField):
    """A text column that holds only ciphertext; Python code sees the plaintext.

    Pair it with a `blind_index` column to look values up: ciphertexts of equal values differ.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
