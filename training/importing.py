"""A session's roster and results from an Excel workbook: every row or none.

The format is `template_workbook()`: one sheet 培训结果 whose first row holds the Chinese column titles of
`COLUMNS`, one person per row below. Every row goes through `services.records.record_add` (the rules of a
record entered by hand) inside one transaction; any problem rolls every row back and the report names each
problem by row (as Excel numbers it) and column title. Reading the file reuses the facilities import's
helpers (size and format checks, blank cells, dates, codes typed as numbers).
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from facilities.importing import (
    CODE,
    DATE,
    MAX_BYTES,
    XLSX_CONTENT_TYPE,
    Column,
    ImportResult,
    Row,
    RowError,
    _cell,
    _file_error,
    _is_blank,
    _normalise,
    _open,
    _text,
)
from suzhou_childcare.accounts.models import User
from suzhou_childcare.audit.services import audit_record
from suzhou_childcare.errors import ApplicationError

from .models import Session, TrainingResult
from .services import records as services

__all__ = ["COLUMNS", "MAX_BYTES", "XLSX_CONTENT_TYPE", "import_session_results", "template_workbook"]

SHEET = "培训结果"
MAX_ROWS = 2000
NAME, HOURS, RESULT = "name", "hours", "result"
RESULTS = {
    "合格": TrainingResult.PASSED,
    "不合格": TrainingResult.FAILED,
    "passed": TrainingResult.PASSED,
    "failed": TrainingResult.FAILED,
}

COLUMNS: tuple[Column, ...] = (
    Column("姓名", "name", NAME, True, "", width=12),
    Column("身份证号码", "id_number", CODE, True, "", width=22),
    Column("学时", "hours", HOURS, True, "", width=8),
    Column("结果", "result", RESULT, True, "", width=10),
    Column("结业日期", "completed_on", DATE, True, "", width=12),
    Column("证书编号", "certificate_number", NAME, False, "", width=20),
    Column("证书有效期至", "certificate_valid_until", DATE, False, "", width=14),
)
COLUMN_BY_FIELD = {column.field: column for column in COLUMNS}


def template_workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([column.title for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        sheet.column_dimensions[letter].width = column.width
        if column.kind == CODE:
            sheet.column_dimensions[letter].number_format = "@"  # an 18-digit ID number kept as typed
        elif column.kind == DATE:
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        elif column.kind == RESULT:
            validation = DataValidation(type="list", formula1='"合格,不合格"', allow_blank=True)
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _value(column: Column, value: Any) -> Any:
    if column.kind == NAME:
        return _text(value)
    if column.kind == HOURS:
        if isinstance(value, (bool, date)):
            raise ValueError(_("Enter the hours, a number from 0 to %(max)s.") % {"max": services.MAX_HOURS})
        try:
            return Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation:
            raise ValueError(_("Enter the hours, a number from 0 to %(max)s.") % {"max": services.MAX_HOURS}) from None
    if column.kind == RESULT:
        found = RESULTS.get(_normalise(_text(value)))
        if found is None:
            raise ValueError(
                _("“%(value)s” is not one of the allowed values: %(values)s.")
                % {"value": _text(value), "values": "合格、不合格"}
            )
        return found
    return _cell(column, value)


def _header(values: tuple) -> dict[str, int]:
    titles: dict[str, int] = {}
    for index, value in enumerate(values):
        if isinstance(value, str) and value.strip():
            titles.setdefault(value.strip().rstrip("*＊").strip(), index)
    missing = [column.title for column in COLUMNS if column.title not in titles]
    if missing:
        raise _file_error(
            _("The sheet “%(sheet)s” lacks the column(s) %(columns)s. Use the header row of the template.")
            % {"sheet": SHEET, "columns": "、".join(missing)}
        )
    return {column.title: titles[column.title] for column in COLUMNS}


def parse_workbook(data: bytes) -> list[Row]:
    """The non-empty rows of sheet 培训结果 with their typed values and cell problems."""
    book = _open(data)
    try:
        if SHEET not in book.sheetnames:
            raise _file_error(
                _("The workbook has no sheet named “%(sheet)s” (it has: %(found)s). Use the template.")
                % {"sheet": SHEET, "found": "、".join(book.sheetnames)}
            )
        sheet = book[SHEET]
        sheet.reset_dimensions()
        lines = sheet.iter_rows(values_only=True)
        first = next(lines, None)
        if first is None:
            raise _file_error(_("The sheet “%(sheet)s” has no header row.") % {"sheet": SHEET})
        positions = _header(first)
        rows: list[Row] = []
        for number, values in enumerate(lines, start=2):
            if all(_is_blank(value) for value in values):
                continue
            if len(rows) == MAX_ROWS:
                raise _file_error(_("The sheet has more than %(max)d rows.") % {"max": MAX_ROWS})
            row = Row(number)
            for column in COLUMNS:
                index = positions[column.title]
                value = values[index] if index < len(values) else None
                if _is_blank(value):
                    if column.required:
                        row.error(column, _("This field is required."))
                    continue
                try:
                    row.data[column.field] = _value(column, value)
                except ValueError as exc:
                    row.error(column, str(exc))
            rows.append(row)
        return rows
    finally:
        book.close()


def _add(actor: User, session: Session, row: Row) -> list[RowError]:
    try:
        services.record_add(actor=actor, session=session, **row.data)
    except ApplicationError as exc:
        titles = {field: column.title for field, column in COLUMN_BY_FIELD.items()}
        found = [
            RowError(row.number, titles.get(name, ""), message)
            for name, messages in exc.fields.items()
            for message in messages
        ]
        if not exc.fields:
            found.append(RowError(row.number, "", str(exc.message)))
        return found
    return []


@transaction.atomic
def import_session_results(*, actor: User, session: Session, data: bytes) -> ImportResult:
    """Every row of the workbook as the session's records, or none and the report of every problem.

    A file that is not a workbook of this format raises `ValidationFailed` (field "workbook").
    """
    services.require_account_of(actor, session.course.institution)
    rows = parse_workbook(data)
    if not rows:
        raise _file_error(_("The sheet “%(sheet)s” has no rows below its header row.") % {"sheet": SHEET})
    errors: list[RowError] = []
    for row in rows:
        if row.errors:
            errors.extend(row.errors)
        else:
            # A row whose cells are readable goes through the service, so capacity and duplicates are judged
            # against the rows already added; they are all rolled back below if any row failed.
            errors.extend(_add(actor, session, row))
    if errors:
        transaction.set_rollback(True)
        order = {column.title: index for index, column in enumerate(COLUMNS)}
        errors.sort(key=lambda e: (e.row, order.get(e.column, len(order))))
        return ImportResult(rows=len(rows), errors=errors)
    audit_record(actor=actor, action="training.session_import", target=session, after={"created": len(rows)})
    _refresh_compliance_of(session)
    return ImportResult(rows=len(rows), created=len(rows))


def _refresh_compliance_of(session: Session) -> None:
    """The facilities whose staff the session trained see their compliance updated at once."""
    from django.utils import timezone

    from facilities.models import StaffMember

    from .services.compliance import compliance_refresh_all

    people = session.records.values("person")
    facility_ids = StaffMember.objects.filter(person__in=people, employed_to__isnull=True).values("facility")
    compliance_refresh_all(today=timezone.localdate(), facility_ids=facility_ids)
