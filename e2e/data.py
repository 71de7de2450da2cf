"""Test data for the browser run: valid, fictitious identifiers (computed, not typed)."""

import json
import secrets
import sys

from stdnum.cn import ric, uscc


def id_number(serial: int) -> str:
    body = f"32050219880101{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code() -> str:
    body = "91320508" + "".join(secrets.choice("0123456789") for _ in range(9))
    return body + uscc.calc_check_digit(body)


json.dump(
    {"uscc": credit_code(), "ids": [id_number(i) for i in range(1, 8)], "password": "E2e-" + secrets.token_urlsafe(12)},
    sys.stdout,
)
