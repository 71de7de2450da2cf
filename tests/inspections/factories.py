"""Supervision test helpers, built through the services as inspectors and operators would use them.

Generic on purpose (other supervision tests use them too): accounts per unit, a facility with an operator,
an inspection with its checklist, a finding with its order, uploads of each kind.
"""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from inspections.models import Finding, Inspection, InspectionKind, ItemResult
from inspections.services import records
from suzhou_childcare.accounts.models import Role

from ..accounts.factories import UserFactory, district
from ..facilities.factories import PDF, PNG, complete_draft

GUSU = "320508"
WUJIANG = "320509"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00" + b"\x00" * 60


def inspector_of(district_code: str, *, username: str | None = None, **extra):
    """An inspector of a county-level unit (e.g. 320509 吴江区 for a foreign one)."""
    kwargs = {"role": Role.INSPECTOR, "district": district(district_code), **extra}
    if username:
        kwargs["username"] = username
    return UserFactory(**kwargs)


def officer_of(district_code: str, *, username: str | None = None, **extra):
    kwargs = {"role": Role.DISTRICT_OFFICER, "district": district(district_code), **extra}
    if username:
        kwargs["username"] = username
    return UserFactory(**kwargs)


def operator_account(*, username: str | None = None, **extra):
    kwargs = {"role": Role.OPERATOR, **extra}
    if username:
        kwargs["username"] = username
    return UserFactory(**kwargs)


def facility_of(operator, *, district_code: str = GUSU, name: str = "苏州小苗托育中心", **overrides):
    """A complete facility run by `operator` (one infant class, staff, materials), in `district_code`."""
    return complete_draft(operator, district_code=district_code, name=name, **overrides)


def inspection_of(
    facility,
    *,
    actor,
    inspectors=None,
    inspected_on: date | None = None,
    kind: str = InspectionKind.ROUTINE,
    follow_up_of=None,
    plan=None,
) -> Inspection:
    """An inspection in progress, started by `actor`; the inspectors default to `actor` when they inspect."""
    if inspectors is None:
        inspectors = [actor] if actor.role == Role.INSPECTOR else []
    return records.inspection_start(
        actor=actor,
        facility=facility,
        kind=kind,
        inspected_on=inspected_on or date(2025, 9, 30),
        inspectors=inspectors,
        plan=plan,
        follow_up_of=follow_up_of,
    )


def finding_on(
    inspection, *, actor, weight: str = "serious", description: str = "录像仅保存30天", item_code: str = "", **extra
) -> Finding:
    return records.finding_add(
        actor=actor, inspection=inspection, weight=weight, description=description, item_code=item_code, **extra
    )


def check_all(inspection, *, actor, result: str = ItemResult.PASS, **overrides: str) -> None:
    """Answer every item of the checklist (`overrides`: code → result for some)."""
    entries = {item.pk: (overrides.get(item.code, result), "") for item in inspection.items.all()}
    records.checklist_items_set(actor=actor, inspection=inspection, entries=entries)


def completed(inspection, *, actor, **overrides: str) -> Inspection:
    check_all(inspection, actor=actor, **overrides)
    return records.inspection_complete(actor=actor, inspection=inspection)


def upload(kind: str = "pdf", *, name: str | None = None, size: int | None = None) -> SimpleUploadedFile:
    """An upload with real content: pdf, jpeg, png, exe (refused), or `size` bytes of a PDF (for the cap)."""
    content = {"pdf": PDF, "jpeg": JPEG, "png": PNG, "exe": EXE}[kind]
    if size is not None:
        content = (content + b"\x00" * size)[:size]
    types = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png", "exe": "application/pdf"}
    return SimpleUploadedFile(name or f"evidence.{kind}", content, content_type=types[kind])
