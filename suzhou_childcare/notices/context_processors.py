"""`unread_notice_count` for the navigation bar of every page."""

from django.utils.functional import SimpleLazyObject

from suzhou_childcare.permissions import Capability, can

from .selectors import unread_count_for


def unread_notices(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not can(user, Capability.USE_WEB_PORTAL):
        return {"unread_notice_count": 0}
    # Lazy: counted once, and only when a template shows it (JSON responses and bare pages never do).
    return {"unread_notice_count": SimpleLazyObject(lambda: unread_count_for(user=user))}
