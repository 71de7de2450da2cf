"""Records on both sides of a retention boundary, built through the apps' services where a user would make
them, then dated into the past (the services stamp today's date)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from facilities import services as facility_services
from facilities.models import Facility, Person, StaffMember, StaffRole
from inspections.models import Complaint, ComplaintStatus, Incident
from inspections.services.complaints import complaint_intake
from suzhou_childcare.regions.models import District

from ..facilities.factories import complete_draft, valid_id_number

TODAY = date(2026, 6, 15)
_tickets = iter(range(100000, 999999))
GUSU = "320508"


def closed_facility(operator, *, name: str, closed_on: date | None) -> Facility:
    """A facility (roster of six, every filing material), closed on `closed_on` (open when None)."""
    facility = complete_draft(operator, name=name)
    opened = date(2015, 1, 1)
    Facility.objects.filter(pk=facility.pk).update(opened_on=opened, closed_on=closed_on)
    StaffMember.objects.filter(facility=facility).update(employed_from=opened)
    facility.refresh_from_db()
    return facility


def staff(operator, facility: Facility, *, name: str, id_number: str | None = None, **facts) -> StaffMember:
    return facility_services.staff_add(
        actor=operator,
        facility=facility,
        name=name,
        id_number=id_number or valid_id_number(),
        role=facts.pop("role", StaffRole.CARER),
        employed_from=date(2015, 1, 1),
        **facts,
    )


def person_of(member: StaffMember) -> Person:
    return Person.objects.get(pk=member.person_id)


def complaint(officer, *, name: str, phone: str, closed_on: date | None, description: str = "") -> Complaint:
    made = complaint_intake(
        actor=officer,
        channel="hotline_12345",
        hotline_ticket=f"T-{next(_tickets)}",
        district=District.objects.get(code=GUSU),
        subject="午睡室无人看护",
        description=description or f"投诉人{name}，电话{phone}：午睡室无人看护。",
        facility_name="某托育机构",
        complainant_name=name,
        complainant_phone=phone,
    )
    if closed_on is not None:
        Complaint.objects.filter(pk=made.pk).update(
            status=ComplaintStatus.CLOSED, closed_on=closed_on, reply=f"{name}您好，已核查并整改。"
        )
    made.refresh_from_db()
    return made


def incident(facility: Facility, reporter, *, on: date, description: str) -> Incident:
    occurred = timezone.make_aware(datetime.combine(on, time(9, 30)))
    return Incident.objects.create(
        facility=facility,
        kind="injury",
        occurred_at=occurred,
        reported_at=occurred + timedelta(hours=1),
        report_due_at=occurred + timedelta(hours=2),
        children_affected=1,
        description=description,
        follow_up="家长已知情，医院复查正常。",
        reported_by=reporter,
    )
