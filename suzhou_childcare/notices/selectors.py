"""Reading notices: a user reaches their own and nobody else's (someone else's is 404)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from suzhou_childcare.errors import NotFound

from .models import Notice

if TYPE_CHECKING:
    from suzhou_childcare.accounts.models import User


def notice_list_for(*, user: User) -> QuerySet[Notice]:
    """The user's own notices, newest first (ties by id, so pages and cursors are stable)."""
    if not (user.is_authenticated and user.is_active):
        return Notice.objects.none()
    return Notice.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count_for(*, user: User) -> int:
    """How many of the user's notices are unread: one COUNT on the (recipient, read_at, …) index."""
    if not (user.is_authenticated and user.is_active):
        return 0
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def notice_get_for(*, user: User, pk: int) -> Notice:
    notice = notice_list_for(user=user).filter(pk=pk).first()
    if notice is None:
        raise NotFound
    return notice
