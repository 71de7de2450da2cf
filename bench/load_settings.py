"""Settings of `bench/load.py`'s portal: production's (DEBUG off, CSP enforced, every middleware), with the one
difference a load run needs: static files through the plain storage, so no `collectstatic` manifest is needed
(the run requests no static file; production's manifest storage would refuse to render a page without one)."""

from suzhou_childcare.settings.production import *  # noqa: F403
from suzhou_childcare.settings.production import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
