"""Bulk import of existing facilities (存量托育机构) from an Excel workbook, all rows or none.

The format is the workbook `template_workbook()` produces: one sheet 机构 whose first row holds the Chinese
column titles of `COLUMNS`, one facility per row below it, and a sheet 说明 describing each column. Choice
columns take the code or the Chinese label. The column titles are the format's identifiers, hence Chinese
whatever the user's language; messages about the rows go through gettext like the rest of the portal.

Every row goes through `services.facility_create`, the same rules as a facility entered by hand: rows from a
district officer become `known` facilities of their own unit, the city admin's rows may be of any unit.
Cell types (a number in 托位数, a date in 开办日期) are checked here; everything else is the service's
judgement. All rows are checked before anything is kept: one bad row and nothing is imported, and the report
names every problem by row (as Excel numbers it) and column title.

Small workbooks are imported while the user waits; larger ones run as a job (`facilities.tasks`) whose
progress the job page polls, the upload kept in default storage under `imports/<uuid>.xlsx` until it ran.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record
from suzhou_childcare.errors import ApplicationError, PermissionDenied, ValidationFailed
from suzhou_childcare.outbox.models import Job, JobStatus
from suzhou_childcare.outbox.services import enqueue, job_create, job_fail, job_finish, job_progress
from suzhou_childcare.regions.models import District, Street

from . import services
from .models import Category, Facility, FacilityForm, RegistrationRoute, ServiceForm

SHEET = "机构"
HELP_SHEET = "说明"
MAX_ROWS = 5000
# Up to this many rows the page imports while the user waits (well under a few seconds); above, a job.
INLINE_MAX_ROWS = 500
MAX_BYTES = 10 * 1024 * 1024
# A workbook is a zip: refuse one that would unpack to far more than 5,000 rows of text could need.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
PROGRESS_EVERY = 50
# The report kept in a job's result and shown on the page; the total count is always given.
MAX_REPORTED_ERRORS = 1000
JOB_KIND = "facility_import"
UPLOAD_DIR = "imports"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORTERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER})

TEXT, CODE, CHOICE, UNIT, INTEGER, MONEY, DATE, YES_NO = "text", "code", "choice", "unit", "int", "money", "date", "yn"
FULL_DAY_FEE = f"offerings.{ServiceForm.FULL_DAY.value}"


@dataclass(frozen=True)
class Column:
    title: str
    field: str  # the service's field name (its error key); FULL_DAY_FEE for the offering
    kind: str
    required: bool
    help: str
    choices: type | None = None
    width: int = 14


COLUMNS: tuple[Column, ...] = (
    Column("名称", "name", TEXT, True, "机构名称，与登记证照一致。", width=28),
    Column(
        "统一社会信用代码",
        "uscc",
        CODE,
        False,
        "18位，GB 32100-2015；首位须与登记类型相符（事业单位1、民办非企业单位5、企业9）。同一文件内不得重复，"
        "也不得与系统中已有机构重复。请以文本格式填写。",
        width=22,
    ),
    Column("登记类型", "registration_route", CHOICE, False, "填写代码或中文名称。", RegistrationRoute, width=16),
    Column("机构类别", "category", CHOICE, True, "填写代码或中文名称。", Category, width=16),
    Column("机构形式", "form", CHOICE, False, "填写代码或中文名称；留空为“独立设置”。", FacilityForm, width=18),
    Column(
        "县级行政区代码",
        "district",
        UNIT,
        True,
        "6位行政区划代码（也可填写名称）。县级卫生健康部门只能导入本辖区的机构。",
        width=14,
    ),
    Column("街道/镇", "street", TEXT, False, "所在县级行政区内已登记的街道或镇的名称；留空表示未填写。"),
    Column("地址", "address", TEXT, False, "详细地址。", width=30),
    Column("托位数", "slots", INTEGER, False, "0或正整数；留空按0计。", width=10),
    Column("在托人数", "enrolled", INTEGER, False, "0或正整数；留空按0计。", width=10),
    Column("全日托月收费", FULL_DAY_FEE, MONEY, False, "元/月，最多两位小数，如2800.00；留空表示未填写。"),
    Column("开办日期", "opened_on", DATE, False, "日期，如2021-09-01（也可写作2021/9/1或2021年9月1日）。"),
    Column("提供膳食", "meals_served", YES_NO, False, "是/否；留空为否。", width=10),
)
COLUMN_BY_FIELD = {column.field: column for column in COLUMNS}
YES_NO_VALUES = {"是": True, "否": False, "true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}
# 2021-09-01, 2021/9/1, 2021.9.1, 2021年9月1日, 20210901
# What the columns hold (PositiveIntegerField; DecimalField(max_digits=9, decimal_places=2)): larger values
# would fail in the database instead of being reported.
MAX_INTEGER = 2_147_483_647
MAX_FEE = Decimal("9999999.99")
DATE_PATTERN = re.compile(r"(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*[-/.月]?\s*(\d{1,2})\s*日?")


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel numbers it: the header is row 1
    column: str  # the Chinese column title; empty when the problem is the row's as a whole
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Row:
    """One facility as read from the sheet: the service's `data` and `offerings`, and the cell problems."""

    number: int
    data: dict[str, Any] = field(default_factory=dict)
    offerings: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: Column | None, message: str) -> None:
        self.errors.append(RowError(self.number, column.title if column else "", message))


@dataclass
class ImportResult:
    rows: int
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        """JSON for a job's result: the count, or the report (the first MAX_REPORTED_ERRORS problems)."""
        return {
            "rows": self.rows,
            "created": self.created,
            "error_count": len(self.errors),
            "errors": [error.as_dict() for error in self.errors[:MAX_REPORTED_ERRORS]],
        }


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="workbook_invalid", fields={"workbook": [message]})


def _normalise(value: str) -> str:
    """Full-width and half-width forms alike (（） and ()), case and spaces ignored."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).casefold()


def _zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def choice_labels(choices: type) -> list[str]:
    """The Chinese labels of a TextChoices, as the template's drop-down lists offer them."""
    return [_zh(label) for label in choices.labels]


@functools.cache
def _choice_lookup(choices: type) -> dict[str, str]:
    """Normalised code, Chinese label, English label and the Chinese term it quotes → the code."""
    lookup: dict[str, str] = {}
    for value, label in zip(choices.values, choices.labels, strict=True):
        with translation.override("en"):
            english = str(label)  # e.g. "Enterprise (企业)"
        for name in (value, _zh(label), english, *re.findall(r"[(（]([^()（）]+)[)）]", english)):
            lookup.setdefault(_normalise(name), value)
    return lookup


# --- the template -------------------------------------------------------------------------------------------


def _allowed_values(column: Column) -> str:
    if column.kind == CHOICE:
        return "；".join(
            f"{_zh(label)}（{value}）"
            for value, label in zip(column.choices.values, column.choices.labels, strict=True)
        )
    if column.kind == UNIT:
        return "；".join(f"{d.code} {d.name}" for d in District.objects.order_by("code"))
    if column.kind == YES_NO:
        return "是；否"
    return ""


def _list_validation(values: list[str], column_letter: str, title: str) -> DataValidation:
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(values) + '"',
        allow_blank=True,
        # A warning, not a stop: the codes (e.g. "social") are accepted too.
        errorStyle="warning",
        showErrorMessage=True,
        errorTitle=title,
        error="请从下拉列表中选择，或填写代码。",
    )
    validation.add(f"{column_letter}2:{column_letter}{MAX_ROWS + 1}")
    return validation


def template_workbook() -> bytes:
    """The import template: the header row of sheet 机构, drop-down lists, and sheet 说明 on every column."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([column.title for column in COLUMNS])
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = header_fill
        sheet.column_dimensions[letter].width = column.width
        rows = f"{letter}2:{letter}{MAX_ROWS + 1}"
        if column.kind in (CODE, UNIT):
            # Text, so Excel keeps an 18-digit code or a leading zero as typed.
            sheet.column_dimensions[letter].number_format = "@"
        elif column.kind == DATE:
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        if column.kind == CHOICE:
            sheet.add_data_validation(_list_validation(choice_labels(column.choices), letter, column.title))
        elif column.kind == UNIT:
            codes = list(District.objects.order_by("code").values_list("code", flat=True))
            sheet.add_data_validation(_list_validation(codes, letter, column.title))
        elif column.kind == YES_NO:
            sheet.add_data_validation(_list_validation(["是", "否"], letter, column.title))
        elif column.kind in (INTEGER, MONEY):
            validation = DataValidation(
                type="whole" if column.kind == INTEGER else "decimal",
                operator="greaterThanOrEqual",
                formula1="0",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=column.title,
                error="请填写0或正数。" if column.kind == MONEY else "请填写0或正整数。",
            )
            validation.add(rows)
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"

    notes = book.create_sheet(HELP_SHEET)
    notes.append(["托育机构批量导入模板"])
    notes["A1"].font = Font(bold=True, size=14)
    for line in (
        f"在“{SHEET}”工作表第2行起每行填写一个机构，不要修改第1行的列标题；空行会被忽略，每次最多{MAX_ROWS}行。",
        "红色标题为必填列。导入时逐行检查，只要有一行有问题，全部不导入，并列出每个问题所在的行号和列。",
        "县级卫生健康部门导入的机构为本辖区“已知未备案”机构；市卫健委可导入任一县级行政区的机构。",
    ):
        notes.append([line])
    notes.append([])
    notes.append(["列", "必填", "说明", "可填写的值"])
    header_row = notes.max_row
    for cell in notes[header_row]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
    for column in COLUMNS:
        notes.append([column.title, "是" if column.required else "否", column.help, _allowed_values(column)])
    for letter, width in zip("ABCD", (16, 6, 60, 70), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- reading a workbook -------------------------------------------------------------------------------------


def _open(data: bytes):
    if not data:
        raise _file_error(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise _file_error(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _file_error(
            _(
                "This is an old-format Excel file (.xls) or a password-protected workbook. "
                "Save it as an unprotected .xlsx workbook and upload again."
            )
        )
    not_xlsx = _file_error(_("The file is not an Excel workbook (.xlsx). Download the template and fill it in."))
    if not data.startswith(b"PK"):
        raise not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise _file_error(_("The workbook is too large to import."))
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ValidationFailed:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError, EOFError) as exc:
        raise not_xlsx from exc


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header(values: tuple) -> dict[str, int]:
    titles = {}
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
    """The non-empty rows of sheet 机构, each with its typed values and its cell problems.

    A file that is not a workbook of this format (not an xlsx, no sheet 机构, missing columns, too many rows)
    raises `ValidationFailed` with a message under the field "workbook".
    """
    book = _open(data)
    try:
        if SHEET not in book.sheetnames:
            raise _file_error(
                _("The workbook has no sheet named “%(sheet)s” (it has: %(found)s). Use the template.")
                % {"sheet": SHEET, "found": "、".join(book.sheetnames)}
            )
        sheet = book[SHEET]
        # Some writers record a wrong sheet size; read what is there.
        sheet.reset_dimensions()
        lines: Iterator[tuple] = sheet.iter_rows(values_only=True)
        first = next(lines, None)
        if first is None:
            raise _file_error(_("The sheet “%(sheet)s” is empty: it has no header row.") % {"sheet": SHEET})
        positions = _header(first)
        parsed: list[Row] = []
        for number, values in enumerate(lines, start=2):
            if all(_is_blank(value) for value in values):
                continue
            if len(parsed) == MAX_ROWS:
                raise _file_error(
                    _("The sheet has more than %(max)d facilities; split it into several workbooks.")
                    % {"max": MAX_ROWS}
                )
            parsed.append(_row(number, values, positions))
        return parsed
    finally:
        book.close()


def _row(number: int, values: tuple, positions: dict[str, int]) -> Row:
    row = Row(number)
    for column in COLUMNS:
        index = positions[column.title]
        value = values[index] if index < len(values) else None
        if _is_blank(value):
            continue
        try:
            parsed = _cell(column, value)
        except ValueError as exc:
            row.error(column, str(exc))
            continue
        if column.field == FULL_DAY_FEE:
            row.offerings[ServiceForm.FULL_DAY.value] = parsed
        else:
            row.data[column.field] = parsed
    return row


def _text(value: Any) -> str:
    if isinstance(value, (bool, datetime, date)):
        raise ValueError(_("Enter text."))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _whole_number(value: Any) -> int:
    if isinstance(value, (bool, datetime, date)) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(_("Enter a whole number, 0 or more."))
    if isinstance(value, (int, float)):
        return int(value)
    text = _normalise(str(value))
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError(_("Enter a whole number, 0 or more."))
    return int(text)


def _cell(column: Column, value: Any) -> Any:
    """The cell's value in the type the service takes; ValueError carries the message for the report."""
    kind = column.kind
    if kind == TEXT:
        text = _text(value)
        limit = Facility._meta.get_field(column.field).max_length
        if limit and len(text) > limit:
            raise ValueError(
                _("Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).")
                % {"limit_value": limit, "show_value": len(text)}
            )
        return text
    if kind == CODE:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # Excel keeps 15 significant digits: an 18-digit code typed into a number cell has lost its end.
            raise ValueError(_("The code was stored as a number and may have lost digits; format the cell as text."))
        return _text(value).upper()
    if kind in (CHOICE, YES_NO):
        if kind == YES_NO and isinstance(value, bool):
            return value
        text = _text(value)
        lookup = _choice_lookup(column.choices) if kind == CHOICE else YES_NO_VALUES
        found = lookup.get(_normalise(text))
        if found is None:
            allowed = "、".join(choice_labels(column.choices) if kind == CHOICE else ["是", "否"])
            raise ValueError(
                _("“%(value)s” is not one of the allowed values: %(values)s.") % {"value": text, "values": allowed}
            )
        return found
    if kind == UNIT:
        return _text(value)
    if kind == INTEGER:
        number = _whole_number(value)
        if number > MAX_INTEGER:
            raise ValueError(
                _("Ensure this value is less than or equal to %(limit_value)s.") % {"limit_value": MAX_INTEGER}
            )
        return number
    if kind == MONEY:
        if isinstance(value, (bool, datetime, date)):
            raise ValueError(_("Enter the monthly fee in yuan, e.g. 2800.00."))
        text = repr(value) if isinstance(value, float) else _normalise(str(value)).replace(",", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("Enter the monthly fee in yuan, e.g. 2800.00.")) from None
        if not amount.is_finite():
            raise ValueError(_("Enter the monthly fee in yuan, e.g. 2800.00."))
        if amount > MAX_FEE:
            raise ValueError(
                _("Ensure this value is less than or equal to %(limit_value)s.") % {"limit_value": MAX_FEE}
            )
        return amount
    if kind == DATE:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            match = DATE_PATTERN.fullmatch(unicodedata.normalize("NFKC", value).strip())
            if match:
                try:
                    return date(*(int(part) for part in match.groups()))
                except ValueError:
                    pass
        raise ValueError(_("Enter a valid date, e.g. 2021-09-01."))
    raise AssertionError(kind)


# --- importing ----------------------------------------------------------------------------------------------


def _require_importer(actor: User) -> None:
    if not (actor and actor.is_authenticated and actor.is_active and actor.role in IMPORTERS):
        raise PermissionDenied(_("Only the health commission and county-level health departments import facilities."))


def _resolve_places(rows: list[Row]) -> None:
    """District code (or name) → the unit; street name → the street of that unit. Two queries in all.

    An unknown unit is left as typed so the service reports it, as it would for a form.
    """
    units = {d.code: d for d in District.objects.all()}
    by_name = {_normalise(d.name): d for d in units.values()}
    streets = {(s.district_id, s.name): s for s in Street.objects.all()}
    street_column = COLUMN_BY_FIELD["street"]
    for row in rows:
        raw = row.data.get("district")
        unit = None
        if isinstance(raw, str):
            unit = units.get(raw) or by_name.get(_normalise(raw))
            if unit is not None:
                row.data["district"] = unit
        name = row.data.pop("street", None)
        if name and unit is not None:
            street = streets.get((unit.code, name))
            if street is None:
                row.error(
                    street_column,
                    _("%(street)s is not a street or town of %(unit)s recorded in the portal.")
                    % {"street": name, "unit": unit.name},
                )
            else:
                row.data["street"] = street


def _mark_duplicates(rows: list[Row]) -> None:
    column = COLUMN_BY_FIELD["uscc"]
    first_row: dict[str, int] = {}
    for row in rows:
        code = row.data.get("uscc")
        if not code:
            continue
        if code in first_row:
            row.error(column, _("The same credit code is already in row %(row)d.") % {"row": first_row[code]})
        else:
            first_row[code] = row.number


def _column_title(field_name: str) -> str:
    column = COLUMN_BY_FIELD.get(field_name)
    return column.title if column else ""


def _create(actor: User, row: Row) -> list[RowError]:
    """Create the row's facility through the service (in its own savepoint); its problems if refused."""
    try:
        services.facility_create(actor=actor, data=dict(row.data), offerings=dict(row.offerings) or None)
    except ApplicationError as exc:
        # A column already reported as unreadable is not reported again for the value left out of it.
        unreadable = {error.column for error in row.errors}
        found = [
            RowError(row.number, _column_title(name), message)
            for name, messages in exc.fields.items()
            for message in messages
            if _column_title(name) not in unreadable or not _column_title(name)
        ]
        if not exc.fields:
            message = str(exc.message) + (f"（{exc.clause}）" if exc.clause else "")
            found.append(RowError(row.number, "", message))
        return found
    return []


def _ordered(errors: Iterable[RowError]) -> list[RowError]:
    order = {column.title: index for index, column in enumerate(COLUMNS)}
    return sorted(errors, key=lambda e: (e.row, order.get(e.column, len(order))))


def _check(actor: User, rows: list[Row], *, job_id) -> list[RowError]:
    """Every row through the service, in batches that are rolled back, reporting progress between them.

    Progress is committed between batches, so the job page sees it; the rows themselves are only kept by
    `_write`. Rows of one file cannot clash with each other: `_mark_duplicates` already compared them.
    """
    errors: list[RowError] = []
    for start in range(0, len(rows), PROGRESS_EVERY):
        with transaction.atomic():
            for row in rows[start : start + PROGRESS_EVERY]:
                errors.extend(row.errors)
                errors.extend(_create(actor, row))
            transaction.set_rollback(True)
        done = min(start + PROGRESS_EVERY, len(rows))
        job_progress(
            job_id=job_id,
            done=done,
            total=len(rows),
            message=_("Checked %(done)d of %(total)d rows; %(errors)d problem(s) so far.")
            % {"done": done, "total": len(rows), "errors": len(errors)},
        )
    return errors


def _write(actor: User, rows: list[Row]) -> tuple[int, list[RowError]]:
    """All rows in one transaction; any problem rolls every row back."""
    errors: list[RowError] = []
    with transaction.atomic():
        for row in rows:
            errors.extend(row.errors)
            errors.extend(_create(actor, row))
        if errors:
            transaction.set_rollback(True)
            return 0, errors
        audit_record(actor=actor, action="facility.import", target=actor, after={"created": len(rows)})
    return len(rows), errors


def _import_rows(*, actor: User, rows: list[Row], job_id=None) -> ImportResult:
    _require_importer(actor)
    if not rows:
        raise _file_error(_("The sheet “%(sheet)s” has no facilities below its header row.") % {"sheet": SHEET})
    _resolve_places(rows)
    _mark_duplicates(rows)
    if job_id is not None:
        job_progress(job_id=job_id, done=0, total=len(rows), message=_("Checking the rows…"))
        errors = _check(actor, rows, job_id=job_id)
        if errors:
            return ImportResult(rows=len(rows), errors=_ordered(errors))
        job_progress(
            job_id=job_id, done=len(rows), total=len(rows), message=_("Every row is valid; saving the facilities…")
        )
    created, errors = _write(actor, rows)
    return ImportResult(rows=len(rows), created=created, errors=_ordered(errors))


def import_facilities(*, actor: User, data: bytes, job_id=None) -> ImportResult:
    """Import the workbook's facilities: all of them, or none and the report of every problem.

    File-level problems raise `ValidationFailed` (field "workbook"); row problems come back in the result.
    With `job_id`, the rows are checked first in batches, reporting progress to that job, then written.
    """
    _require_importer(actor)
    return _import_rows(actor=actor, rows=parse_workbook(data), job_id=job_id)


# --- the job path -------------------------------------------------------------------------------------------


def _created_message(result: ImportResult) -> str:
    return _("%(n)d facilities imported.") % {"n": result.created}


def upload_path(upload_id: str) -> str:
    return f"{UPLOAD_DIR}/{uuid.UUID(str(upload_id))}.xlsx"


def import_or_queue(*, actor: User, data: bytes) -> ImportResult | Job:
    """Start an import; a finished or queued job to show, or the refusal of a small workbook.

    Up to INLINE_MAX_ROWS rows are imported at once and recorded as a finished job (so the result is a page
    the browser can reload without importing again); a refused import comes back as its report. A larger
    workbook is stored and queued; the job's page follows it.
    """
    _require_importer(actor)
    rows = parse_workbook(data)
    if len(rows) <= INLINE_MAX_ROWS:
        with transaction.atomic():
            result = _import_rows(actor=actor, rows=rows)
            if not result.ok:
                return result
            job = job_create(kind=JOB_KIND, title=_("Import facilities from a workbook"), owner=actor, total=len(rows))
            job_finish(job_id=job.id, result=result.as_dict(), message=_created_message(result))
        job.refresh_from_db()
        return job
    upload_id = uuid.uuid4()
    stored = default_storage.save(upload_path(str(upload_id)), ContentFile(data))
    try:
        with transaction.atomic():
            job = job_create(kind=JOB_KIND, title=_("Import facilities from a workbook"), owner=actor, total=len(rows))
            from .tasks import import_facilities_task

            enqueue(import_facilities_task, job_id=str(job.id), upload_id=str(upload_id))
    except BaseException:
        default_storage.delete(stored)
        raise
    return job


def import_job_run(*, job_id: str, upload_id: str) -> dict[str, Any] | None:
    """The task's body: import the stored upload as the job's owner, put the outcome in the job, delete the file.

    Idempotent: a job already finished (a second delivery) is left as it is.
    """
    path = upload_path(upload_id)
    job = Job.objects.select_related("owner").filter(id=job_id, kind=JOB_KIND).first()
    if job is None or job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        default_storage.delete(path)
        return None
    owner = job.owner
    language = getattr(owner, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            if not default_storage.exists(path):
                job_fail(job_id=job_id, message=_("The uploaded workbook is no longer available; upload it again."))
                return None
            with default_storage.open(path, "rb") as handle:
                data = handle.read()
            try:
                result = import_facilities(actor=owner, data=data, job_id=job_id)
            except ApplicationError as exc:
                job_fail(job_id=job_id, message=str(exc.message))
                return None
            except Exception:
                job_fail(job_id=job_id, message=_("The import stopped on an unexpected error; nothing was imported."))
                raise
        finally:
            default_storage.delete(path)
        report = result.as_dict()
        if result.ok:
            job_finish(job_id=job_id, result=report, message=_created_message(result))
        else:
            # The report stays in the result; the job shows as failed, since nothing was imported.
            job_finish(job_id=job_id, result=report)
            job_fail(
                job_id=job_id,
                message=_("Nothing was imported: %(n)d problem(s) found in the workbook.") % {"n": len(result.errors)},
            )
        return report
