"""The staff roster, and the person registry behind it (one row per human, found by a keyed hash)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from suzhou_childcare.crypto import EncryptedTextField


class Person(models.Model):
    """A person known to the portal. The ID number is encrypted; `id_number_index` finds and de-duplicates.

    Later apps attach facts to the person, not to one job (training records, bans from childcare).
    """

    name = models.CharField(_("name"), max_length=100)
    id_number = EncryptedTextField(_("ID number"))
    id_number_index = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # A person who abused infants is banned from childcare for life (人口与计划生育法 2021, Art. 41).
    banned_on = models.DateField(_("banned from childcare on"), null=True, blank=True)
    ban_reference = models.CharField(_("ban decision"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.name


class StaffRole(models.TextChoices):
    DIRECTOR = "director", _("Director (负责人)")
    CARER = "carer", _("Carer (保育人员)")
    HEALTH_CARE = "health_care", _("Health-care staff (卫生保健人员)")
    SECURITY_GUARD = "security_guard", _("Security guard (保安)")
    OTHER = "other", _("Other")


class Education(models.TextChoices):
    BELOW_COLLEGE = "below_college", _("Below college")
    COLLEGE = "college", _("College (大专)")
    BACHELOR = "bachelor", _("Bachelor or above")


class StaffMember(models.Model):
    """A person's employment in one facility, with the facts the standards check."""

    facility = models.ForeignKey("facilities.Facility", on_delete=models.CASCADE, related_name="staff")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="employments")
    # The name as this facility entered it (the registry's name is never shown across facilities).
    name = models.CharField(_("name"), max_length=100, default="")
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)
    full_time = models.BooleanField(_("full-time"), default=True)
    qualification = models.CharField(_("qualification"), max_length=200, blank=True)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    years_of_experience = models.PositiveSmallIntegerField(_("years of relevant experience"), null=True, blank=True)
    post_training_done = models.BooleanField(_("post training completed"), default=False)
    health_certificate_expires_on = models.DateField(_("health certificate expiry"), null=True, blank=True)
    no_criminal_record_on_file = models.BooleanField(_("no-criminal-record proof on file"), default=False)
    guard_licence_number = models.CharField(_("security guard licence (保安员证)"), max_length=50, blank=True)
    employed_from = models.DateField(_("employed from"))
    employed_to = models.DateField(_("employed until"), null=True, blank=True)

    class Meta:
        ordering = ["facility_id", "role", "id"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        constraints = [
            models.CheckConstraint(
                condition=Q(employed_to__isnull=True) | Q(employed_to__gte=F("employed_from")),
                name="staff_employment_ordered",
            ),
            # One open employment per person and facility: nobody counts twice towards the staffing rules.
            models.UniqueConstraint(
                fields=["facility", "person"], condition=Q(employed_to__isnull=True), name="staff_one_open_employment"
            ),
        ]
        indexes = [models.Index(fields=["employed_from", "employed_to"], name="staff_employment_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"
