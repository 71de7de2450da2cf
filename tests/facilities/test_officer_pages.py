"""The unit's pages: queue by deadline, list with Excel export, filing rate, reminders."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from facilities import services
from suzhou_childcare.audit.models import AuditEntry

from .factories import complete_draft


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_queue_sorts_by_deadline_and_shows_completeness_and_findings(operator, gusu_officer, web_client_for):
    today = timezone.localdate()
    later = complete_draft(operator, name="后到机构")
    services.facility_submit(actor=operator, facility=later, today=today)
    earlier = complete_draft(operator, name="先到机构")
    services.facility_class_set(
        actor=operator,
        facility=earlier,
        facility_class=earlier.classes.get(),
        class_type="infant",
        capacity=12,
        enrolled=12,
        carers=4,
    )
    services.facility_submit(actor=operator, facility=earlier, today=today - timedelta(days=20))
    page = web_client_for(gusu_officer).get("/facilities/queue/")
    assert page.status_code == 200
    entries = page.context["sections"][0]["entries"]
    assert [e["facility"].name for e in entries] == ["先到机构", "后到机构"]
    assert entries[0]["overdue"] and not entries[1]["overdue"]
    assert any(f.code == "class_oversize" for f in entries[0]["warnings"])
    assert len(entries[0]["materials"]) == 5


def test_the_queue_runs_a_fixed_number_of_queries(
    operator, gusu_officer, web_client_for, django_assert_max_num_queries
):
    for i in range(2):
        services.facility_submit(actor=operator, facility=complete_draft(operator, name=f"机构{i}"))
    web = web_client_for(gusu_officer)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        web.get("/facilities/queue/")
    for i in range(2, 8):
        services.facility_submit(actor=operator, facility=complete_draft(operator, name=f"机构{i}"))
    with CaptureQueriesContext(connection) as many:
        web.get("/facilities/queue/")
    assert len(few) == len(many)


def test_the_queue_is_the_units_own(operator, gusu_officer, wujiang_officer, city_admin, web_client_for):
    services.facility_submit(actor=operator, facility=complete_draft(operator, name="姑苏机构"))
    names = lambda user: [  # noqa: E731
        e["facility"].name for e in web_client_for(user).get("/facilities/queue/").context["sections"][0]["entries"]
    ]
    assert names(gusu_officer) == ["姑苏机构"]
    assert names(wujiang_officer) == []
    assert names(city_admin) == ["姑苏机构"]
    assert web_client_for(operator).get("/facilities/queue/").status_code == 404


def test_the_list_filters_and_exports_what_it_shows(operator, make_user, city_admin, web_client_for):
    complete_draft(operator, name="姑苏甲")
    other = make_user("operator", username="wj_op")
    complete_draft(other, name="吴江乙", district_code="320509")
    web = web_client_for(city_admin)
    page = web.get("/facilities/", {"district": "320509"})
    assert [f.name for f in page.context["page"].object_list] == ["吴江乙"]
    export = web.get("/facilities/export.xlsx", {"district": "320509"})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "吴江乙" and rows[1][1] == "吴江区"


def test_an_officer_exports_only_their_unit(operator, make_user, wujiang_officer, web_client_for):
    complete_draft(operator, name="姑苏甲")
    export = web_client_for(wujiang_officer).get("/facilities/export.xlsx", {"district": "320508"})
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1  # the header only


def test_the_operator_list_is_their_own_facilities(operator, make_user, web_client_for):
    complete_draft(operator, name="我的机构")
    complete_draft(make_user("operator", username="x_op"), name="别人的机构")
    page = web_client_for(operator).get("/facilities/")
    assert [f.name for f in page.context["facilities"]] == ["我的机构"]
    assert web_client_for(operator).get("/facilities/export.xlsx").status_code == 404
    assert web_client_for(operator).get("/").status_code == 302  # home is the list


def test_filing_rate_per_unit(operator, gusu_officer, city_admin, web_client_for):
    filed = complete_draft(operator, name="已备案")
    services.facility_submit(actor=operator, facility=filed)
    services.facility_record(actor=gusu_officer, facility=filed)
    complete_draft(operator, name="未备案")
    rows = {r["district"].code: r for r in web_client_for(city_admin).get("/facilities/filing-rate/").context["rows"]}
    assert (rows["320508"]["operating"], rows["320508"]["filed"], rows["320508"]["rate"]) == (2, 1, 0.5)
    assert rows["320509"]["rate"] is None
    officer_rows = web_client_for(gusu_officer).get("/facilities/filing-rate/").context["rows"]
    assert [r["district"].code for r in officer_rows] == ["320508"]


def test_reminders_go_to_unfiled_facilities_once_a_day(operator, gusu_officer, wujiang_officer, web_client_for):
    draft = complete_draft(operator)
    web = web_client_for(gusu_officer)
    web.post(f"/facilities/{draft.pk}/remind/")
    web.post(f"/facilities/{draft.pk}/remind/")
    assert AuditEntry.objects.filter(action="facility.remind", object_id=str(draft.pk)).count() == 1
    assert web_client_for(wujiang_officer).post(f"/facilities/{draft.pk}/remind/").status_code == 404
    services.facility_submit(actor=operator, facility=draft)
    web.post(f"/facilities/{draft.pk}/remind/", {"next": "/facilities/"})
    assert AuditEntry.objects.filter(action="facility.remind", object_id=str(draft.pk)).count() == 1
