"""Staff training: institutions (training bases, maternal and child health institutions), courses, sessions,
training records and certificates, health-care staff assessments, expiry alerts, talent awards, competitions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class InstitutionKind(models.TextChoices):
    TRAINING_BASE = "training_base", _("Training base (培训基地)")
    MCH = "mch", _("Maternal and child health institution (妇幼保健机构)")


class Institution(models.Model):
    """A training base (the city talent base, one or two per unit) or an MCH institution that assesses."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=InstitutionKind.choices)
    district = models.ForeignKey(
        "regions.District", verbose_name=_("county-level unit"), on_delete=models.PROTECT, null=True, blank=True
    )
    accounts = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="institutions", blank=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name


class CourseTarget(models.TextChoices):
    DIRECTOR = "director", _("Director post training (负责人岗位培训)")
    CARER = "carer", _("Carer training (保育人员培训)")
    HEALTH_CARE = "health_care", _("Health-care staff training (卫生保健人员培训)")
    NURSERY_TEACHER = "nursery_teacher", _("Vocational: nursery teacher (保育师)")
    INFANT_CARER = "infant_carer", _("Vocational: infant carer (育婴员)")


class Course(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="courses")
    title = models.CharField(_("title"), max_length=200)
    target = models.CharField(_("for"), max_length=20, choices=CourseTarget.choices)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    subsidy_eligible = models.BooleanField(_("eligible for the training subsidy"), default=False)
    certificate_valid_months = models.PositiveSmallIntegerField(_("certificate valid (months)"), null=True, blank=True)

    class Meta:
        ordering = ["institution_id", "title"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    capacity = models.PositiveIntegerField(_("capacity"))
    location = models.CharField(_("location"), max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="session_dates")]

    def __str__(self) -> str:
        return f"{self.course} {self.starts_on}"


class TrainingResult(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class TrainingRecord(models.Model):
    """A person's training (by the person registry, whatever facility they work in)."""

    person = models.ForeignKey("facilities.Person", on_delete=models.PROTECT, related_name="training_records")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="records")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, null=True, blank=True, related_name="records")
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    result = models.CharField(_("result"), max_length=10, choices=TrainingResult.choices)
    completed_on = models.DateField(_("completed on"))
    certificate_number = models.CharField(_("certificate number"), max_length=100, blank=True)
    certificate_valid_until = models.DateField(_("certificate valid until"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on", "-id"]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "session"],
                condition=Q(session__isnull=False),
                name="training_record_once_per_session",
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.completed_on}"


class HealthStaffAssessment(models.Model):
    """Assessment of a health-care staff member by an MCH institution (score and pass/fail)."""

    person = models.ForeignKey("facilities.Person", on_delete=models.PROTECT, related_name="health_assessments")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField(_("assessed on"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    passed = models.BooleanField(_("passed"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("health-care staff assessment")
        verbose_name_plural = _("health-care staff assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "institution", "assessed_on"], name="assessment_once_per_person_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessed_on} {self.score}"


class AlertAudience(models.TextChoices):
    FACILITY = "facility", _("Facility")
    DISTRICT = "district", _("County-level unit")


class ExpiryAlert(models.Model):
    """One alert per document, expiry date and audience: a job that runs twice alerts once."""

    kind = models.CharField(max_length=30)  # "certificate", "health_certificate", "health_assessment"
    subject = models.CharField(max_length=60)  # e.g. "training_record:12", "staff:34"
    expires_on = models.DateField()
    audience = models.CharField(max_length=10, choices=AlertAudience.choices)
    facility = models.ForeignKey("facilities.Facility", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject", "expires_on", "audience"], name="expiry_alert_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} {self.expires_on} → {self.audience}"


class AwardRule(models.Model):
    """A talent award of the city: amount and conditions as data (labelled defaults where not published)."""

    code = models.CharField(max_length=50)
    title = models.CharField(_("title"), max_length=200)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    conditions = models.JSONField(_("conditions"), default=dict)
    effective_from = models.DateField()
    source = models.CharField(max_length=300)
    is_default = models.BooleanField(default=True)

    class Meta:
        ordering = ["code", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["code", "effective_from"], name="award_rule_one_per_start")]

    def __str__(self) -> str:
        return self.title


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class AwardApplication(models.Model):
    rule = models.ForeignKey(AwardRule, on_delete=models.PROTECT, related_name="applications")
    person = models.ForeignKey("facilities.Person", on_delete=models.PROTECT, related_name="award_applications")
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=ApplicationStatus.choices, default="submitted")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_on = models.DateField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    reasons = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_on", "-id"]
        constraints = [
            # One open or approved application per person and award: nobody is paid twice.
            models.UniqueConstraint(
                fields=["rule", "person"],
                condition=Q(status__in=["submitted", "approved"]),
                name="award_application_once_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.person_id}"


class Competition(models.Model):
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("held on"))
    district = models.ForeignKey("regions.District", on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return self.title


class CompetitionEntry(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="entries")
    person = models.ForeignKey("facilities.Person", on_delete=models.PROTECT, related_name="competition_entries")
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    award = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["competition_id", "rank", "id"]
        constraints = [models.UniqueConstraint(fields=["competition", "person"], name="competition_entry_once")]

    def __str__(self) -> str:
        return f"{self.competition} {self.person_id}"
