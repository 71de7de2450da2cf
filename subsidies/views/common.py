"""What the subsidy pages (and the API's labels) share: who may open which page, line labels, the Excel rows."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from facilities.models import ClassType, RecognitionKind
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import NotFound

from ..forms import format_period
from ..models import BatchStatus, PaymentBatch
from ..services.batches import batch_next_step

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

READERS = (Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.OPERATOR)  # reports and statements (scoped)
STAFF = (Role.CITY_ADMIN, Role.DISTRICT_OFFICER)  # totals, batches, the calculation


def require_role(user, roles) -> None:
    """Pages of other roles do not exist for them (404, like anything out of scope)."""
    if user.role not in roles:
        raise NotFound


def role_label(role: str) -> str:
    return Role(role).label if role in Role.values else role


def decision_state(user, batch: PaymentBatch, approvals: list) -> dict:
    """The next step of a prepared batch, and whether this user may take it (and if not, why).

    The same checks `batch_decide` makes, for showing the form or the reason; the service decides.
    """
    if batch.status != BatchStatus.PREPARED:
        return {"next_role": None, "next_role_code": None, "may_decide": False, "why_not": ""}
    step, role, refusal = batch_next_step(actor=user, batch=batch, approvals=approvals)
    why_not = refusal[1] if refusal else ""
    return {
        "next_step": step + 1,
        "next_role": role_label(role),
        "next_role_code": str(role),
        "may_decide": not why_not,
        "why_not": why_not,
    }


AWARD_LABELS = {
    "large_enrolment": gettext_lazy("One-time award: 150 or more infants enrolled (the 1+N model included)"),
    "brand_chain": gettext_lazy("One-time award: brand chain"),
    "construction_slot": gettext_lazy("Construction subsidy per new slot"),
    "inclusive_new_slot": gettext_lazy("New inclusive slot (national special action)"),
}


def line_label(code: str) -> str:
    """A statement line's code in words: "class_supplement.infant" → "Class supplement: Infant class …"."""
    head, _sep, tail = code.partition(".")
    if code == "base":
        return _("Base rate")
    if code == "adjustment":
        return _("Adjustment of a paid statement")
    if head == "class_supplement":
        return _("Class supplement: %(type)s") % {"type": dict(ClassType.choices).get(tail, tail)}
    if head == "recognition_supplement":
        return _("Recognition supplement: %(kind)s") % {"kind": dict(RecognitionKind.choices).get(tail, tail)}
    if code == "deduction.serious_violation":
        return _("Deduction: open serious violation in the month")
    if code == "deduction.penalties":
        return _("Deduction: decided penalties")
    if code == "cap.per_facility_month":
        return _("Cap per facility and month")
    if code == "cap.per_slot_month":
        return _("Cap per slot and month")
    if head == "award":
        return str(AWARD_LABELS[tail]) if tail in AWARD_LABELS else _("One-time award: %(code)s") % {"code": tail}
    return code


def cell(value):
    """Text that a spreadsheet would run as a formula (=, +, -, @) is written as plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def lines_text(statement) -> str:
    """The statement's lines joined in one cell (lines prefetched)."""
    parts = []
    for line in statement.lines.all():
        figures = f" {line.quantity.normalize():f} × {line.rate.normalize():f}" if line.quantity and line.rate else ""
        parts.append(f"{line_label(line.code)}{figures} = {line.amount}")
    if not statement.eligible:
        parts.append(statement.reason)
    return "; ".join(parts)


def statements_workbook(statements, *, title: str, filename: str) -> HttpResponse:
    """One row per statement: facility, unit, month, kind, eligible, total, batch, the lines joined."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(
        [
            _("Statement number"),
            _("Facility"),
            _("County-level unit"),
            _("Month"),
            _("Kind"),
            _("Eligible"),
            _("Total (yuan)"),
            _("Batch"),
            _("Lines"),
        ]
    )
    for statement in statements.iterator(chunk_size=500):
        sheet.append(
            [
                cell(value)
                for value in (
                    statement.pk,
                    statement.facility.name,
                    statement.facility.district.name,
                    format_period(statement.period),
                    statement.get_kind_display(),
                    _("Yes") if statement.eligible else _("No"),
                    statement.total,
                    statement.batch_id or "",
                    lines_text(statement),
                )
            ]
        )
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    ascii_name = filename.encode("ascii", "ignore").decode() or "statements.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return response


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
