"""Inclusive and model recognitions (普惠 / 示范认定): their criteria as versioned data, fee references,
applications through unit review and city decision, and the recognitions themselves with their history.

A recognition is *in force* on a day when the day lies in its validity period, it was not revoked by then
and no suspension covers the day (`selectors_recognition.in_force_on`). `status` tells the current state
for queues and pages; the dates carry the history that statistics count "as of" a day.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class RecognitionKind(models.TextChoices):
    PROVINCIAL_INCLUSIVE = "provincial_inclusive", _("Provincial inclusive (省级普惠)")
    PROVINCIAL_MODEL = "provincial_model", _("Provincial model (省级示范)")
    MUNICIPAL_INCLUSIVE = "municipal_inclusive", _("Municipal inclusive (市级普惠)")
    MUNICIPAL_MODEL = "municipal_model", _("Municipal model (市级示范)")


INCLUSIVE_KINDS = (RecognitionKind.PROVINCIAL_INCLUSIVE, RecognitionKind.MUNICIPAL_INCLUSIVE)
MODEL_KINDS = (RecognitionKind.PROVINCIAL_MODEL, RecognitionKind.MUNICIPAL_MODEL)
# Certificate number prefixes (ASCII, so that numbers survive every export and QR reader).
KIND_PREFIX = {
    RecognitionKind.PROVINCIAL_INCLUSIVE: "PI",
    RecognitionKind.PROVINCIAL_MODEL: "PM",
    RecognitionKind.MUNICIPAL_INCLUSIVE: "MI",
    RecognitionKind.MUNICIPAL_MODEL: "MM",
}


class CriteriaSetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class CriteriaSet(models.Model):
    """The criteria of one recognition kind for an effective period, with the workflow's periods.

    Drafts are edited freely; an active set is never edited (a new version replaces it from a date), so
    every decision can be re-evaluated against the rules it was taken under.
    """

    kind = models.CharField(_("recognition"), max_length=30, choices=RecognitionKind.choices)
    edition = models.CharField(_("edition"), max_length=100)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CriteriaSetStatus.choices, default=CriteriaSetStatus.DRAFT
    )
    validity_years = models.PositiveSmallIntegerField(_("validity (years)"), default=3)
    unit_review_working_days = models.PositiveSmallIntegerField(_("unit review within (working days)"), default=15)
    city_decision_working_days = models.PositiveSmallIntegerField(_("city decision within (working days)"), default=20)
    expiry_notice_days = models.PositiveSmallIntegerField(_("expiry notice (days ahead)"), default=60)
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
        ordering = ["kind", "-effective_from", "-id"]
        verbose_name = _("recognition criteria set")
        verbose_name_plural = _("recognition criteria sets")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "effective_from"],
                condition=~Q(status="draft"),
                name="criteria_set_one_per_kind_start",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
                name="criteria_set_period_ordered",
            ),
            models.CheckConstraint(condition=Q(validity_years__gte=1), name="criteria_set_validity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.edition}"


class Criterion(models.Model):
    """One criterion of a set: a registered check (`facilities.rules.recognition.CHECKS`) with parameters."""

    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    check_code = models.CharField(_("check"), max_length=50)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    clause = models.CharField(_("clause"), max_length=200)
    source = models.CharField(_("source"), max_length=300)
    is_default = models.BooleanField(_("local default"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["criteria_set_id", "position", "id"]
        verbose_name = _("recognition criterion")
        verbose_name_plural = _("recognition criteria")
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "check_code"], name="criterion_one_check_per_set"),
        ]

    def __str__(self) -> str:
        return f"{self.check_code} {self.params}"


class FeeReference(models.Model):
    """The full-day fee reference (普惠托育服务收费参考标准) for a unit and year, yuan a month."""

    district = models.ForeignKey("regions.District", verbose_name=_("county-level unit"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("year"))
    full_day_monthly_fee = models.DecimalField(
        _("full-day fee reference (yuan a month)"), max_digits=9, decimal_places=2
    )
    source = models.CharField(_("source"), max_length=300)
    is_default = models.BooleanField(_("local default"), default=False)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-year", "district_id"]
        verbose_name = _("fee reference")
        verbose_name_plural = _("fee references")
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="fee_reference_one_per_unit_year"),
            models.CheckConstraint(condition=Q(full_day_monthly_fee__gt=0), name="fee_reference_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.year}: {self.full_day_monthly_fee}"


class ApplicationRoute(models.TextChoices):
    APPLIED = "applied", _("Applied by the operator")
    NOMINATED = "nominated", _("Nominated by the unit")
    RENEWAL = "renewal", _("Renewal")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting unit review")
    FORWARDED = "forwarded", _("Awaiting city decision")
    GRANTED = "granted", _("Granted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_APPLICATION_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.FORWARDED)


class RecognitionApplication(models.Model):
    """An application (or nomination, or renewal) for one recognition, from submission to decision."""

    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="recognition_applications"
    )
    kind = models.CharField(_("recognition"), max_length=30, choices=RecognitionKind.choices)
    route = models.CharField(_("route"), max_length=10, choices=ApplicationRoute.choices)
    renews = models.ForeignKey(
        "facilities.Recognition",
        verbose_name=_("renews"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewal_applications",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.PROTECT, related_name="+")
    # What the applicant declares; the unit checks it against the signed documents.
    agreement_signed_on = models.DateField(_("support agreement signed on"), null=True, blank=True)
    agreement_reference = models.CharField(_("support agreement reference"), max_length=100, blank=True)
    guidance_accepted = models.BooleanField(_("accepts the guidance duties of a model facility"), default=False)
    statement = models.TextField(_("statement"), blank=True)

    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_on = models.DateField(_("submitted on"))
    unit_deadline = models.DateField(_("unit review deadline"), db_index=True)
    unit_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit_reviewed_on = models.DateField(_("unit reviewed on"), null=True, blank=True)
    unit_opinion = models.TextField(_("unit opinion"), blank=True)
    city_deadline = models.DateField(_("city decision deadline"), null=True, blank=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_opinion = models.TextField(_("decision opinion"), blank=True)
    decision_reference = models.CharField(_("decision document"), max_length=100, blank=True)
    # The facts and the criteria check at the last step, so a reader sees what each step saw.
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    evaluation = models.JSONField(_("criteria check"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["unit_deadline", "id"]
        verbose_name = _("recognition application")
        verbose_name_plural = _("recognition applications")
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "kind"],
                condition=Q(status__in=["submitted", "forwarded"]),
                name="recognition_application_one_open",
            ),
            models.CheckConstraint(
                condition=Q(unit_reviewer__isnull=True)
                | Q(decided_by__isnull=True)
                | ~Q(unit_reviewer=F("decided_by")),
                name="recognition_application_reviewer_not_decider",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.kind} {self.status}"


class RecognitionStatus(models.TextChoices):
    ACTIVE = "active", _("In force")
    SUSPENDED = "suspended", _("Suspended")
    RENEWED = "renewed", _("Renewed")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


OPEN_RECOGNITION_STATUSES = (RecognitionStatus.ACTIVE, RecognitionStatus.SUSPENDED)


class Recognition(models.Model):
    """A recognition granted to a facility for a validity period `[valid_from, valid_to)`."""

    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="recognitions")
    kind = models.CharField(_("recognition"), max_length=30, choices=RecognitionKind.choices)
    number = models.CharField(_("certificate number"), max_length=30, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RecognitionStatus.choices, default=RecognitionStatus.ACTIVE
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until (exclusive)"))
    granted_on = models.DateField(_("granted on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reference = models.CharField(_("decision document"), max_length=100, blank=True)
    application = models.OneToOneField(
        RecognitionApplication, on_delete=models.PROTECT, null=True, blank=True, related_name="recognition"
    )
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.PROTECT, related_name="recognitions")
    renewed_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewed_by"
    )
    facts = models.JSONField(_("facts at decision"), default=dict, blank=True)
    evaluation = models.JSONField(_("criteria check at decision"), default=list, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)
    expired_on = models.DateField(_("expired on"), null=True, blank=True)
    expiry_notice_sent_on = models.DateField(_("expiry notice sent on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-valid_from", "number"]
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "kind"],
                condition=Q(status__in=["active", "suspended"]),
                name="recognition_one_open_per_kind",
            ),
            models.CheckConstraint(condition=Q(valid_to__gt=F("valid_from")), name="recognition_period_ordered"),
        ]
        indexes = [models.Index(fields=["kind", "valid_from", "valid_to"], name="recognition_kind_period_idx")]

    def __str__(self) -> str:
        return self.number


class RecognitionSuspension(models.Model):
    """A suspension `[suspended_on, lifted_on)`: a serious penalty suspends at once; the city lifts it."""

    recognition = models.ForeignKey(Recognition, on_delete=models.PROTECT, related_name="suspensions")
    suspended_on = models.DateField(_("suspended on"))
    reason = models.TextField(_("reason"))
    penalty_reference = models.CharField(_("penalty decision"), max_length=100, blank=True)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    lift_reason = models.TextField(_("reason for lifting"), blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["recognition_id", "suspended_on", "id"]
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        constraints = [
            models.UniqueConstraint(
                fields=["recognition"], condition=Q(lifted_on__isnull=True), name="suspension_one_open"
            ),
            models.CheckConstraint(
                condition=Q(lifted_on__isnull=True) | Q(lifted_on__gte=F("suspended_on")),
                name="suspension_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recognition_id} {self.suspended_on}–{self.lifted_on or ''}"


class RecognitionSequence(models.Model):
    """The last certificate number issued per kind and year; locked when a recognition is granted."""

    kind = models.CharField(max_length=30, choices=RecognitionKind.choices)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="recognition_sequence_per_kind_year")]

    def __str__(self) -> str:
        return f"{self.kind}-{self.year}: {self.last_number}"
