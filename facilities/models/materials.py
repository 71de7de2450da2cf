"""Filing materials (备案材料): uploaded files, stored through Django's storage API, never public."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MaterialKind(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("Business licence or legal-person certificate")
    PREMISES_PROOF = "premises_proof", _("Proof of premises")
    STAFF_QUALIFICATIONS = "staff_qualifications", _("Staff qualifications and health certificates")
    HEALTH_EVALUATION = "health_evaluation", _("Health evaluation report (合格)")
    FIRE_SAFETY = "fire_safety", _("Fire-safety pass")
    FOOD_LICENCE = "food_licence", _("Food business licence")
    OTHER = "other", _("Other material")


def material_path(instance: "Material", filename: str) -> str:
    # A random name: the original file name (which may hold personal data) stays in the row only.
    return f"materials/{instance.facility_id}/{uuid.uuid4().hex}"


class Material(models.Model):
    facility = models.ForeignKey("facilities.Facility", on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(_("kind"), max_length=30, choices=MaterialKind.choices)
    file = models.FileField(_("file"), upload_to=material_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["facility_id", "kind", "-uploaded_at"]
        verbose_name = _("filing material")
        verbose_name_plural = _("filing materials")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"
