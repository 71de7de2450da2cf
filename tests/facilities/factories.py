"""Facilities for tests, built through the services (as an operator would file them)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from stdnum.cn import uscc as uscc_std

from facilities import services
from facilities.models import ClassType, MaterialKind, StaffRole
from suzhou_childcare.regions.models import District

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

_serial = iter(range(10_000_000))


def valid_uscc(first: str = "9") -> str:
    """A fresh, valid 统一社会信用代码 whose first character matches the registration route."""
    body = f"{first}1320500{next(_serial):09d}"[:17]
    return body + uscc_std.calc_check_digit(body)


def valid_id_number() -> str:
    from stdnum.cn import ric

    body = f"32050219850101{next(_serial) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def pdf(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


REQUIRED = [
    MaterialKind.BUSINESS_LICENCE,
    MaterialKind.PREMISES_PROOF,
    MaterialKind.STAFF_QUALIFICATIONS,
    MaterialKind.HEALTH_EVALUATION,
    MaterialKind.FIRE_SAFETY,
]


def complete_draft(operator, *, district_code: str = "320508", name: str = "苏州小苗托育中心", skip=(), **overrides):
    """A draft an operator could submit: every required field, a class, staff and every material."""
    today = timezone.localdate()
    data = {
        "name": name,
        "registration_route": "enterprise",
        "uscc": valid_uscc("9"),
        "category": "social",
        "form": "standalone",
        "district": District.objects.get(code=district_code),
        "address": "姑苏区人民路100号",
        "slots": 40,
        "enrolled": 9,
        "premises_tenure": "owned",
        "lowest_floor": 1,
        "highest_floor": 2,
        "observation_room_area": Decimal("8.00"),
        "surveillance_covers_infant_areas": True,
        "surveillance_retention_days": 90,
        "one_click_alarm": True,
        "licensed_guard": True,
        "insurance_mode": "district_group",
        "opened_on": today - timedelta(days=30),
        **overrides,
    }
    facility = services.facility_create(actor=operator, data=data, offerings={"full_day": Decimal("3200.00")})
    services.facility_class_set(
        actor=operator, facility=facility, class_type=ClassType.INFANT, capacity=10, enrolled=9, carers=3
    )
    staff = [
        ("王丽", StaffRole.DIRECTOR, {"education": "college", "years_of_experience": 5}),
        ("李娜", StaffRole.CARER, {}),
        ("张敏", StaffRole.CARER, {}),
        ("刘芳", StaffRole.CARER, {}),
        ("陈静", StaffRole.HEALTH_CARE, {}),
        ("赵强", StaffRole.SECURITY_GUARD, {"guard_licence_number": "苏公保字0001"}),
    ]
    for person_name, role, facts in staff:
        services.staff_add(
            actor=operator,
            facility=facility,
            name=person_name,
            id_number=valid_id_number(),
            role=role,
            employed_from=today - timedelta(days=30),
            health_certificate_expires_on=today + timedelta(days=300),
            no_criminal_record_on_file=True,
            **facts,
        )
    for kind in REQUIRED:
        if kind not in skip:
            services.material_upload(
                actor=operator, facility=facility, kind=kind, upload=pdf(), expires_on=today + timedelta(days=365)
            )
    return facility


def submitted(operator, **kwargs):
    facility = complete_draft(operator, **kwargs)
    return services.facility_submit(actor=operator, facility=facility)
