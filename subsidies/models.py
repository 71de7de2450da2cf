"""Operating subsidies per slot and one-time awards (托位运营补助, 一次性奖补).

Rule sets are versioned per unit (or city-wide) and effective period; their terms are validated by
`subsidies.rules.parse_terms`. Operators file monthly enrolment reports per class (a correction is a new
revision). The calculation turns a facility's month into a statement of lines, each naming its rule; the unit
gathers statements into a payment batch that another person approves and that is locked once paid. A paid
statement is never changed: a later difference is an adjustment statement in a later batch.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")


class PaymentPeriod(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class RuleSet(models.Model):
    """A subsidy policy version for a unit (or for every unit without its own, when `district` is empty)."""

    district = models.ForeignKey(
        "regions.District", verbose_name=_("county-level unit"), on_delete=models.PROTECT, null=True, blank=True
    )
    edition = models.CharField(_("edition"), max_length=100)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT)
    payment_period = models.CharField(
        _("payment period"), max_length=10, choices=PaymentPeriod.choices, default=PaymentPeriod.MONTHLY
    )
    # Roles that approve a batch, in order, each a different person from the preparer and the earlier steps.
    approval_chain = models.JSONField(_("approval chain"), default=list)
    terms = models.JSONField(_("terms"))
    source = models.CharField(_("source"), max_length=300)
    is_default = models.BooleanField(_("local default"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)

    class Meta:
        ordering = ["district_id", "-effective_from", "-id"]
        verbose_name = _("subsidy rule set")
        verbose_name_plural = _("subsidy rule sets")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "effective_from"],
                condition=Q(status="active") & Q(district__isnull=False),
                name="subsidy_rules_one_per_unit_start",
            ),
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=Q(status="active") & Q(district__isnull=True),
                name="subsidy_rules_one_citywide_per_start",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
                name="subsidy_rules_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district_id or 'city'} {self.edition}"


class ReportStatus(models.TextChoices):
    CURRENT = "current", _("Current")
    SUPERSEDED = "superseded", _("Superseded by a correction")


class EnrolmentReport(models.Model):
    """A facility's monthly enrolment report (`period` is the month's first day); corrections are revisions."""

    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="enrolment_reports")
    period = models.DateField(_("month"))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.CURRENT)
    deadline = models.DateField(_("deadline"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"))
    late = models.BooleanField(_("late"), default=False)
    correction_reason = models.TextField(_("reason for the correction"), blank=True)

    class Meta:
        ordering = ["facility_id", "-period", "-revision"]
        verbose_name = _("monthly enrolment report")
        verbose_name_plural = _("monthly enrolment reports")
        constraints = [
            models.UniqueConstraint(fields=["facility", "period", "revision"], name="report_revision_unique"),
            models.UniqueConstraint(
                fields=["facility", "period"], condition=Q(status="current"), name="report_one_current"
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="report_period_first_day"),
        ]
        indexes = [models.Index(fields=["period", "status"], name="report_period_status_idx")]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.period:%Y-%m} r{self.revision}"


class EnrolmentReportLine(models.Model):
    """Enrolled infants and attendance days of one class type in the month."""

    report = models.ForeignKey(EnrolmentReport, on_delete=models.CASCADE, related_name="lines")
    class_type = models.CharField(_("class type"), max_length=10)
    enrolled = models.PositiveIntegerField(_("enrolled infants"))
    attendance_days = models.PositiveIntegerField(_("attendance days (child-days)"))
    carers = models.PositiveIntegerField(_("carers"), default=0)

    class Meta:
        ordering = ["report_id", "class_type"]
        constraints = [models.UniqueConstraint(fields=["report", "class_type"], name="report_line_one_per_type")]

    def __str__(self) -> str:
        return f"{self.class_type}: {self.enrolled}"


class StatementKind(models.TextChoices):
    REGULAR = "regular", _("Monthly subsidy")
    ADJUSTMENT = "adjustment", _("Adjustment")
    AWARD = "award", _("One-time award")


class Statement(models.Model):
    """The calculated subsidy of a facility for a month: lines in `StatementLine`, total in yuan."""

    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="subsidy_statements")
    period = models.DateField(_("month"))
    kind = models.CharField(_("kind"), max_length=10, choices=StatementKind.choices, default=StatementKind.REGULAR)
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="statements")
    report = models.ForeignKey(EnrolmentReport, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    adjusts = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="adjustments")
    batch = models.ForeignKey(
        "subsidies.PaymentBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="statements"
    )
    eligible = models.BooleanField(_("eligible"))
    reason_code = models.CharField(_("reason code"), max_length=50, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    total = models.DecimalField(_("total (yuan)"), max_digits=14, decimal_places=2)
    inputs = models.JSONField(_("inputs"), default=dict)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    calculated_at = models.DateTimeField(_("calculated at"))

    class Meta:
        ordering = ["-period", "facility_id", "id"]
        verbose_name = _("subsidy statement")
        verbose_name_plural = _("subsidy statements")
        constraints = [
            # One monthly statement per facility and month; differences found after payment are adjustments.
            models.UniqueConstraint(
                fields=["facility", "period"], condition=Q(kind="regular"), name="statement_one_regular_per_month"
            ),
            # At most one adjustment waiting for a batch per facility and month.
            models.UniqueConstraint(
                fields=["facility", "period"],
                condition=Q(kind="adjustment") & Q(batch__isnull=True),
                name="statement_one_pending_adjustment",
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="statement_period_first_day"),
        ]
        indexes = [models.Index(fields=["period", "batch"], name="statement_period_batch_idx")]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.period:%Y-%m} {self.kind} {self.total}"


class StatementLine(models.Model):
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(_("code"), max_length=50)
    rule = models.CharField(_("rule"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, null=True, blank=True)
    rate = models.DecimalField(_("rate"), max_digits=12, decimal_places=4, null=True, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    inputs = models.JSONField(_("inputs"), default=dict)

    class Meta:
        ordering = ["statement_id", "position"]
        constraints = [models.UniqueConstraint(fields=["statement", "position"], name="statement_line_position")]

    def __str__(self) -> str:
        return f"{self.code} {self.amount}"


class AwardGrant(models.Model):
    """A one-time award given to a facility, or to one of its slots (per-slot awards): at most once each."""

    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="award_grants")
    award_code = models.CharField(_("award"), max_length=50)
    slot_number = models.PositiveIntegerField(_("slot number"), null=True, blank=True)
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="award_grants")
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("one-time award")
        verbose_name_plural = _("one-time awards")
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "award_code"], condition=Q(slot_number__isnull=True), name="award_once_per_facility"
            ),
            models.UniqueConstraint(
                fields=["facility", "award_code", "slot_number"],
                condition=Q(slot_number__isnull=False),
                name="award_once_per_slot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.award_code} {self.slot_number or ''}"


class BatchStatus(models.TextChoices):
    PREPARED = "prepared", _("Prepared, awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid (locked)")


class PaymentBatch(models.Model):
    """The statements of a unit for a payment period, prepared by one person and approved along the chain."""

    district = models.ForeignKey("regions.District", verbose_name=_("county-level unit"), on_delete=models.PROTECT)
    period_start = models.DateField(_("first month"))
    period_end = models.DateField(_("last month"))
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.PREPARED)
    approval_chain = models.JSONField(_("approval chain"), default=list)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(_("prepared at"))
    total = models.DecimalField(_("total (yuan)"), max_digits=16, decimal_places=2, default=0)
    statement_count = models.PositiveIntegerField(_("statements"), default=0)
    sample_seed = models.BigIntegerField(_("sample seed"))
    sample_size = models.PositiveIntegerField(_("sample size"), default=0)
    sample = models.JSONField(_("second-review sample"), default=list)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)

    class Meta:
        ordering = ["-period_start", "district_id", "-id"]
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "period_start", "period_end"],
                condition=~Q(status="rejected"),
                name="batch_one_per_unit_period",
            ),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="batch_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.period_start:%Y-%m}–{self.period_end:%Y-%m}"


class BatchApproval(models.Model):
    batch = models.ForeignKey(PaymentBatch, on_delete=models.CASCADE, related_name="approvals")
    step = models.PositiveSmallIntegerField(_("step"))
    role = models.CharField(_("role"), max_length=30)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved = models.BooleanField(_("approved"))
    opinion = models.TextField(_("opinion"), blank=True)
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        ordering = ["batch_id", "step"]
        constraints = [models.UniqueConstraint(fields=["batch", "step"], name="batch_approval_one_per_step")]

    def __str__(self) -> str:
        return f"{self.batch_id} step {self.step}"
