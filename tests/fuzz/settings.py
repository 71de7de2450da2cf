"""Settings of the server `make fuzz` starts (scripts/fuzz.sh): development settings without debug pages,
uploads kept in the run's temporary folder rather than the checkout's media/."""

import os

from suzhou_childcare.settings.development import *  # noqa: F403

DEBUG = False
MEDIA_ROOT = os.environ["FUZZ_MEDIA_ROOT"]

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A throw-away database: durability buys nothing, and the demo load is much quicker without it.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (  # noqa: F405
        "PRAGMA synchronous=OFF; PRAGMA journal_mode=MEMORY;"
    )
