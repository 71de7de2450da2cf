"""Helpers of the security tests: TOTP devices and their codes, and logging in as a browser does."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

LOGIN = "/accounts/login/"
VERIFY = "/accounts/second-factor/"
SETUP = "/accounts/second-factor/setup/"


def code_for(device: TOTPDevice) -> str:
    """The code the authenticator app shows right now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def wrong_code_for(device: TOTPDevice) -> str:
    return f"{(int(code_for(device)) + 500_000) % 1_000_000:06d}"


def login(client: Client, username: str, password: str, *, address: str = "10.9.0.1", next_url: str | None = None):
    data = {"username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post(LOGIN, data, REMOTE_ADDR=address)


@pytest.fixture
def device_for(db):
    def make(user) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)

    return make
