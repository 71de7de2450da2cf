"""Writing notices: `notify` at each step of a workflow, marking them read, and sending their e-mail.

Notices carry no audit entry: each is derived from an action that its own service has already audited
(the filing submitted, recorded, returned), and reading one changes nothing but the reader's inbox.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from suzhou_childcare.errors import NotFound, ValidationFailed
from suzhou_childcare.outbox.services import enqueue

from .models import Notice
from .tasks import send_notice_email

if TYPE_CHECKING:
    from suzhou_childcare.accounts.models import User

logger = logging.getLogger(__name__)

KIND_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
TITLE_MAX = Notice._meta.get_field("title").max_length
KIND_MAX = Notice._meta.get_field("kind").max_length
LINK_MAX = Notice._meta.get_field("link").max_length
DEFAULT_PORTAL_BASE_URL = "http://127.0.0.1:8000"


def email_enabled() -> bool:
    return bool(getattr(settings, "NOTICE_EMAIL_ENABLED", False))


def is_portal_path(link: str) -> bool:
    """A path inside the portal: starts with one slash and names no other host or scheme (`/\\evil`, too)."""
    return link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None)


def _clean_title(title) -> str:
    # One line (it is also the e-mail subject, where a line break is refused), cut to the column.
    text = " ".join(str(title).split())
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


@transaction.atomic
def notify(*, recipients: Iterable[User], kind: str, title: str, body: str, link: str = "") -> list[Notice]:
    """Tell each active recipient (once, however often listed) about a step of a workflow.

    Called by the workflow's own service, inside its transaction: the notices exist if and only if the
    step does. `title` and `body` are stored as written, so the caller passes them already translated
    (lazy strings are evaluated now, in the active language). `link` is a path inside the portal
    (`reverse(...)`), shown as a link on the notice and in its e-mail.
    With `NOTICE_EMAIL_ENABLED`, each notice whose recipient has an address is also e-mailed after commit.
    """
    errors: dict[str, list[str]] = {}
    kind = str(kind)
    if not (KIND_RE.match(kind) and len(kind) <= KIND_MAX):
        errors["kind"] = [_("The kind of a notice is a short code such as filing.submitted.")]
    clean_title = _clean_title(title)
    if not clean_title:
        errors["title"] = [_("A notice needs a title.")]
    link = str(link or "").strip()
    if link and (len(link) > LINK_MAX or not is_portal_path(link)):
        errors["link"] = [_("The link of a notice must be a path inside the portal.")]
    if errors:
        raise ValidationFailed(fields=errors)

    unique: dict[int, User] = {}
    for user in recipients:
        if user.is_active and user.pk not in unique:
            unique[user.pk] = user
    if not unique:
        return []

    now = timezone.now()
    notices = Notice.objects.bulk_create(
        [
            Notice(recipient=user, kind=kind, title=clean_title, body=str(body), link=link, created_at=now)
            for user in unique.values()
        ]
    )
    if email_enabled():
        for notice in notices:
            if notice.recipient.email:
                enqueue(send_notice_email, notice_id=notice.pk)
    return notices


@transaction.atomic
def notice_mark_read(*, user: User, notice: Notice) -> Notice:
    """Mark the user's own notice read; reading it again keeps the time it was first read."""
    if notice.recipient_id != user.pk:
        raise NotFound
    if notice.read_at is None:
        now = timezone.now()
        # Conditional: two tabs opening the same notice both end with the first reading time.
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=now)
        notice.refresh_from_db(fields=["read_at"])
    return notice


@transaction.atomic
def notice_mark_all_read(*, user: User) -> int:
    """Mark every unread notice of the user read (one UPDATE). Returns how many were unread."""
    return Notice.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def absolute_link(link: str) -> str:
    base = getattr(settings, "PORTAL_BASE_URL", DEFAULT_PORTAL_BASE_URL) or DEFAULT_PORTAL_BASE_URL
    return base.rstrip("/") + link


def notice_email_send(*, notice_id: int) -> bool:
    """Send a notice's e-mail once. Returns whether this call sent it. Run by `send_notice_email`.

    Claim first, then send, and give the claim back if sending fails:
    - the claim is one conditional UPDATE (`emailed_at` from NULL to now), committed before the mail
      leaves, so two deliveries of the task (at-least-once), or two tasks for the same notice, send once;
    - an error from the mail server (refused, timed out) resets `emailed_at` and re-raises, so the task's
      bounded retries send it later;
    - only a worker killed between the claim and the end of the SMTP exchange loses the mail, and the
      notice itself is still waiting, unread, in the portal. Sending first and marking after would
      instead mail twice on every such crash and on every concurrent delivery.
    Deliberately not one transaction: the claim must be visible to other workers while the mail is sent.
    """
    notice = Notice.objects.select_related("recipient").filter(pk=notice_id).first()
    if notice is None or notice.emailed_at is not None:
        return False
    recipient = notice.recipient
    # Re-checked at sending time: the address may be gone, the account closed, e-mail switched off.
    if not (email_enabled() and recipient.is_active and recipient.email):
        return False
    claimed_at = timezone.now()
    if not Notice.objects.filter(pk=notice.pk, emailed_at__isnull=True).update(emailed_at=claimed_at):
        return False
    text = notice.body
    if notice.link:
        text = f"{text}\n\n{absolute_link(notice.link)}" if text else absolute_link(notice.link)
    try:
        send_mail(notice.title, text, None, [recipient.email])
    except Exception:
        Notice.objects.filter(pk=notice.pk, emailed_at=claimed_at).update(emailed_at=None)
        logger.warning("E-mail of notice %s not sent; it will be retried.", notice.pk)
        raise
    return True
