"""Inspection records, their checklist and findings, evidence, and the rectification orders they give rise to."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionKind(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    CAMPAIGN = "campaign", _("Campaign")
    COMPLAINT = "complaint", _("Complaint")
    POST_FILING = "post_filing", _("Post-filing verification")
    FOLLOW_UP = "follow_up", _("Follow-up (re-inspection)")


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", _("In progress")
    COMPLETED = "completed", _("Completed")


class Inspection(models.Model):
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="inspections")
    plan = models.ForeignKey(
        "inspections.InspectionPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="inspections"
    )
    kind = models.CharField(_("type"), max_length=20, choices=InspectionKind.choices)
    inspected_on = models.DateField(_("date"))
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("inspectors"), related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=InspectionStatus.choices, default="draft")
    summary = models.TextField(_("summary"), blank=True)
    follow_up_of = models.ForeignKey(
        "inspections.RectificationOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reinspections",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        indexes = [models.Index(fields=["facility", "inspected_on"], name="inspection_facility_date_idx")]

    def __str__(self) -> str:
        return f"{self.facility} {self.inspected_on}"


class ItemResult(models.TextChoices):
    PASS = "pass", _("Conforms")
    FAIL = "fail", _("Does not conform")
    NOT_APPLICABLE = "na", _("Not applicable")
    UNCHECKED = "unchecked", _("Not checked yet")


class ChecklistItem(models.Model):
    """One line of the checklist, generated from the standards in force on the day (clause kept)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=80)
    label = models.CharField(_("item"), max_length=300)
    clause = models.CharField(_("clause"), max_length=300, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=ItemResult.choices, default="unchecked")
    note = models.CharField(_("note"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["inspection_id", "position"]
        constraints = [models.UniqueConstraint(fields=["inspection", "code"], name="checklist_item_once")]

    def __str__(self) -> str:
        return self.label


class Weight(models.TextChoices):
    SERIOUS = "serious", _("Serious")
    MODERATE = "moderate", _("Moderate")
    MINOR = "minor", _("Minor")


class Finding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="findings")
    item_code = models.CharField(max_length=80, blank=True)
    weight = models.CharField(_("weight"), max_length=10, choices=Weight.choices)
    description = models.TextField(_("description"))
    clause = models.CharField(_("clause"), max_length=300, blank=True)
    recorded_on = models.DateField(_("recorded on"))

    class Meta:
        ordering = ["-recorded_on", "-id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.get_weight_display()}: {self.description[:40]}"


def evidence_path(instance: "Evidence", filename: str) -> str:
    return f"evidence/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """A photo or document for a finding or a rectification response (same upload rules as filing)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence")
    order = models.ForeignKey(
        "inspections.RectificationOrder", on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(finding__isnull=False, order__isnull=True)
                | models.Q(finding__isnull=True, order__isnull=False),
                name="evidence_of_one_thing",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class RectificationDeadlineRule(models.Model):
    """Working days to rectify a finding of a weight, from a date (default table: 3 / 10 / 20, editable)."""

    weight = models.CharField(_("weight"), max_length=10, choices=Weight.choices)
    working_days = models.PositiveSmallIntegerField(_("working days"))
    effective_from = models.DateField(_("effective from"))
    source = models.CharField(_("source"), max_length=300)
    is_default = models.BooleanField(_("local default"), default=True)

    class Meta:
        ordering = ["weight", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["weight", "effective_from"], name="deadline_rule_one_per_start"),
            models.CheckConstraint(condition=models.Q(working_days__gte=1), name="deadline_rule_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.weight}: {self.working_days}"


class OrderStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESPONDED = "responded", _("Responded, awaiting re-inspection")
    CLOSED = "closed", _("Closed (rectified)")


class RectificationOrder(models.Model):
    """整改通知: one per finding, with a deadline in working days from the finding's weight."""

    finding = models.OneToOneField(Finding, on_delete=models.PROTECT, related_name="order")
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="rectification_orders")
    issued_on = models.DateField(_("issued on"))
    deadline = models.DateField(_("deadline"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    response = models.TextField(_("operator's response"), blank=True)
    responded_on = models.DateField(_("responded on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_on = models.DateField(_("reminded on"), null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")

    def __str__(self) -> str:
        return f"{self.facility} {self.deadline}"
