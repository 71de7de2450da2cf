"""Reading accounts, scoped: the city sees every account, a unit its own, everybody else only themselves."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from suzhou_childcare.drf import MAX_ID
from suzhou_childcare.errors import NotFound
from suzhou_childcare.permissions import Capability, can, scope_to_jurisdiction

from .models import ApiToken, Role, User

SECOND_FACTOR_VERIFY = "verify"
SECOND_FACTOR_ENROL = "enrol"


def account_list_for(*, user: User) -> QuerySet[User]:
    qs = (
        User.objects.select_related("district")
        .annotate(has_second_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .order_by("username")
    )
    if user.role in (Role.CITY_ADMIN, Role.DISTRICT_OFFICER) and can(user, Capability.USE_WEB_PORTAL):
        return scope_to_jurisdiction(qs, user=user)
    return qs.filter(pk=user.pk)


def account_get_for(*, user: User, pk: int) -> User:
    account = account_list_for(user=user).filter(pk=pk).first()
    if account is None:
        raise NotFound
    return account


# --- second factor --------------------------------------------------------------------------------------------


def second_factor_device(*, user: User) -> TOTPDevice | None:
    """The account's confirmed TOTP device (at most one is kept), or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def second_factor_pending_device(*, user: User) -> TOTPDevice | None:
    """The device being enrolled: shown as a QR code until a code from it confirms it."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def second_factor_step(*, user: User) -> str | None:
    """What a signed-in browser session still owes before it reaches anything: "verify" (a code from the
    confirmed device), "enrol" (OTP_REQUIRED and no device yet), or None. Token clients never get here."""
    if getattr(user, "is_verified", None) is not None and user.is_verified():
        return None
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return SECOND_FACTOR_VERIFY
    if settings.OTP_REQUIRED:
        return SECOND_FACTOR_ENROL
    return None


# --- REST tokens ----------------------------------------------------------------------------------------------


def api_token_list_for(*, user: User) -> QuerySet[ApiToken]:
    """The city admin sees every account's tokens; everybody else only their own."""
    qs = ApiToken.objects.select_related("user").order_by("-created_at", "-pk")
    if user.role == Role.CITY_ADMIN and can(user, Capability.USE_WEB_PORTAL):
        return qs
    return qs.filter(user=user)


def api_token_get_for(*, user: User, pk: int) -> ApiToken:
    if not 0 < pk <= MAX_ID:  # a number the database column cannot hold names no token
        raise NotFound
    token = api_token_list_for(user=user).filter(pk=pk).first()
    if token is None:
        raise NotFound
    return token
