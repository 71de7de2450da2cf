"""The data `make fuzz` runs on (scripts/fuzz.sh): `manage.py load_demo` with a year of subsidy history instead
of every month since 2021 (the subsidy demo's monthly runs are most of the load's time, and a year already gives
reports, statements and batches in every state). Prints an API token of FUZZ_USER (default `city_admin`).

Run from the checkout's root: `python -m tests.fuzz.load_data`, with DJANGO_SETTINGS_MODULE and DATABASE_URL set.
"""

import io
import os
import sys
from unittest import mock

import django


def main() -> int:
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from suzhou_childcare.accounts.models import User
    from suzhou_childcare.accounts.services import api_token_issue

    today = timezone.localdate()
    first_month = today.replace(year=today.year - 1, day=1)
    with mock.patch("subsidies.demo.FIRST_MONTH", first_month):
        call_command("load_demo", stdout=io.StringIO())
    _token, key = api_token_issue(user=User.objects.get(username=os.environ.get("FUZZ_USER", "city_admin")))
    sys.stdout.write(key + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
