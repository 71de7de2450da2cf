"""Accounts: one role each, and for territorial roles the county-level unit they answer for."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from suzhou_childcare.crypto import EncryptedTextField


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("City health commission (市卫健委)")
    DISTRICT_OFFICER = "district_officer", _("County-level health department (县级卫生健康部门)")
    INSPECTOR = "inspector", _("Health inspector (卫生监督员)")
    OPERATOR = "operator", _("Facility operator (托育机构)")
    TRAINING_BASE = "training_base", _("Training institution (培训基地)")
    MCH_ASSESSOR = "mch_assessor", _("Maternal and child health institution (妇幼保健机构)")
    STATISTICS_CLIENT = "statistics_client", _("Statistics client (统计接口)")


class Language(models.TextChoices):
    CHINESE = "zh-hans", "简体中文"
    ENGLISH = "en", "English"


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    district = models.ForeignKey(
        "regions.District",
        verbose_name=_("county-level unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
    )
    is_citywide = models.BooleanField(
        _("city-wide"),
        default=False,
        help_text=_("An inspector of the city health supervision institute, who works in every unit."),
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.CHINESE)
    # 公民身份号码 for real-name accounts: ciphertext, plus a keyed hash to find duplicates.
    id_number = EncryptedTextField(_("ID number"), blank=True, default="")
    id_number_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)

    REQUIRED_FIELDS = ["role"]

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                name="district_officer_has_district",
                condition=~Q(role="district_officer") | Q(district__isnull=False),
            ),
            models.CheckConstraint(
                name="inspector_has_district_or_citywide",
                condition=~Q(role="inspector")
                | (Q(district__isnull=False) & Q(is_citywide=False))
                | (Q(district__isnull=True) & Q(is_citywide=True)),
            ),
            models.CheckConstraint(
                name="only_inspectors_citywide",
                condition=Q(role="inspector") | Q(is_citywide=False),
            ),
            models.CheckConstraint(
                name="city_roles_have_no_district",
                condition=~Q(role__in=["city_admin", "statistics_client"]) | Q(district__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def audit_label(self) -> str:
        """How the audit trail names an account: its username, never the person's name."""
        return self.username


class ApiToken(models.Model):
    """An expiring REST token. Only the SHA-256 of the key is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text=_("First characters of the key, to tell tokens apart."))
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
