"""The retention schedule: the dry run lists exactly what is past its period; the real run leaves no trace of
it but the audit entries saying so; a second run changes nothing; only the city admin reaches the pages."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db.models import Q

from facilities.models import Facility, Material, Person, StaffMember
from inspections.models import Complaint, Incident
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.crypto import blind_index
from suzhou_childcare.outbox.models import Job, JobStatus
from suzhou_childcare.privacy import selectors, services
from suzhou_childcare.privacy.models import RetentionRule
from suzhou_childcare.privacy.tasks import retention as retention_task

from ..facilities.factories import valid_id_number
from .helpers import TODAY, closed_facility, complaint, incident, person_of, staff

pytestmark = pytest.mark.django_db

OUYANG_ID = "11010519491231002X"
OUYANG = "欧阳明远"
COMPLAINANT = "钱多多女士"
COMPLAINANT_PHONE = "13912345678"


@pytest.fixture
def world(operator, gusu_officer):
    """Both sides of each boundary. Defaults: staff 5 years from closing (cutoff 2021-06-15), complaints
    3 years from closing (cutoff 2023-06-15), incidents 5 years from their date (cutoff 2021-06-15)."""
    past = closed_facility(operator, name="早已关闭托育园", closed_on=date(2021, 6, 14))
    boundary = closed_facility(operator, name="边界关闭托育园", closed_on=date(2021, 6, 15))
    recent = closed_facility(operator, name="近期关闭托育园", closed_on=date(2021, 6, 16))
    open_ = closed_facility(operator, name="仍在运营托育园", closed_on=None)
    ouyang = staff(
        operator, past, name=OUYANG, id_number=OUYANG_ID, role="security_guard", guard_licence_number="苏公保字9876"
    )
    recent_member = staff(operator, recent, name="司马光辉")
    # Worked in the closed facility and still works in an open one: the registry keeps the person.
    moved_id = valid_id_number()
    moved_old = staff(operator, past, name="诸葛亮亮", id_number=moved_id)
    staff(operator, open_, name="诸葛亮亮", id_number=moved_id)
    banned = staff(operator, boundary, name="上官禁业")
    Person.objects.filter(pk=banned.person_id).update(banned_on=date(2020, 1, 1), ban_reference="姑卫罚〔2020〕1号")
    Facility.objects.filter(pk=past.pk).update(training_gaps=[{"message": f"{OUYANG} 健康证已过期"}])
    complaints = {
        "past": complaint(gusu_officer, name=COMPLAINANT, phone=COMPLAINANT_PHONE, closed_on=date(2023, 6, 14)),
        "boundary": complaint(gusu_officer, name="孙边界先生", phone="13800000001", closed_on=date(2023, 6, 15)),
        "recent": complaint(gusu_officer, name="周最近先生", phone="13800000002", closed_on=date(2023, 6, 16)),
        "open": complaint(gusu_officer, name="吴未结女士", phone="13800000003", closed_on=None),
    }
    incidents = {
        "past": incident(past, operator, on=date(2021, 6, 14), description="婴儿王小宝午睡时跌落，额头擦伤。"),
        "boundary": incident(past, operator, on=date(2021, 6, 15), description="婴儿李小贝手指夹伤。"),
        "recent": incident(open_, operator, on=date(2021, 6, 16), description="婴儿赵小米发热。"),
    }
    return {
        "past": past,
        "boundary": boundary,
        "recent": recent,
        "open": open_,
        "ouyang": ouyang,
        "recent_member": recent_member,
        "moved_old": moved_old,
        "banned": banned,
        "complaints": complaints,
        "incidents": incidents,
    }


def _due_ids(today=TODAY) -> dict[str, set[int]]:
    ids: dict[str, set[int]] = {}
    for due in selectors.retention_due(today=today):
        for part in due.parts:
            ids[part.model_label] = set(part.queryset.values_list("pk", flat=True))
    return ids


def _audit_text() -> str:
    rows = AuditEntry.objects.values_list("before", "after", "reason", "object_repr")
    return "\n".join(json.dumps(list(row), ensure_ascii=False) for row in rows)


def test_every_kind_has_a_seeded_rule_with_its_source():
    rules = {rule.kind: rule for rule in selectors.retention_rules_in_force(today=TODAY)}
    assert set(rules) == {
        "staff_of_closed_facilities",
        "staff_documents_of_closed_facilities",
        "complainant_contacts",
        "incident_details",
    }
    for rule in rules.values():
        assert "个人信息保护法" in rule.source
        assert rule.is_default and "本地默认值" in rule.source


def test_dry_run_lists_exactly_the_records_past_their_period(world):
    due = _due_ids()
    past, boundary = world["past"], world["boundary"]
    expected_staff = set(
        StaffMember.objects.filter(facility__in=[past, boundary])
        .exclude(pk=world["banned"].pk)
        .values_list("pk", flat=True)
    )
    assert due["facilities.staffmember"] == expected_staff
    assert world["recent_member"].pk not in due["facilities.staffmember"]
    # The person who moved on to an open facility, and the banned person, stay in the registry.
    expected_persons = set(
        Person.objects.filter(employments__facility__in=[past, boundary])
        .exclude(pk__in=[world["moved_old"].person_id, world["banned"].person_id])
        .values_list("pk", flat=True)
    )
    assert due["facilities.person"] == expected_persons
    assert due["facilities.facility"] == {past.pk}
    assert due["facilities.material"] == set(
        Material.objects.filter(facility__in=[past, boundary], kind="staff_qualifications").values_list("pk", flat=True)
    )
    complaints, incidents = world["complaints"], world["incidents"]
    assert due["inspections.complaint"] == {complaints["past"].pk, complaints["boundary"].pk}
    assert due["inspections.incident"] == {incidents["past"].pk, incidents["boundary"].pk}


def test_the_day_before_the_boundary_record_is_not_yet_due(world):
    due = _due_ids(today=date(2026, 6, 14))
    assert world["complaints"]["boundary"].pk not in due["inspections.complaint"]
    assert world["incidents"]["boundary"].pk not in due["inspections.incident"]
    assert not StaffMember.objects.filter(facility=world["boundary"], pk__in=due["facilities.staffmember"]).exists()


def test_real_run_leaves_no_trace_but_the_audit_entries_saying_so(world, django_capture_on_commit_callbacks):
    ouyang_person = person_of(world["ouyang"])
    scans = list(Material.objects.filter(facility=world["past"], kind="staff_qualifications"))
    assert scans and all(default_storage.exists(m.file.name) for m in scans)
    staff_before = StaffMember.objects.count()
    complaints_before, incidents_before = Complaint.objects.count(), Incident.objects.count()
    due_before = _due_ids()

    with django_capture_on_commit_callbacks(execute=True):
        services.retention_apply(today=TODAY)

    # The roster rows and the registry: no name, no ID number, no index that finds it.
    member = StaffMember.objects.get(pk=world["ouyang"].pk)
    assert (member.name, member.guard_licence_number) == ("", "")
    person = Person.objects.get(pk=ouyang_person.pk)
    assert (person.name, person.id_number) == ("", "")
    assert person.id_number_index == f"anonymised:{person.pk}"
    assert not Person.objects.filter(id_number_index=blind_index(OUYANG_ID, purpose="cn_ric")).exists()
    assert not StaffMember.objects.filter(Q(name=OUYANG) | Q(guard_licence_number="苏公保字9876")).exists()
    assert Facility.objects.get(pk=world["past"].pk).training_gaps == []
    # The scans: rows and files gone.
    assert not Material.objects.filter(pk__in=[m.pk for m in scans]).exists()
    assert not any(default_storage.exists(m.file.name) for m in scans)
    # The complainant: no name, no phone, no ticket, and not repeated in the text either.
    past = Complaint.objects.get(pk=world["complaints"]["past"].pk)
    assert (past.complainant_name, past.complainant_phone, past.hotline_ticket) == ("", "", "")
    for text in (past.subject, past.description, past.reply):
        assert COMPLAINANT not in text and COMPLAINANT_PHONE not in text
    assert "午睡室无人看护" in past.description
    incident = Incident.objects.get(pk=world["incidents"]["past"].pk)
    assert (incident.description, incident.follow_up) == ("", "")
    assert (incident.kind, incident.children_affected) == ("injury", 1)
    # Nowhere in the audit trail either: not in values, reasons or object names.
    text = _audit_text()
    for secret in (OUYANG, OUYANG_ID, COMPLAINANT, COMPLAINANT_PHONE, "王小宝"):
        assert secret not in text
    # Counts and statistics stay.
    assert StaffMember.objects.count() == staff_before
    assert (Complaint.objects.count(), Incident.objects.count()) == (complaints_before, incidents_before)
    # One entry per batch and kind of record, naming the rule and the ids only.
    entries = AuditEntry.objects.filter(action="privacy.retention_applied")
    by_model = {entry.after["model"]: entry for entry in entries}
    assert len(entries) == len(by_model)
    for label, ids in due_before.items():
        if ids:
            assert set(by_model[label].after["ids"]) == ids
            assert by_model[label].after["count"] == len(ids)
            assert by_model[label].object_id == str(by_model[label].after["rule"])


def test_what_was_not_due_is_untouched(world):
    services.retention_apply(today=TODAY)
    assert StaffMember.objects.get(pk=world["recent_member"].pk).name == "司马光辉"
    assert StaffMember.objects.get(pk=world["banned"].pk).name == "上官禁业"
    banned = Person.objects.get(pk=world["banned"].person_id)
    assert banned.name == "上官禁业" and banned.id_number
    moved = Person.objects.get(pk=world["moved_old"].person_id)
    assert moved.name == "诸葛亮亮"
    # The old roster row of the person who moved on is anonymised; the open facility's row is not.
    assert StaffMember.objects.get(pk=world["moved_old"].pk).name == ""
    assert StaffMember.objects.filter(facility=world["open"], name="诸葛亮亮").exists()
    assert Complaint.objects.get(pk=world["complaints"]["recent"].pk).complainant_name == "周最近先生"
    assert Complaint.objects.get(pk=world["complaints"]["open"].pk).complainant_phone == "13800000003"
    assert Incident.objects.get(pk=world["incidents"]["recent"].pk).description == "婴儿赵小米发热。"
    assert Material.objects.filter(facility=world["recent"], kind="staff_qualifications").exists()


def test_a_second_run_finds_and_changes_nothing(world):
    services.retention_apply(today=TODAY)
    entries = AuditEntry.objects.count()
    assert all(not ids for ids in _due_ids().values())
    summary = services.retention_apply(today=TODAY)
    assert all(n == 0 for parts in summary.values() for n in parts.values())
    assert AuditEntry.objects.count() == entries


def test_batches_write_one_entry_each(world, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    due = _due_ids()
    services.retention_apply(today=TODAY)
    staff_entries = AuditEntry.objects.filter(action="privacy.retention_applied", after__model="facilities.staffmember")
    assert staff_entries.count() == -(-len(due["facilities.staffmember"]) // 2)
    assert {pk for e in staff_entries for pk in e.after["ids"]} == due["facilities.staffmember"]


def test_a_new_rule_version_changes_the_period_from_its_start(world, city_admin):
    services.retention_rule_add(
        actor=city_admin,
        kind="complainant_contacts",
        period_value=2,
        period_unit="years",
        action="anonymise",
        source="本地默认值（测试）",
        is_default=True,
        valid_from=TODAY,
        today=TODAY,
    )
    due = _due_ids()
    assert world["complaints"]["recent"].pk in due["inspections.complaint"]
    assert AuditEntry.objects.filter(action="privacy.retention_rule_add").count() == 1
    # The previous version stays for the record.
    assert RetentionRule.objects.filter(kind="complainant_contacts").count() == 2


def test_a_rule_cannot_start_in_the_past_nor_purge_counted_records(city_admin):
    from suzhou_childcare.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        services.retention_rule_add(
            actor=city_admin,
            kind="staff_of_closed_facilities",
            period_value=1,
            period_unit="years",
            action="purge",
            source="x",
            is_default=True,
            valid_from=date(2020, 1, 1),
            today=TODAY,
        )
    assert set(exc.value.fields) == {"action", "valid_from"}


def test_command_dry_run_prints_ids_and_dates_and_changes_nothing(world, capsys):
    call_command("retention", "--today", TODAY.isoformat())
    out = capsys.readouterr().out
    assert f"#{world['complaints']['past'].pk} 2023-06-14" in out
    assert f"#{world['complaints']['boundary'].pk} 2023-06-15" in out
    assert (
        f"#{world['complaints']['recent'].pk} "
        not in out.split("[incident_details]")[0].split("[complainant_contacts]")[1]
    )
    assert f"#{world['incidents']['past'].pk} 2021-06-14" in out
    assert "Dry run" in out
    assert Complaint.objects.get(pk=world["complaints"]["past"].pk).complainant_name == COMPLAINANT


def test_command_apply_anonymises(world, capsys):
    call_command("retention", "--today", TODAY.isoformat(), "--apply")
    assert Complaint.objects.get(pk=world["complaints"]["past"].pk).complainant_name == ""
    assert "purged or anonymised" in capsys.readouterr().out


def test_task_is_registered_under_its_beat_name_and_applies(world, django_capture_on_commit_callbacks):
    from suzhou_childcare.celery import app

    assert app.conf.beat_schedule["retention-daily"]["task"] == retention_task.name == "privacy.retention"
    retention_task.apply(kwargs={"today": TODAY.isoformat()})
    assert Complaint.objects.get(pk=world["complaints"]["past"].pk).complainant_name == ""


# --- pages --------------------------------------------------------------------------------------------------


def test_city_admin_sees_the_dry_run_report_with_counts_ids_and_sources(world, city_admin, web_client_for):
    response = web_client_for(city_admin).get("/privacy/retention/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-id="{world["complaints"]["past"].pk}"' in body
    assert "个人信息保护法" in body
    assert COMPLAINANT not in body and OUYANG not in body


@pytest.mark.parametrize("role", ["district_officer", "inspector", "operator", "citywide_inspector"])
@pytest.mark.parametrize("path", ["/privacy/retention/", "/privacy/subject/"])
def test_other_roles_do_not_find_the_privacy_pages(users, web_client_for, role, path):
    assert web_client_for(users[role]).get(path).status_code == 404


@pytest.mark.parametrize("role", ["district_officer", "operator"])
def test_other_roles_cannot_apply_the_schedule(world, users, web_client_for, role):
    response = web_client_for(users[role]).post("/privacy/retention/apply/")
    assert response.status_code == 404
    assert Complaint.objects.get(pk=world["complaints"]["past"].pk).complainant_name == COMPLAINANT


def test_apply_now_runs_a_small_set_at_once(world, city_admin, web_client_for, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    response = web_client_for(city_admin).post("/privacy/retention/apply/", follow=True)
    assert response.status_code == 200
    assert Complaint.objects.get(pk=world["complaints"]["past"].pk).complainant_name == ""
    entry = AuditEntry.objects.filter(action="privacy.retention_applied").first()
    assert entry.actor == city_admin


def test_apply_now_queues_a_job_for_a_large_set(
    world, city_admin, web_client_for, monkeypatch, django_capture_on_commit_callbacks, celery_app
):
    from django.utils import timezone

    # The job runs in this process when the transaction commits (with a broker too: the worker tests of the task
    # are in test_task_is_registered_under_its_beat_name_and_applies and tests/outbox).
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    monkeypatch.setattr(services, "INLINE_LIMIT", 1)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = web_client_for(city_admin).post("/privacy/retention/apply/")
    finally:
        celery_app.conf.task_always_eager = eager
    job = Job.objects.get(kind="privacy.retention")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.id}/"
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.total > 0 and job.done == job.total
    assert Complaint.objects.get(pk=world["complaints"]["past"].pk).complainant_name == ""


def test_city_admin_adds_a_rule_version_from_the_page(city_admin, web_client_for):
    from django.utils import timezone

    web = web_client_for(city_admin)
    data = {
        "kind": "incident_details",
        "period_value": "3",
        "period_unit": "years",
        "action": "anonymise",
        "source": "本地默认值",
        "is_default": "on",
        "valid_from": timezone.localdate().isoformat(),
    }
    assert web.post("/privacy/retention/", data).status_code == 302
    assert RetentionRule.objects.filter(kind="incident_details", period_value=3).exists()
    again = web.post("/privacy/retention/", data)
    assert again.status_code == 400
