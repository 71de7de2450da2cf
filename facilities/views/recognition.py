"""Pages of the recognition workflow (placeholders until the pages land)."""

from django.http import Http404


def _missing(*args, **kwargs):
    raise Http404


recognition_list = recognition_export = recognition_detail = recognition_action = _missing
recognition_certificate = application_new = application_list = application_detail = application_action = _missing
