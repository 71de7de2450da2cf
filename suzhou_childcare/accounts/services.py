"""Every write on accounts: creation, language, password, ID numbers, API tokens, the second factor, revealing
personal data."""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum.cn import ric

from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.crypto import blind_index
from suzhou_childcare.errors import PermissionDenied, ValidationFailed
from suzhou_childcare.permissions import Capability, can
from suzhou_childcare.regions.models import District

from .models import ApiToken, Language, Role, User

ID_NUMBER_PURPOSE = "cn_ric"
_ROLES_WITH_DISTRICT = {Role.DISTRICT_OFFICER}
_ROLES_WITHOUT_DISTRICT = {Role.CITY_ADMIN, Role.STATISTICS_CLIENT}


def _check_role_binding(*, role: str, district: District | None, is_citywide: bool) -> None:
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors["role"] = [_("Unknown role “%(role)s”.") % {"role": role}]
    elif role in _ROLES_WITH_DISTRICT and district is None:
        errors["district"] = [_("A district officer must belong to a county-level unit.")]
    elif role in _ROLES_WITHOUT_DISTRICT and district is not None:
        errors["district"] = [_("This role works city-wide and has no county-level unit.")]
    elif role == Role.INSPECTOR and (district is None) == (not is_citywide):
        errors["district"] = [_("An inspector belongs either to one county-level unit or to the city-wide institute.")]
    if is_citywide and role != Role.INSPECTOR:
        errors["is_citywide"] = [_("Only inspectors can work city-wide.")]
    if errors:
        raise ValidationFailed(fields=errors)


def normalise_id_number(value: str) -> str:
    """A 公民身份号码 checked per GB 11643-1999 (stdnum), upper-case."""
    try:
        return ric.validate(value.strip())
    except Exception as exc:  # stdnum raises several ValidationError subclasses
        raise ValidationFailed(
            fields={"id_number": [_("This is not a valid resident ID number (GB 11643-1999).")]},
            clause="GB 11643-1999",
        ) from exc


@transaction.atomic
def account_create(
    *,
    username: str,
    role: str,
    password: str,
    district: District | None = None,
    is_citywide: bool = False,
    organisation: str = "",
    full_name: str = "",
    email: str = "",
    actor: User | None = None,
) -> User:
    username = username.strip()
    if not username:
        raise ValidationFailed(fields={"username": [_("A username is required.")]})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(fields={"username": [_("This username is already taken.")]}, code="duplicate")
    _check_role_binding(role=role, district=district, is_citywide=is_citywide)
    user = User(
        username=username,
        role=role,
        district=district,
        is_citywide=is_citywide,
        organisation=organisation.strip(),
        first_name=full_name.strip(),
        email=email.strip(),
        # The city admin reads (never edits) domain data in the Django admin.
        is_staff=role == Role.CITY_ADMIN,
        is_superuser=role == Role.CITY_ADMIN,
    )
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields={"password": list(exc.messages)}) from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise ValidationFailed(fields={"username": [_("This username is already taken.")]}, code="duplicate") from exc
    audit_record(actor=actor, action="account.create", target=user, after=audit_snapshot(user))
    return user


@transaction.atomic
def account_set_language(*, user: User, language: str) -> User:
    if language not in Language.values:
        raise ValidationFailed(fields={"language": [_("This language is not offered.")]})
    before = audit_snapshot(user, ["language"])
    user.language = language
    user.save(update_fields=["language"])
    audit_record(actor=user, action="account.set_language", target=user, before=before, after={"language": language})
    return user


@transaction.atomic
def account_change_password(*, user: User, new_password: str) -> User:
    try:
        validate_password(new_password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields={"new_password1": list(exc.messages)}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # Existing REST tokens end with the old password.
    user.api_tokens.all().delete()
    audit_record(actor=user, action="account.change_password", target=user)
    return user


@transaction.atomic
def account_set_id_number(*, actor: User | None, user: User, id_number: str) -> User:
    value = normalise_id_number(id_number)
    before = audit_snapshot(user, ["id_number"])
    user.id_number = value
    user.id_number_index = blind_index(value, purpose=ID_NUMBER_PURPOSE)
    user.save(update_fields=["id_number", "id_number_index"])
    audit_record(
        actor=actor,
        action="account.set_id_number",
        target=user,
        before=before,
        after=audit_snapshot(user, ["id_number"]),
    )
    return user


def accounts_with_id_number(id_number: str):
    """Accounts holding this ID number, found through the keyed hash (the ciphertexts all differ)."""
    return User.objects.filter(id_number_index=blind_index(normalise_id_number(id_number), purpose=ID_NUMBER_PURPOSE))


@transaction.atomic
def personal_data_reveal(*, actor: User, target: User, reason: str) -> str:
    """The full ID number of an account the actor can already see, for a stated reason; audited."""
    if not can(actor, Capability.UNMASK_PERSONAL_DATA):
        raise PermissionDenied(_("Your role may not view full personal data."))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed(fields={"reason": [_("State why you need the full value (at least 4 characters).")]})
    audit_record(actor=actor, action="personal_data.reveal", target=target, after={"field": "id_number"}, reason=reason)
    return target.id_number


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, user: User) -> tuple[ApiToken, str]:
    """A new expiring token; returns the row and the key, which is not stored and cannot be shown again."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=_hash_key(key),
        prefix=key[:8],
        expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS),
    )
    # Expired tokens of this user are of no use to anyone.
    ApiToken.objects.filter(user=user, expires_at__lte=timezone.now()).delete()
    audit_record(actor=user, action="api_token.issue", target=user, after={"prefix": token.prefix})
    return token, key


def api_token_user(key: str) -> tuple[User, ApiToken] | None:
    """The active account behind an unexpired key, or None."""
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash_key(key)).first()
    if token is None or token.expires_at <= timezone.now() or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    """Ends a token at once: the row goes, so the very next request with its key is refused (no cache)."""
    if token.user_id != actor.pk and actor.role != Role.CITY_ADMIN:
        raise PermissionDenied(_("Only the city administrator may revoke another account's token."))
    owner = token.user
    before = {"token_id": token.pk, "prefix": token.prefix, "expires_at": token.expires_at.isoformat()}
    ApiToken.objects.filter(pk=token.pk).delete()
    audit_record(actor=actor, action="api_token.revoke", target=owner, before=before)


# --- second factor (TOTP) ---------------------------------------------------------------------------------------


def _throttle_error(device: TOTPDevice) -> ValidationFailed | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    wait = 1
    if info and info.get("locked_until"):
        wait = max(1, math.ceil((info["locked_until"] - timezone.now()).total_seconds()))
    return ValidationFailed(
        fields={"otp_token": [_("Too many wrong codes. Wait %(seconds)s seconds and try again.") % {"seconds": wait}]},
        code="throttled",
    )


@transaction.atomic
def second_factor_enrol_start(*, user: User) -> TOTPDevice:
    """The device being enrolled: the pending one if there is one, else a new secret (audited)."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if pending is not None:
        return pending
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    audit_record(actor=user, action="second_factor.enrol_start", target=user, after={"device_id": device.pk})
    return device


def second_factor_verify(*, user: User, device: TOTPDevice, code: str) -> bool:
    """Checks a code against the device under a row lock. A wrong code is remembered (the device's back-off
    grows) even though the caller goes on to refuse the request, so this commits before it answers."""
    throttled = _throttle_error(device)
    if throttled is not None:
        raise throttled
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user).first()
        return locked is not None and locked.verify_token(code)


def second_factor_confirm(*, user: User, device: TOTPDevice, code: str) -> TOTPDevice:
    """Confirms the pending device with a code from it; it replaces any earlier device (audited)."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationFailed(fields={"otp_token": [_("Start the enrolment again.")]})
    if not second_factor_verify(user=user, device=device, code=code):
        raise ValidationFailed(
            fields={"otp_token": [_("The code is not correct. Check the time on your phone and try again.")]},
            code="wrong_code",
        )
    with transaction.atomic():
        replaced = list(TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).values_list("pk", flat=True))
        TOTPDevice.objects.filter(pk__in=replaced).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        audit_record(
            actor=user,
            action="second_factor.enrol",
            target=user,
            before={"device_ids": replaced},
            after={"device_id": device.pk},
        )
    return device


@transaction.atomic
def second_factor_reset(*, actor: User, user: User) -> int:
    """The city admin removes an account's second factor (a lost phone); the account enrols again at its next
    login when the second factor is required. Sessions verified with the old device lose that status at once."""
    if actor.role != Role.CITY_ADMIN or not can(actor, Capability.USE_WEB_PORTAL):
        raise PermissionDenied(_("Only the city administrator may reset a second factor."))
    removed = list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True))
    TOTPDevice.objects.filter(pk__in=removed).delete()
    audit_record(actor=actor, action="second_factor.reset", target=user, before={"device_ids": removed})
    return len(removed)
