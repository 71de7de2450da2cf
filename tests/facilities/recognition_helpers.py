"""Shared set-up for recognition tests: a filed facility that meets the inclusive criteria, and the workflow."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from facilities import services

from .factories import submitted


def filed_facility(operator, officer, **kwargs):
    """A facility in 姑苏区 filed by `officer`, full-day fee ¥3,200 (within the unit's reference)."""
    facility = submitted(operator, **kwargs)
    return services.facility_record(actor=officer, facility=facility)


def apply_inclusive(operator, facility, *, kind: str = "municipal_inclusive", **kwargs):
    today = timezone.localdate()
    return services.recognition_apply(
        actor=operator,
        facility=facility,
        kind=kind,
        agreement_signed_on=today - timedelta(days=3),
        agreement_reference="姑卫普惠〔2026〕1号",
        **kwargs,
    )


def granted(operator, officer, city_admin, facility, *, kind: str = "municipal_inclusive"):
    """Apply, review and decide: the recognition granted."""
    application = apply_inclusive(operator, facility, kind=kind)
    application = services.recognition_unit_review(actor=officer, application=application, approve=True)
    application = services.recognition_decide(
        actor=city_admin, application=application, grant=True, decision_reference="苏卫人口〔2026〕8号"
    )
    return application.recognition
