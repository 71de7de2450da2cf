"""Pages: staff compliance per unit (city) and per facility (a unit, an operator), and persons on several rosters."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from facilities.models import StaffRole
from suzhou_childcare.errors import NotFound
from suzhou_childcare.permissions import sees_whole_city
from suzhou_childcare.regions.models import District

from ..selectors.compliance import (
    COMPLIANCE_ROLES,
    SUPERVISING_ROLES,
    compliance_by_facility_for,
    compliance_by_unit,
    multi_roster_persons_for,
)

REQUIREMENT_LABELS = {
    "director_on_roster": _("No director on the roster"),
    "director_training": _("Director post training (≥ 60 hours) missing"),
    "health_care_assessment": _("No valid health-care assessment by an MCH institution"),
    "carer_training": _("No carer or vocational training"),
    "health_certificate": _("Health certificate missing or expired"),
    "no_criminal_record": _("No-criminal-record proof not on file"),
}


def labelled_gaps(gaps: list[dict]) -> list[dict]:
    roles = dict(StaffRole.choices)
    return [
        {
            **gap,
            "role_label": roles.get(gap.get("role"), gap.get("role")),
            "requirement_label": REQUIREMENT_LABELS.get(gap.get("requirement"), gap.get("requirement")),
        }
        for gap in gaps or []
    ]


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    """The city sees each unit (and a unit's facilities when it picks one); a unit or operator its facilities."""
    user = request.user
    if user.role not in COMPLIANCE_ROLES:
        raise NotFound
    district_code = request.GET.get("district") or None
    district = None
    if district_code:
        district = District.objects.filter(pk=district_code).first()
        if district is None:
            raise NotFound
    units = compliance_by_unit(user=user) if sees_whole_city(user) and not district else None
    page = None
    if units is None:
        paginator = Paginator(compliance_by_facility_for(user=user, district=district_code), 50)
        page = paginator.get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)  # evaluated once, so the gaps attached below stay
        for facility in page.object_list:
            facility.gap_rows = labelled_gaps(facility.training_gaps)
    return render(
        request,
        "training/compliance_overview.html",
        {"units": units, "page": page, "district": district},
    )


@login_required
def multi_roster(request: HttpRequest) -> HttpResponse:
    """The same person (by the registry's keyed hash) on the current rosters of several facilities."""
    if request.user.role not in SUPERVISING_ROLES:
        raise NotFound
    return render(
        request, "training/compliance_multi_roster.html", {"persons": multi_roster_persons_for(user=request.user)}
    )
