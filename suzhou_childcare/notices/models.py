"""Notices (站内通知): what a user is told at each step of a workflow, in the portal and optionally by e-mail."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    """One message to one user. Title and body are stored as the caller wrote them (already translated).

    A notice is derived from an audited action (the filing submitted, recorded, returned), so it carries no
    audit entry of its own; it is deleted with its recipient, whose inbox it is.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=50, help_text=_("A stable code such as filing.submitted."))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(
        _("link"), max_length=300, blank=True, help_text=_("A path inside the portal, such as /facilities/12/.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [
            # The unread count on every page (recipient, read_at IS NULL) and the inbox, newest first.
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notice_inbox_idx"),
        ]
        constraints = [
            # The page redirects to the link: never to another site (`//host/...` is another site too).
            models.CheckConstraint(
                condition=Q(link="") | (Q(link__startswith="/") & ~Q(link__startswith="//")),
                name="notice_link_inside_portal",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
