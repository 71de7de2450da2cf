"""The append-only audit trail: one entry per write made through a service, in the same transaction."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit entries cannot be deleted.")


class AuditSealQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit seals cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit seals cannot be deleted.")


class AuditEntry(models.Model):
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept as text too, so the entry reads the same if the account is renamed.
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")


GENESIS_HASH = "0" * 64


class AuditSeal(models.Model):
    """One link of the hash chain over the audit trail (审计日志封存): `hash = sha256(prev_hash + entry content)`.

    The chain runs in seal `position`, which is the order entries were found committed, not their id: an entry
    whose transaction commits after a higher id was sealed is sealed later (see `sealing.audit_seal`).
    Append-only like the entries (a trigger on PostgreSQL, these guards everywhere).
    """

    position = models.PositiveBigIntegerField(_("position"), unique=True)
    entry = models.OneToOneField(
        AuditEntry, verbose_name=_("audit entry"), on_delete=models.PROTECT, related_name="seal"
    )
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)
    sealed_at = models.DateTimeField(_("sealed at"), default=timezone.now)

    objects = AuditSealQuerySet.as_manager()

    class Meta:
        ordering = ["position"]
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")
        constraints = [models.CheckConstraint(condition=models.Q(position__gte=1), name="audit_seal_position_gte_1")]

    def __str__(self) -> str:
        return f"#{self.position} {self.hash[:12]}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Audit seals cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit seals cannot be deleted.")


class AuditVerification(models.Model):
    """The outcome of one `verify_audit` run, for the chain status page."""

    checked_at = models.DateTimeField(_("checked at"), default=timezone.now, db_index=True)
    ok = models.BooleanField(_("chain intact"))
    verified = models.PositiveBigIntegerField(_("entries verified"))
    unsealed = models.PositiveBigIntegerField(_("entries not sealed yet"))
    broken_position = models.PositiveBigIntegerField(_("first broken position"), null=True, blank=True)
    problem = models.CharField(_("problem"), max_length=500, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("audit verification")
        verbose_name_plural = _("audit verifications")

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'broken'}"
