"""Suzhou's ten county-level units (县级行政区), their streets and towns, and population by year."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DistrictKind(models.TextChoices):
    DISTRICT = "district", _("District")
    COUNTY_CITY = "county_city", _("County-level city")
    FUNCTIONAL_ZONE = "functional_zone", _("Functional zone")


class District(models.Model):
    """A county-level unit (县级行政区划 or functional zone), identified by its administrative code."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DistrictKind.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("county-level unit")
        verbose_name_plural = _("county-level units")

    def __str__(self) -> str:
        return self.name


class PopulationStatus(models.TextChoices):
    CENSUS = "census", _("Census figure")
    OFFICIAL = "official", _("Statistics bureau figure")
    ESTIMATE = "estimate", _("Estimate")


class DistrictPopulation(models.Model):
    """Resident population (常住人口) of a unit in a year; estimates stay marked as such."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="populations")
    year = models.PositiveSmallIntegerField(_("year"))
    population = models.PositiveIntegerField(_("resident population"))
    status = models.CharField(_("status"), max_length=20, choices=PopulationStatus.choices)
    source = models.CharField(_("source"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["district_id", "-year"]
        verbose_name = _("population")
        verbose_name_plural = _("populations")
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="population_one_per_district_year"),
            models.CheckConstraint(condition=models.Q(population__gt=0), name="population_positive"),
            models.CheckConstraint(
                condition=models.Q(year__gte=1949) & models.Q(year__lte=2100), name="population_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.year}: {self.population}"

    @property
    def is_estimate(self) -> bool:
        return self.status == PopulationStatus.ESTIMATE


class StreetKind(models.TextChoices):
    STREET = "street", _("Street (街道)")
    TOWN = "town", _("Town (镇)")


class Street(models.Model):
    """A street or town (街道/镇), the level below a county-level unit."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="streets")
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=StreetKind.choices, default=StreetKind.STREET)

    class Meta:
        ordering = ["district_id", "name"]
        verbose_name = _("street or town")
        verbose_name_plural = _("streets and towns")
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="street_unique_in_district")]

    def __str__(self) -> str:
        return self.name
