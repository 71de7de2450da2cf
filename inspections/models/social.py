"""Social supervision and self-discipline: complaints, self-inspections by operators, incident reports."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from suzhou_childcare.crypto import EncryptedTextField


class ComplaintChannel(models.TextChoices):
    PUBLIC_FORM = "public_form", _("Public form")
    HOTLINE_12345 = "hotline_12345", _("12345 hotline")
    STAFF_INTAKE = "staff_intake", _("Taken by staff")
    LETTER = "letter", _("Letter or visit")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    TRIAGED = "triaged", _("Triaged")
    INVESTIGATING = "investigating", _("Being investigated")
    REPLIED = "replied", _("Replied")
    CLOSED = "closed", _("Closed")


def tracking_code() -> str:
    return secrets.token_hex(6).upper()


class Complaint(models.Model):
    """A complaint about a facility (social supervision). The complainant's contact is personal data."""

    tracking_code = models.CharField(_("tracking code"), max_length=20, unique=True, default=tracking_code)
    channel = models.CharField(_("channel"), max_length=20, choices=ComplaintChannel.choices)
    hotline_ticket = models.CharField(_("12345 ticket number"), max_length=50, blank=True)
    received_at = models.DateTimeField(_("received at"))
    district = models.ForeignKey("regions.District", verbose_name=_("county-level unit"), on_delete=models.PROTECT)
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    facility_name = models.CharField(_("facility named"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    complainant_name = EncryptedTextField(_("complainant's name"), blank=True, default="")
    complainant_phone = EncryptedTextField(_("complainant's telephone"), blank=True, default="")
    status = models.CharField(_("status"), max_length=20, choices=ComplaintStatus.choices, default="received")
    weight = models.CharField(_("weight"), max_length=10, blank=True)
    inspection = models.ForeignKey(
        "inspections.Inspection", on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    reply = models.TextField(_("reply"), blank=True)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [models.Index(fields=["district", "status"], name="complaint_district_status_idx")]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.subject}"


class SelfInspection(models.Model):
    """自查: the operator fills the same checklist for a period; gaps become their own rectification items."""

    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="self_inspections")
    period = models.DateField(_("period"), help_text=_("First day of the quarter checked."))
    submitted_on = models.DateField(_("submitted on"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-period", "-id"]
        verbose_name = _("self-inspection")
        verbose_name_plural = _("self-inspections")
        constraints = [models.UniqueConstraint(fields=["facility", "period"], name="self_inspection_once_per_period")]

    def __str__(self) -> str:
        return f"{self.facility} {self.period}"


class SelfInspectionItem(models.Model):
    self_inspection = models.ForeignKey(SelfInspection, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=80)
    label = models.CharField(_("item"), max_length=300)
    clause = models.CharField(_("clause"), max_length=300, blank=True)
    result = models.CharField(_("result"), max_length=10)
    note = models.CharField(_("note"), max_length=500, blank=True)
    rectify_by = models.DateField(_("to rectify by"), null=True, blank=True)
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["self_inspection_id", "position"]
        constraints = [models.UniqueConstraint(fields=["self_inspection", "code"], name="self_item_once")]

    def __str__(self) -> str:
        return self.label


class IncidentKind(models.TextChoices):
    INJURY = "injury", _("Injury of an infant")
    INFECTIOUS_CLUSTER = "infectious_cluster", _("Cluster of infectious disease")
    ALARM = "alarm", _("One-click alarm event")
    OTHER_SERIOUS = "other_serious", _("Other serious incident")


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    FOLLOWING_UP = "following_up", _("Being followed up")
    CLOSED = "closed", _("Closed")


class IncidentReportRule(models.Model):
    """Within how many hours an incident of a kind must be reported (the city's defaults, editable)."""

    kind = models.CharField(max_length=20, choices=IncidentKind.choices)
    hours = models.PositiveSmallIntegerField()
    effective_from = models.DateField()
    source = models.CharField(max_length=300)
    is_default = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["kind", "effective_from"], name="incident_rule_one_per_start")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.hours} h"


class Incident(models.Model):
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(_("kind"), max_length=20, choices=IncidentKind.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    reported_at = models.DateTimeField(_("reported at"))
    report_due_at = models.DateTimeField(_("report due by"))
    children_affected = models.PositiveIntegerField(_("infants affected"), default=0)
    description = models.TextField(_("description"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=IncidentStatus.choices, default="reported")
    follow_up = models.TextField(_("follow-up"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return f"{self.facility} {self.get_kind_display()}"

    @property
    def reported_late(self) -> bool:
        return self.reported_at > self.report_due_at
