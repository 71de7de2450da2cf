"""Monthly enrolment reports (托育机构月度在托情况报告): per class type, enrolled infants and attendance days.

Checked against the filing: every class type reported exists in the facility's classes, enrolled ≤ the
capacity of those classes, the total ≤ the facility's slots, the carers meet the ratio of the setting
standard, attendance days ≤ enrolled × days in the month. A correction is a new revision with its reason;
the earlier one is kept as superseded.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities.models import ClassType, Facility, FacilityClass, FacilityForm
from facilities.selectors import standards_in_force
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from suzhou_childcare.workdays.services import add_working_days

from .. import selectors
from ..facts import month_end
from ..models import EnrolmentReport, EnrolmentReportLine, ReportStatus
from ..rules import parse_terms

RATIO_CLAUSE = "托育机构设置标准（试行）（国卫人口发〔2019〕58号）保育人员与婴幼儿比例"


def report_deadline(*, facility: Facility, period: date) -> date:
    """Working days after the month's end, per the rule set in force for the unit (5 when none)."""
    rule_set = selectors.rule_set_for(district_code=facility.district_id, on=period)
    days = parse_terms(rule_set.terms).report_deadline_working_days if rule_set else 5
    return add_working_days(month_end(period), days).date


def _whole(value, *, field: str, errors: dict, high: int = 100_000) -> int:
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if number is None or not 0 <= number <= high:
        errors[field] = [_("A whole number from 0 to %(high)d.") % {"high": high}]
        return 0
    return number


@transaction.atomic
def report_submit(
    *,
    actor: User,
    facility: Facility,
    period: date,
    lines: list[dict],
    correction_reason: str = "",
    today: date | None = None,
) -> EnrolmentReport:
    """File (or correct) the month's report. `lines`: [{"class_type", "enrolled", "attendance_days", "carers"}]."""
    today = today or timezone.localdate()
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if actor.role == Role.OPERATOR:
        if not facility.operators.filter(pk=actor.pk).exists():
            raise NotFound
    elif actor.role == Role.DISTRICT_OFFICER:
        if facility.district_id != actor.district_id:
            raise NotFound
    elif actor.role != Role.CITY_ADMIN:
        raise PermissionDenied(_("Only the facility's operator files its monthly reports."))
    errors: dict[str, list[str]] = {}
    if not isinstance(period, date) or period.day != 1:
        raise ValidationFailed(fields={"period": [_("Choose a month.")]})
    if period > today.replace(day=1):
        raise ValidationFailed(fields={"period": [_("A month that has not begun cannot be reported.")]})
    if not lines:
        raise ValidationFailed(fields={"lines": [_("Report at least one class type.")]})
    days = calendar.monthrange(period.year, period.month)[1]
    seen: set[str] = set()
    parsed = []
    for index, line in enumerate(lines):
        class_type = str(line.get("class_type", ""))
        prefix = f"lines.{index}"
        if class_type not in ClassType.values:
            errors[f"{prefix}.class_type"] = [_("Choose a class type.")]
            continue
        if class_type in seen:
            errors[f"{prefix}.class_type"] = [_("Each class type once.")]
            continue
        seen.add(class_type)
        enrolled = _whole(line.get("enrolled"), field=f"{prefix}.enrolled", errors=errors)
        attendance = _whole(
            line.get("attendance_days"), field=f"{prefix}.attendance_days", errors=errors, high=3_100_000
        )
        carers = _whole(line.get("carers", 0), field=f"{prefix}.carers", errors=errors)
        if attendance > enrolled * days:
            errors[f"{prefix}.attendance_days"] = [
                _("At most %(max)d child-days (%(enrolled)d infants × %(days)d days).")
                % {"max": enrolled * days, "enrolled": enrolled, "days": days}
            ]
        parsed.append((index, class_type, enrolled, attendance, carers))
    correction_reason = (correction_reason or "").strip()
    current = (
        EnrolmentReport.objects.select_for_update()
        .filter(facility=facility, period=period, status=ReportStatus.CURRENT)
        .first()
    )
    if current is not None and not correction_reason:
        errors["correction_reason"] = [_("The month is already reported: give the reason for the correction.")]
    if errors:
        raise ValidationFailed(fields=errors)
    _check_against_filing(facility, parsed, on=month_end(period))
    revision = (
        EnrolmentReport.objects.filter(facility=facility, period=period).aggregate(n=Max("revision"))["n"] or 0
    ) + 1
    deadline = report_deadline(facility=facility, period=period)
    if current is not None:
        current.status = ReportStatus.SUPERSEDED
        current.save(update_fields=["status"])
    try:
        with transaction.atomic():
            report = EnrolmentReport.objects.create(
                facility=facility,
                period=period,
                revision=revision,
                deadline=deadline,
                submitted_by=actor,
                submitted_at=timezone.now(),
                late=today > deadline,
                correction_reason=correction_reason,
            )
    except IntegrityError as exc:
        raise Conflict(_("The report was changed by someone else a moment ago; reload it."), code="conflict") from exc
    EnrolmentReportLine.objects.bulk_create(
        EnrolmentReportLine(report=report, class_type=t, enrolled=e, attendance_days=a, carers=c)
        for _i, t, e, a, c in parsed
    )
    audit_record(
        actor=actor,
        action="enrolment_report.correct" if current else "enrolment_report.submit",
        target=report,
        after={
            "facility": facility.pk,
            "period": period.isoformat(),
            "revision": revision,
            "lines": [{"class_type": t, "enrolled": e, "attendance_days": a, "carers": c} for _i, t, e, a, c in parsed],
        },
        reason=correction_reason,
    )
    return report


def _check_against_filing(facility: Facility, parsed: list[tuple], *, on: date) -> None:
    capacity: dict[str, int] = defaultdict(int)
    for class_type, total in (
        FacilityClass.objects.filter(facility=facility)
        .values("class_type")
        .annotate(c=Sum("capacity"))
        .values_list("class_type", "c")
    ):
        capacity[class_type] = total or 0
    standards = standards_in_force(on=on)
    fields: dict[str, list[str]] = {}
    clause = ""
    # A family childcare point files no classes: its children are reported as one mixed group, held to the
    # family point's own ratio; the total is checked against its slots below.
    family_point = facility.form == FacilityForm.FAMILY_POINT and not capacity
    for index, class_type, enrolled, _attendance, carers in parsed:
        prefix = f"lines.{index}"
        if family_point:
            ratio = standards.get("family.children_per_carer")
            if ratio and enrolled and carers * int(ratio.value) < enrolled:
                fields[f"{prefix}.carers"] = [
                    _("%(carers)d carer(s) for %(enrolled)d infants: the standard allows %(ratio)s infants per carer.")
                    % {"carers": carers, "enrolled": enrolled, "ratio": ratio.value}
                ]
                clause = clause or ratio.clause
            continue
        if enrolled and class_type not in capacity:
            fields[f"{prefix}.class_type"] = [_("The filing has no class of this type.")]
            clause = clause or "托育机构登记和备案办法（试行）备案信息应与实际一致"
            continue
        if enrolled > capacity[class_type]:
            fields[f"{prefix}.enrolled"] = [
                _("More infants than the %(capacity)d places of the filed classes of this type.")
                % {"capacity": capacity[class_type]}
            ]
            clause = clause or "托育机构登记和备案办法（试行）备案信息应与实际一致"
        ratio = standards.get(f"class.{class_type}.children_per_carer")
        if ratio and enrolled and carers * int(ratio.value) < enrolled:
            fields[f"{prefix}.carers"] = [
                _("%(carers)d carer(s) for %(enrolled)d infants: the standard allows %(ratio)s infants per carer.")
                % {"carers": carers, "enrolled": enrolled, "ratio": ratio.value}
            ]
            clause = clause or ratio.clause or RATIO_CLAUSE
    total = sum(enrolled for _i, _t, enrolled, _a, _c in parsed)
    if total > facility.slots:
        fields["lines"] = [
            _("%(total)d infants reported, more than the %(slots)d filed slots.")
            % {"total": total, "slots": facility.slots}
        ]
        clause = clause or "托育机构登记和备案办法（试行）备案信息应与实际一致"
    if fields:
        raise RuleViolation(
            _("The report does not agree with the filing or the standards: %(count)d problem(s).")
            % {"count": len(fields)},
            code="report_inconsistent",
            fields=fields,
            clause=clause,
        )
