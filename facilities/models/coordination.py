"""Coordination cases (一事一议): a facility held up by premises, fire-safety or planning approvals.

The unit's health department opens a case, names the departments involved, records each step taken with
them and closes the case with its outcome. Written only through `facilities.services.coordination`;
every write is audited on the facility.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .facility import Facility

# Offered in the forms; a case may name any other department too.
COMMON_DEPARTMENTS = (
    "住建局",
    "消防救援大队",
    "自然资源和规划局",
    "市场监管局",
    "民政局",
    "教育局",
    "街道办事处",
)


class CaseTopic(models.TextChoices):
    PREMISES = "premises", _("Premises (场地)")
    FIRE_SAFETY = "fire_safety", _("Fire safety (消防)")
    PLANNING = "planning", _("Planning (规划)")
    OTHER = "other", _("Other (其他)")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open (办理中)")
    RESOLVED = "resolved", _("Resolved (已解决)")
    CLOSED_UNRESOLVED = "closed_unresolved", _("Closed unresolved (未解决结案)")


class CoordinationCase(models.Model):
    """一事一议: one facility's blocked approval, coordinated across departments until it is closed."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="coordination_cases"
    )
    topic = models.CharField(_("topic"), max_length=20, choices=CaseTopic.choices)
    summary = models.TextField(_("summary"))
    departments = models.JSONField(_("departments involved"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN, db_index=True
    )
    outcome = models.TextField(_("outcome"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("coordination case")
        verbose_name_plural = _("coordination cases")
        constraints = [
            # Open cases have no closing data; closed ones have a closing time and an outcome.
            models.CheckConstraint(
                condition=(Q(status="open") & Q(closed_at__isnull=True))
                | (Q(status__in=["resolved", "closed_unresolved"]) & Q(closed_at__isnull=False) & ~Q(outcome="")),
                name="coordination_case_closed_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility} · {self.get_topic_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN


class CaseStep(models.Model):
    """One step taken in a case: on which day, by or with which department, what was done."""

    case = models.ForeignKey(
        CoordinationCase, verbose_name=_("coordination case"), on_delete=models.PROTECT, related_name="steps"
    )
    happened_on = models.DateField(_("date"))
    department = models.CharField(_("department"), max_length=100)
    action = models.TextField(_("action taken"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["case_id", "happened_on", "recorded_at", "id"]
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")

    def __str__(self) -> str:
        return f"{self.happened_on} {self.department}"
