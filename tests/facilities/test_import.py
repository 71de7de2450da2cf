"""Bulk import of existing facilities from the Excel template: all rows or none, every problem by row and column."""

from __future__ import annotations

import io
import time
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from facilities import importing
from facilities.models import Facility, FilingStatus, ServiceOffering
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import PermissionDenied, ValidationFailed
from suzhou_childcare.outbox.models import Job, JobStatus, OutboxMessage
from suzhou_childcare.regions.models import Street

from .factories import valid_uscc

URL = "/facilities/import/"
TEMPLATE_URL = "/facilities/import/template.xlsx"
TITLES = [column.title for column in importing.COLUMNS]


def facility_row(n: int = 0, **overrides) -> dict:
    """One valid row of the sheet 机构, keyed by column title (Chinese labels, as the drop-downs offer)."""
    row = {
        "名称": f"导入托育中心{n}",
        "统一社会信用代码": valid_uscc("9"),
        "登记类型": "企业",
        "机构类别": "社会办托育机构",
        "机构形式": "独立设置",
        "县级行政区代码": "320508",
        "街道/镇": None,
        "地址": f"姑苏区人民路{n}号",
        "托位数": 40,
        "在托人数": 12,
        "全日托月收费": 3200,
        "开办日期": date(2021, 9, 1),
        "提供膳食": "是",
    }
    row.update(overrides)
    return row


def workbook(rows: list[dict], *, template: bytes | None = None) -> bytes:
    """The template (downloaded, or built) with `rows` filled in below the header, as a user would."""
    book = load_workbook(io.BytesIO(template or importing.template_workbook()))
    sheet = book[importing.SHEET]
    for values in rows:
        sheet.append([values.get(title) for title in TITLES])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(web, data: bytes, name: str = "机构.xlsx", *, follow: bool = True):
    """Post the workbook; an import that went through is followed to its result page."""
    file = SimpleUploadedFile(name, data, content_type=importing.XLSX_CONTENT_TYPE)
    return web.post(URL, {"workbook": file}, follow=follow)


def errors_of(response) -> list[tuple[int, str]]:
    return [(e["row"], e["column"]) for e in response.context["report"]["errors"]]


@pytest.fixture
def pingjiang(db):
    return Street.objects.create(district_id="320508", name="平江街道")


# --- the template, round trip -------------------------------------------------------------------------------


def test_the_template_downloads_fills_in_and_imports(gusu_officer, web_client_for, pingjiang):
    web = web_client_for(gusu_officer)
    response = web.get(TEMPLATE_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == importing.XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('托育机构批量导入模板.xlsx')}" in disposition
    template = response.content
    book = load_workbook(io.BytesIO(template))
    assert book.sheetnames == ["机构", "说明"]
    assert [cell.value for cell in book["机构"][1]] == TITLES
    assert book["机构"].max_row == 1  # no sample rows that would be imported by mistake
    help_text = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert all(title in help_text for title in TITLES)
    assert "社会办托育机构（social）" in help_text and "320508 姑苏区" in help_text
    lists = {dv.formula1 for dv in book["机构"].data_validations.dataValidation if dv.type == "list"}
    assert '"幼儿园托班,社会办托育机构"' in lists and '"是,否"' in lists

    rows = [
        facility_row(1, **{"街道/镇": "平江街道"}),
        # Codes instead of labels, text dates and numbers typed as text are read as well.
        facility_row(
            2,
            登记类型="private_non_enterprise",
            机构类别="kindergarten_class",
            机构形式="community_embedded",
            统一社会信用代码=valid_uscc("5"),
            开办日期="2020年3月1日",
            托位数="25",
            提供膳食="否",
            全日托月收费="2800.50",
        ),
        facility_row(
            3,
            登记类型=None,
            统一社会信用代码=None,
            机构形式=None,
            全日托月收费=None,
            开办日期="2019/9/1",
            提供膳食=None,
            托位数=None,
            在托人数=None,
        ),
    ]
    response = upload(web, workbook(rows, template=template))
    assert response.status_code == 200
    assert response.context["report"]["created"] == 3
    assert 'data-created="3"' in response.content.decode()
    first, second, third = Facility.objects.order_by("name")
    assert {f.filing_status for f in (first, second, third)} == {FilingStatus.KNOWN}
    assert {f.district_id for f in (first, second, third)} == {"320508"}
    assert first.street == pingjiang and first.meals_served and first.opened_on == date(2021, 9, 1)
    assert first.offerings.get().monthly_fee == Decimal("3200.00")
    assert (second.registration_route, second.category, second.form) == (
        "private_non_enterprise",
        "kindergarten_class",
        "community_embedded",
    )
    assert second.opened_on == date(2020, 3, 1) and second.slots == 25 and not second.meals_served
    assert second.offerings.get().monthly_fee == Decimal("2800.50")
    assert third.form == "standalone" and third.slots == 0 and third.uscc == "" and not third.offerings.exists()
    assert AuditEntry.objects.filter(action="facility.create", actor=gusu_officer).count() == 3
    assert AuditEntry.objects.filter(action="facility.import", actor=gusu_officer).count() == 1


# --- all or nothing -----------------------------------------------------------------------------------------


def test_one_bad_row_imports_nothing_and_names_row_and_column(gusu_officer, web_client_for):
    rows = [facility_row(1), facility_row(2, 托位数="四十"), facility_row(3), facility_row(4)]
    response = upload(web_client_for(gusu_officer), workbook(rows))
    assert response.status_code == 400
    assert errors_of(response) == [(3, "托位数")]  # Excel's row 3: the header is row 1
    page = response.content.decode()
    assert 'data-row="3"' in page and 'data-column="托位数"' in page
    assert response.context["report"]["errors"][0]["message"] == "请输入大于或等于0的整数。"
    assert not Facility.objects.exists()
    assert not ServiceOffering.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="facility.").exists()
    assert not Job.objects.exists()


def test_every_problem_of_every_row_is_reported_at_once(gusu_officer, web_client_for, pingjiang):
    code = valid_uscc("9")
    bad_checksum = code[:-1] + ("1" if code[-1] != "1" else "2")
    rows = [
        facility_row(1, 名称=None),  # the service: a name is required
        facility_row(2, 统一社会信用代码=bad_checksum),
        facility_row(3, **{"街道/镇": "不存在的街道"}),
        facility_row(4, 机构类别="幼儿园", 开办日期="2021-13-45", 全日托月收费="3200元"),
        facility_row(5, 统一社会信用代码=913205000000000000),  # typed into a number cell
        facility_row(6, 登记类型="事业单位"),  # a public institution's code starts with 1, not 9
        facility_row(7),
    ]
    response = upload(web_client_for(gusu_officer), workbook(rows))
    assert response.status_code == 400
    assert errors_of(response) == [
        (2, "名称"),
        (3, "统一社会信用代码"),
        (4, "街道/镇"),
        (5, "机构类别"),
        (5, "全日托月收费"),
        (5, "开办日期"),
        (6, "统一社会信用代码"),
        (7, "统一社会信用代码"),
    ]
    messages = {(e["row"], e["column"]): e["message"] for e in response.context["report"]["errors"]}
    assert "幼儿园托班、社会办托育机构" in messages[(5, "机构类别")]  # the allowed values are named
    assert "不存在的街道" in messages[(4, "街道/镇")] and "姑苏区" in messages[(4, "街道/镇")]
    assert not Facility.objects.exists()


def test_duplicates_in_the_file_and_against_the_register_are_errors(city_admin, web_client_for):
    web = web_client_for(city_admin)
    same = valid_uscc("9")
    existing = facility_row(9)
    assert upload(web, workbook([existing])).status_code == 200
    rows = [facility_row(1, 统一社会信用代码=same), facility_row(2, 统一社会信用代码=same.lower()), existing]
    response = upload(web, workbook(rows))
    assert response.status_code == 400
    report = response.context["report"]["errors"]
    assert [(e["row"], e["column"]) for e in report] == [(3, "统一社会信用代码"), (4, "统一社会信用代码")]
    assert "2" in report[0]["message"]  # names the row it repeats
    assert report[1]["message"] == "已有其他托育机构使用该统一社会信用代码登记。"
    assert Facility.objects.count() == 1


# --- scale --------------------------------------------------------------------------------------------------


def test_a_valid_import_of_500_rows_succeeds(city_admin, web_client_for):
    units = ["320505", "320506", "320507", "320508", "320509", "320571", "320581", "320582", "320583", "320585"]
    rows = [facility_row(n, 县级行政区代码=units[n % len(units)]) for n in range(500)]
    data = workbook(rows)
    web = web_client_for(city_admin)
    started = time.perf_counter()
    response = upload(web, data)
    elapsed = time.perf_counter() - started
    print(f"\n500-row import through the page: {elapsed:.2f} s")  # shown with -s
    assert response.status_code == 200
    assert response.context["report"]["created"] == 500
    assert Facility.objects.filter(filing_status=FilingStatus.KNOWN).count() == 500
    assert ServiceOffering.objects.count() == 500
    assert Facility.objects.filter(district_id="320583").count() == 50
    job = Job.objects.get()  # imported while the user waited, recorded as a finished job
    assert response.redirect_chain == [(f"{URL}jobs/{job.id}/", 302)]
    assert (job.status, job.result["created"]) == (JobStatus.SUCCEEDED, 500)
    assert not OutboxMessage.objects.exists()
    assert elapsed < 30


def test_more_than_5000_rows_are_refused():
    book = Workbook(write_only=True)
    sheet = book.create_sheet(importing.SHEET)
    sheet.append(TITLES)
    for n in range(importing.MAX_ROWS + 1):
        sheet.append([f"机构{n}", None, None, "social", None, "320508"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ValidationFailed) as caught:
        importing.parse_workbook(buffer.getvalue())
    assert "5000" in caught.value.fields["workbook"][0]


def test_empty_rows_are_skipped(city_admin):
    data = workbook([facility_row(1), {}, {"名称": "  "}, facility_row(2)])
    rows = importing.parse_workbook(data)
    assert [row.number for row in rows] == [2, 5]
    assert importing.import_facilities(actor=city_admin, data=data).created == 2


@pytest.mark.parametrize(
    ("title", "typed", "field", "read"),
    [
        ("托位数", "４０", "slots", 40),  # full-width digits
        ("托位数", 40.0, "slots", 40),
        ("全日托月收费", "3,200.50", "full_day", Decimal("3200.50")),
        ("开办日期", "2021.9.1", "opened_on", date(2021, 9, 1)),
        ("开办日期", "20210901", "opened_on", date(2021, 9, 1)),
        ("开办日期", date(2021, 9, 1), "opened_on", date(2021, 9, 1)),
        ("登记类型", "Enterprise (企业)", "registration_route", "enterprise"),
        ("登记类型", "Private non-enterprise unit (民办非企业单位)", "registration_route", "private_non_enterprise"),
        ("机构形式", "托育综合服务中心", "form", "comprehensive_center"),
        ("提供膳食", True, "meals_served", True),
        ("县级行政区代码", 320508, "district", "320508"),
        ("统一社会信用代码", " 91320500mA1xyz ", "uscc", "91320500MA1XYZ"),
    ],
)
def test_cells_are_read_as_people_type_them(db, title, typed, field, read):
    (row,) = importing.parse_workbook(workbook([facility_row(1, **{title: typed})]))
    assert row.errors == []
    assert (row.offerings if field == "full_day" else row.data)[field] == read


@pytest.mark.parametrize(
    ("title", "typed"),
    [
        ("托位数", "40个"),
        ("托位数", 12.5),
        ("托位数", 10**10),
        ("在托人数", True),
        ("全日托月收费", "面议"),
        ("全日托月收费", 10**8),
        ("开办日期", "2021-02-30"),
        ("开办日期", 44440),
        ("提供膳食", "有"),
        ("机构形式", "连锁"),
        ("统一社会信用代码", 913205000000000000),
        ("名称", "托" * 201),
    ],
)
def test_unreadable_cells_are_errors_of_their_row_and_column(db, title, typed):
    (row,) = importing.parse_workbook(workbook([facility_row(1, **{title: typed})]))
    assert [(e.row, e.column) for e in row.errors] == [(2, title)]
    assert row.errors[0].message


# --- files that are not the template ------------------------------------------------------------------------


def test_a_file_that_is_not_xlsx_is_refused_with_a_clear_message(gusu_officer, web_client_for):
    web = web_client_for(gusu_officer)
    response = upload(web, "名称,统一社会信用代码\n小苗,91320500\n".encode(), name="facilities.xlsx")
    assert response.status_code == 400
    assert "不是Excel工作簿（.xlsx）" in response.context["form"].errors["workbook"][0]
    old_xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    response = upload(web, old_xls, name="facilities.xls")
    assert response.status_code == 400
    assert ".xls" in response.context["form"].errors["workbook"][0]
    assert not Facility.objects.exists()


def test_a_missing_sheet_or_missing_columns_are_named():
    book = Workbook()
    book.active.title = "Sheet1"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ValidationFailed) as caught:
        importing.parse_workbook(buffer.getvalue())
    assert "机构" in caught.value.fields["workbook"][0] and "Sheet1" in caught.value.fields["workbook"][0]

    book = Workbook()
    book.active.title = "机构"
    book.active.append([t for t in TITLES if t not in ("托位数", "开办日期")])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ValidationFailed) as caught:
        importing.parse_workbook(buffer.getvalue())
    assert "托位数、开办日期" in caught.value.fields["workbook"][0]


def test_a_workbook_without_rows_is_refused(gusu_officer, web_client_for):
    response = upload(web_client_for(gusu_officer), importing.template_workbook())
    assert response.status_code == 400
    assert "机构" in response.context["form"].errors["workbook"][0]


# --- who may import what ------------------------------------------------------------------------------------


def test_a_district_officer_cannot_import_a_facility_of_another_unit(gusu_officer, city_admin, web_client_for):
    rows = [facility_row(1), facility_row(2, 县级行政区代码="320509")]
    response = upload(web_client_for(gusu_officer), workbook(rows))
    assert response.status_code == 400
    assert errors_of(response) == [(3, "县级行政区代码")]
    assert response.context["report"]["errors"][0]["message"] == "您只能录入本县级行政区的托育机构。"
    assert not Facility.objects.exists()
    # The city admin imports any unit; a unit may also be named instead of coded.
    response = upload(web_client_for(city_admin), workbook([*rows, facility_row(3, 县级行政区代码="吴江区")]))
    assert response.status_code == 200
    assert sorted(Facility.objects.values_list("district_id", flat=True)) == ["320508", "320509", "320509"]


def test_an_unknown_unit_is_a_row_error(city_admin, web_client_for):
    response = upload(web_client_for(city_admin), workbook([facility_row(1, 县级行政区代码="329999")]))
    assert response.status_code == 400
    assert errors_of(response) == [(2, "县级行政区代码")]


@pytest.mark.parametrize("role", ["operator", "inspector", "training_base", "mch_assessor"])
def test_other_roles_get_404_on_every_import_page(users, web_client_for, role):
    web = web_client_for(users[role])
    job = Job.objects.create(kind=importing.JOB_KIND, title="导入", owner=users[role])
    assert web.get(URL).status_code == 404
    assert web.get(TEMPLATE_URL).status_code == 404
    assert web.get(f"{URL}jobs/{job.id}/").status_code == 404
    assert upload(web, workbook([facility_row(1)])).status_code == 404
    assert not Facility.objects.exists()
    with pytest.raises(PermissionDenied):
        importing.import_facilities(actor=users[role], data=workbook([facility_row(1)]))


def test_anonymous_is_sent_to_login_and_a_statistics_client_gets_404(client, stats_client, web_client_for):
    job = Job.objects.create(kind=importing.JOB_KIND, title="导入", owner=stats_client)
    for path in (URL, TEMPLATE_URL, f"{URL}jobs/{job.id}/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next="), path
        assert web_client_for(stats_client).get(path).status_code == 404, path


def test_the_upload_page_explains_and_links_the_template(gusu_officer, city_admin, web_client_for):
    page = web_client_for(gusu_officer).get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert TEMPLATE_URL in body and 'enctype="multipart/form-data"' in body
    assert all(title in body for title in TITLES)
    assert web_client_for(city_admin).get(URL).status_code == 200


def test_an_officer_does_not_see_another_users_import_job(gusu_officer, wujiang_officer, web_client_for):
    job = Job.objects.create(kind=importing.JOB_KIND, title="导入", owner=wujiang_officer)
    assert web_client_for(gusu_officer).get(f"{URL}jobs/{job.id}/").status_code == 404


# --- the job path -------------------------------------------------------------------------------------------


@pytest.fixture
def in_process(settings, tmp_path, monkeypatch, celery_app):
    """No broker: a queued task runs when the transaction commits. Uploads stored in a temporary folder."""
    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setattr(importing, "INLINE_MAX_ROWS", 2)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield tmp_path
    celery_app.conf.task_always_eager = eager


def test_a_large_workbook_runs_as_a_job_and_its_page_shows_the_result(
    in_process, gusu_officer, web_client_for, django_capture_on_commit_callbacks
):
    web = web_client_for(gusu_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(web, workbook([facility_row(n) for n in range(3)]), follow=False)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{URL}jobs/{job.id}/"
    assert (job.kind, job.owner, job.status, job.done, job.total) == (
        importing.JOB_KIND,
        gusu_officer,
        JobStatus.SUCCEEDED,
        3,
        3,
    )
    assert job.result["created"] == 3 and job.result["errors"] == []
    assert OutboxMessage.objects.get().task_name == "facilities.import_facilities"
    assert Facility.objects.filter(filing_status=FilingStatus.KNOWN, district_id="320508").count() == 3
    assert not list((in_process / "imports").iterdir())  # the upload is deleted after the run
    page = web.get(response["Location"])
    assert page.status_code == 200 and 'data-created="3"' in page.content.decode()


def test_a_job_with_a_bad_row_imports_nothing_and_keeps_the_report(
    in_process, city_admin, web_client_for, django_capture_on_commit_callbacks
):
    web = web_client_for(city_admin)
    rows = [facility_row(1), facility_row(2), facility_row(3, 托位数="很多"), facility_row(4, 名称="")]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(web, workbook(rows), follow=False)
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert [(e["row"], e["column"]) for e in job.result["errors"]] == [(4, "托位数"), (5, "名称")]
    assert job.result["created"] == 0 and "2" in job.message
    assert not Facility.objects.exists()
    assert not list((in_process / "imports").iterdir())
    page = web.get(response["Location"])
    assert page.status_code == 400
    assert 'data-column="托位数"' in page.content.decode()


def test_the_job_page_refreshes_while_the_import_waits(in_process, gusu_officer, web_client_for):
    web = web_client_for(gusu_officer)
    response = upload(web, workbook([facility_row(n) for n in range(3)]), follow=False)  # no commit: queued
    job = Job.objects.get()
    assert job.status == JobStatus.QUEUED
    upload_path = importing.upload_path(OutboxMessage.objects.get().kwargs["upload_id"])
    assert default_storage.exists(upload_path)
    page = web.get(response["Location"])
    assert page.status_code == 200 and page["Refresh"] == "3"
    assert f"/api/v1/jobs/{job.id}/" in page.content.decode()


def test_the_task_is_idempotent(in_process, gusu_officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = importing.import_or_queue(actor=gusu_officer, data=workbook([facility_row(n) for n in range(3)]))
    message = OutboxMessage.objects.get()
    from facilities.tasks import import_facilities_task

    import_facilities_task.apply(kwargs=message.kwargs)  # delivered again after it ran
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert Facility.objects.count() == 3
