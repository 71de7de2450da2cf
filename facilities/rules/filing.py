"""Completeness of a filing (备案, 国卫办人口发〔2019〕25号): what blocks a submission.

Only incompleteness or bad format blocks: missing fields or materials, an invalid 统一社会信用代码, expired
mandatory documents. Shortfalls against the standards are warnings (`standards.py`).
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.cn import uscc as uscc_number
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from facilities.models import FacilityForm, MaterialKind, PremisesTenure, RegistrationRoute

from .facts import FacilityFacts, Finding, choice_label

FILING_SOURCE = "国卫办人口发〔2019〕25号"
FILING_CLAUSE = "托育机构登记和备案办法（试行）第八条"
USCC_SOURCE = "GB 32100-2015"

# GB 32100-2015: the first character is the registration authority (登记管理部门码).
USCC_PREFIX_BY_ROUTE = {
    RegistrationRoute.PUBLIC_INSTITUTION: "1",  # 机构编制
    RegistrationRoute.PRIVATE_NON_ENTERPRISE: "5",  # 民政
    RegistrationRoute.ENTERPRISE: "9",  # 工商 / 市场监管
}
REQUIRED_MATERIALS = (
    MaterialKind.BUSINESS_LICENCE,
    MaterialKind.PREMISES_PROOF,
    MaterialKind.STAFF_QUALIFICATIONS,
    MaterialKind.HEALTH_EVALUATION,
    MaterialKind.FIRE_SAFETY,
)
# Same source strings as the models' verbose names, so the catalogue translates them once.
FIELD_LABELS = {
    "name": gettext_lazy("name"),
    "registration_route": gettext_lazy("registration route"),
    "uscc": gettext_lazy("unified social credit code"),
    "district_code": gettext_lazy("county-level unit"),
    "address": gettext_lazy("address"),
    "premises_tenure": gettext_lazy("premises"),
    "lease_end": gettext_lazy("lease end"),
    "full_day_fee": gettext_lazy("full-day monthly fee"),
}


def required_material_kinds(*, meals_served: bool) -> tuple[str, ...]:
    """Materials a filing must carry (25号 第八条); a food licence only where meals are served."""
    kinds = tuple(kind.value for kind in REQUIRED_MATERIALS)
    return (*kinds, MaterialKind.FOOD_LICENCE.value) if meals_served else kinds


def _uscc_check(uscc: str, registration_route: str) -> tuple[str, str] | None:
    if not uscc.strip():
        return "required", _("Required: %(field)s.") % {"field": FIELD_LABELS["uscc"]}
    try:
        compact = uscc_number.validate(uscc)
    except InvalidLength:
        reason = _("it must have 18 characters")
    except InvalidChecksum:
        reason = _("its check character does not match")
    except ValidationError:
        reason = _("it contains characters a code cannot have")
    else:
        expected = USCC_PREFIX_BY_ROUTE.get(registration_route)
        if expected is None or compact.startswith(expected):
            return None
        message = _(
            "The unified social credit code of a %(route)s starts with %(expected)s; %(uscc)s starts with %(actual)s."
        ) % {
            "route": choice_label(RegistrationRoute, registration_route),
            "expected": expected,
            "uscc": compact,
            "actual": compact[0],
        }
        return "uscc_route_mismatch", message
    message = _("The unified social credit code %(uscc)s is not valid: %(reason)s.") % {"uscc": uscc, "reason": reason}
    return "uscc_invalid", message


def uscc_problem(uscc: str, registration_route: str) -> str | None:
    """Why a 统一社会信用代码 cannot be accepted for the route (GB 32100-2015), or None when it is valid."""
    problem = _uscc_check(uscc, registration_route)
    return problem[1] if problem else None


def _blocking(code: str, field: str, message: str, clause: str = FILING_CLAUSE, source: str = FILING_SOURCE) -> Finding:
    return Finding(code, field, message, clause, source, blocking=True)


def _required(field: str) -> Finding:
    return _blocking("required", field, _("Required: %(field)s.") % {"field": FIELD_LABELS[field]})


def completeness_findings(facts: FacilityFacts, *, today: date) -> list[Finding]:
    """What keeps a filing from being submitted: missing fields or materials, bad format, expired documents."""
    findings = [_required(field) for field in ("name", "district_code", "address") if not getattr(facts, field).strip()]
    for field, choices in (("registration_route", RegistrationRoute), ("premises_tenure", PremisesTenure)):
        if not getattr(facts, field):
            findings.append(_required(field))
        elif getattr(facts, field) not in choices.values:
            message = _("%(field)s: %(value)s is not one of the choices.") % {
                "field": FIELD_LABELS[field],
                "value": getattr(facts, field),
            }
            findings.append(_blocking("invalid_choice", field, message))
    if (problem := _uscc_check(facts.uscc, facts.registration_route)) is not None:
        code, message = problem
        findings.append(_blocking(code, "uscc", message, f"{USCC_SOURCE} 统一社会信用代码", USCC_SOURCE))
    if facts.slots <= 0:
        findings.append(_blocking("required", "slots", _("The number of slots (托位) must be greater than zero.")))
    if facts.premises_tenure == PremisesTenure.LEASED:
        if facts.lease_end is None:
            findings.append(_required("lease_end"))
        elif facts.lease_start is not None and facts.lease_end < facts.lease_start:
            findings.append(_blocking("lease_dates", "lease_end", _("The lease ends before it starts.")))
    if facts.form != FacilityForm.FAMILY_POINT:
        if facts.full_day_fee is None:
            findings.append(_required("full_day_fee"))
        if not facts.classes:
            findings.append(_blocking("classes_missing", "classes", _("Enter at least one class.")))
    for kind in required_material_kinds(meals_served=facts.meals_served):
        copies = [material for material in facts.materials if material.kind == kind]
        label = MaterialKind(kind).label
        if not copies:
            message = _("Missing material: %(material)s.") % {"material": label}
            findings.append(_blocking("material_missing", f"materials.{kind}", message))
        elif all(copy.expires_on is not None and copy.expires_on < today for copy in copies):
            latest = max(copy.expires_on for copy in copies)
            message = _("%(material)s expired on %(date)s; upload a valid one.") % {
                "material": label,
                "date": latest.isoformat(),
            }
            findings.append(_blocking("material_expired", f"materials.{kind}", message))
    return findings
