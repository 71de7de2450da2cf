"""Writes on reference data about regions: only the city admin, each audited."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import PermissionDenied, ValidationFailed
from suzhou_childcare.permissions import Capability, can

from .models import District, DistrictPopulation, PopulationStatus, Street, StreetKind


def _require_editor(actor) -> None:
    if actor is not None and not can(actor, Capability.EDIT_REFERENCE_DATA):
        raise PermissionDenied(_("Only the city health commission edits reference data."))


@transaction.atomic
def district_population_set(
    *, actor, district: District, year: int, population: int, status: str, source: str = ""
) -> DistrictPopulation:
    """Set (or correct) a unit's resident population for a year. `actor=None` is the system (data loads)."""
    _require_editor(actor)
    errors: dict[str, list[str]] = {}
    if not isinstance(year, int) or not 1949 <= year <= 2100:
        errors["year"] = [_("Enter a year between 1949 and 2100.")]
    if not isinstance(population, int) or population <= 0:
        errors["population"] = [_("The population must be a positive whole number.")]
    if status not in PopulationStatus.values:
        errors["status"] = [_("Choose whether the figure is a census figure, an official figure or an estimate.")]
    if errors:
        raise ValidationFailed(fields=errors)
    row = DistrictPopulation.objects.select_for_update().filter(district=district, year=year).first()
    before = audit_snapshot(row) if row else None
    if row is None:
        row = DistrictPopulation(district=district, year=year)
    row.population = population
    row.status = status
    row.source = source.strip()[:500]
    row.save()
    audit_record(actor=actor, action="region.population_set", target=district, before=before, after=audit_snapshot(row))
    return row


@transaction.atomic
def street_add(*, actor, district: District, name: str, kind: str = StreetKind.STREET) -> Street:
    _require_editor(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(fields={"name": [_("Enter the name of the street or town.")]})
    if kind not in StreetKind.values:
        raise ValidationFailed(fields={"kind": [_("Choose street or town.")]})
    if Street.objects.filter(district=district, name=name).exists():
        raise ValidationFailed(fields={"name": [_("This unit already has a street or town of that name.")]})
    street = Street.objects.create(district=district, name=name, kind=kind)
    audit_record(actor=actor, action="region.street_add", target=district, after=audit_snapshot(street))
    return street
