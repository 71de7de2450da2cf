"""notify(), marking read, and the e-mail of a notice (in-process mode: no broker, tasks run at commit)."""

import json

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import NotFound, ValidationFailed
from suzhou_childcare.notices import services
from suzhou_childcare.notices.models import Notice
from suzhou_childcare.notices.services import notice_mark_all_read, notice_mark_read, notify
from suzhou_childcare.notices.tasks import send_notice_email
from suzhou_childcare.outbox.models import MessageStatus, OutboxMessage

from .factories import NoticeFactory

GUSU = "320508"


def submitted(recipients, **overrides):
    arguments = {
        "recipients": recipients,
        "kind": "filing.submitted",
        "title": "托育机构“小太阳”提交了备案",
        "body": "请在15个工作日内完成审核。",
        "link": "/facilities/12/",
        **overrides,
    }
    return notify(**arguments)


@pytest.fixture
def email_on(settings, celery_app):
    """E-mail switched on, in-process mode (a queued task runs at commit) even when a broker is configured;
    the broker path is tested with a real worker in test_worker.py."""
    settings.NOTICE_EMAIL_ENABLED = True
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield settings
    celery_app.conf.task_always_eager = eager


# --- notify -------------------------------------------------------------------------------------------------


def test_notify_writes_one_notice_per_active_recipient_once(make_user, gusu_officer):
    colleague = make_user(Role.DISTRICT_OFFICER, district_code=GUSU, username="gusu_officer2")
    retired = make_user(Role.DISTRICT_OFFICER, district_code=GUSU, username="retired", is_active=False)

    notices = submitted([gusu_officer, colleague, gusu_officer, retired, colleague])

    assert sorted(n.recipient.username for n in notices) == ["gusu_officer", "gusu_officer2"]
    rows = Notice.objects.order_by("recipient__username")
    assert [(n.recipient_id, n.kind, n.title, n.link, n.read_at) for n in rows] == [
        (gusu_officer.pk, "filing.submitted", "托育机构“小太阳”提交了备案", "/facilities/12/", None),
        (colleague.pk, "filing.submitted", "托育机构“小太阳”提交了备案", "/facilities/12/", None),
    ]
    assert {n.pk for n in notices} == set(rows.values_list("pk", flat=True))
    assert not Notice.objects.filter(recipient=retired).exists()


def test_notify_takes_a_queryset_and_writes_with_one_insert(make_user):
    for n in range(5):
        make_user(Role.OPERATOR, username=f"op{n}")
    with CaptureQueriesContext(connection) as captured:
        submitted(User.objects.filter(role=Role.OPERATOR))
    statements = [q["sql"].split()[0].upper() for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert statements == ["SELECT", "INSERT"]  # the recipients, then every notice at once
    assert Notice.objects.count() == 5


def test_notify_without_active_recipients_writes_nothing(make_user):
    gone = make_user(Role.OPERATOR, username="gone", is_active=False)
    assert submitted([gone]) == []
    assert submitted([]) == []
    assert Notice.objects.count() == 0


def test_notify_belongs_to_the_callers_transaction(gusu_officer, email_on):
    with pytest.raises(RuntimeError), transaction.atomic():
        submitted([gusu_officer])
        raise RuntimeError("the workflow step failed")
    assert Notice.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_notify_leaves_no_audit_entry(gusu_officer):
    before = AuditEntry.objects.count()
    submitted([gusu_officer])
    assert AuditEntry.objects.count() == before


def test_the_title_becomes_one_line_cut_to_its_column(gusu_officer):
    (notice,) = submitted([gusu_officer], title="备案已退回\n请  补正" + "材料" * 200)
    assert "\n" not in notice.title and notice.title.startswith("备案已退回 请 补正材料")
    assert len(notice.title) == 200 and notice.title.endswith("…")


@pytest.mark.parametrize(
    "link", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "facilities/12/", "/" + "a" * 300]
)
def test_a_link_outside_the_portal_is_refused(gusu_officer, link):
    with pytest.raises(ValidationFailed) as caught:
        submitted([gusu_officer], link=link)
    assert set(caught.value.fields) == {"link"}
    assert Notice.objects.count() == 0


@pytest.mark.parametrize("overrides", [{"kind": ""}, {"kind": "Filing Submitted"}, {"title": "  "}])
def test_a_notice_needs_a_code_and_a_title(gusu_officer, overrides):
    with pytest.raises(ValidationFailed):
        submitted([gusu_officer], **overrides)


def test_a_notice_without_a_link_is_allowed(gusu_officer):
    (notice,) = submitted([gusu_officer], link="")
    assert notice.link == ""


# --- marking read -------------------------------------------------------------------------------------------


def test_mark_read_keeps_the_first_reading_time(gusu_officer):
    notice = NoticeFactory(recipient=gusu_officer)
    notice_mark_read(user=gusu_officer, notice=notice)
    first = Notice.objects.get(pk=notice.pk).read_at
    assert first is not None
    notice_mark_read(user=gusu_officer, notice=Notice.objects.get(pk=notice.pk))
    assert Notice.objects.get(pk=notice.pk).read_at == first


def test_nobody_marks_someone_elses_notice_read(gusu_officer, wujiang_officer):
    notice = NoticeFactory(recipient=gusu_officer)
    with pytest.raises(NotFound):
        notice_mark_read(user=wujiang_officer, notice=notice)
    assert Notice.objects.get(pk=notice.pk).read_at is None


def test_mark_all_read_touches_only_the_users_own_unread_notices(gusu_officer, wujiang_officer):
    NoticeFactory.create_batch(3, recipient=gusu_officer)
    theirs = NoticeFactory(recipient=wujiang_officer)
    assert notice_mark_all_read(user=gusu_officer) == 3
    assert not Notice.objects.filter(recipient=gusu_officer, read_at__isnull=True).exists()
    assert Notice.objects.get(pk=theirs.pk).read_at is None
    assert notice_mark_all_read(user=gusu_officer) == 0


# --- e-mail -------------------------------------------------------------------------------------------------


def test_the_email_is_sent_after_commit_and_only_once(
    make_user, gusu_officer, email_on, django_capture_on_commit_callbacks
):
    gusu_officer.email = "officer@gusu.example.cn"
    gusu_officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        (notice,) = submitted([gusu_officer])
        assert mail.outbox == []  # nothing leaves before the step commits

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["officer@gusu.example.cn"]
    assert message.subject == "托育机构“小太阳”提交了备案"
    assert message.body == "请在15个工作日内完成审核。\n\nhttp://127.0.0.1:8000/facilities/12/"
    notice.refresh_from_db()
    assert notice.emailed_at is not None
    assert OutboxMessage.objects.get().status == MessageStatus.DONE

    # Delivered again (at least once): the task sends nothing more.
    send_notice_email.apply(kwargs={"notice_id": notice.pk})
    assert services.notice_email_send(notice_id=notice.pk) is False
    assert len(mail.outbox) == 1


def test_the_link_in_the_email_uses_the_portals_address(gusu_officer, email_on, django_capture_on_commit_callbacks):
    email_on.PORTAL_BASE_URL = "https://tuoyu.wjw.suzhou.gov.cn/"
    gusu_officer.email = "officer@gusu.example.cn"
    gusu_officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        submitted([gusu_officer])
    assert mail.outbox[0].body.endswith("\n\nhttps://tuoyu.wjw.suzhou.gov.cn/facilities/12/")


def test_one_task_per_notice_with_json_arguments_and_none_without_an_address(
    make_user, gusu_officer, email_on, django_capture_on_commit_callbacks
):
    colleague = make_user(Role.DISTRICT_OFFICER, district_code=GUSU, username="colleague", email="c@gusu.example.cn")
    gusu_officer.email = "officer@gusu.example.cn"
    gusu_officer.save()
    no_address = make_user(Role.DISTRICT_OFFICER, district_code=GUSU, username="no_address", email="")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notices = submitted([gusu_officer, colleague, no_address])

    by_recipient = {n.recipient.username: n.pk for n in notices}
    queued = OutboxMessage.objects.filter(task_name="notices.send_email")
    assert sorted(m.kwargs["notice_id"] for m in queued) == sorted(
        [by_recipient["gusu_officer"], by_recipient["colleague"]]
    )
    for message in queued:
        assert json.loads(json.dumps(message.kwargs)) == message.kwargs == {"notice_id": message.kwargs["notice_id"]}
    assert len(callbacks) == 2

    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == ["c@gusu.example.cn", "officer@gusu.example.cn"]
    assert Notice.objects.get(pk=by_recipient["no_address"]).emailed_at is None


def test_nothing_is_queued_when_email_is_off(gusu_officer, settings, django_capture_on_commit_callbacks):
    settings.NOTICE_EMAIL_ENABLED = False
    gusu_officer.email = "officer@gusu.example.cn"
    gusu_officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        submitted([gusu_officer])
    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []
    assert Notice.objects.count() == 1


def test_email_is_off_unless_configured(gusu_officer, settings, django_capture_on_commit_callbacks):
    if hasattr(settings, "NOTICE_EMAIL_ENABLED"):
        del settings.NOTICE_EMAIL_ENABLED
    gusu_officer.email = "officer@gusu.example.cn"
    gusu_officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        submitted([gusu_officer])
    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []


def test_a_queued_email_is_not_sent_once_email_is_switched_off_or_the_address_is_gone(gusu_officer, email_on):
    gusu_officer.email = "officer@gusu.example.cn"
    gusu_officer.save()
    first = NoticeFactory(recipient=gusu_officer)
    email_on.NOTICE_EMAIL_ENABLED = False
    assert services.notice_email_send(notice_id=first.pk) is False
    email_on.NOTICE_EMAIL_ENABLED = True
    gusu_officer.email = ""
    gusu_officer.save()
    assert services.notice_email_send(notice_id=first.pk) is False
    assert mail.outbox == []
    assert Notice.objects.get(pk=first.pk).emailed_at is None


def test_a_mail_server_failure_gives_the_claim_back_so_a_retry_sends_it(gusu_officer, email_on, monkeypatch):
    gusu_officer.email = "officer@gusu.example.cn"
    gusu_officer.save()
    notice = NoticeFactory(recipient=gusu_officer)

    def refused(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(services, "send_mail", refused)
    with pytest.raises(ConnectionRefusedError):
        services.notice_email_send(notice_id=notice.pk)
    assert Notice.objects.get(pk=notice.pk).emailed_at is None

    monkeypatch.undo()
    assert services.notice_email_send(notice_id=notice.pk) is True
    assert len(mail.outbox) == 1
    assert Notice.objects.get(pk=notice.pk).emailed_at is not None


def test_a_notice_claimed_by_another_delivery_is_not_sent_again(gusu_officer, email_on):
    gusu_officer.email = "officer@gusu.example.cn"
    gusu_officer.save()
    notice = NoticeFactory(recipient=gusu_officer)
    # Another worker claimed it between our read and our claim: our conditional update finds nothing.
    real_filter = Notice.objects.filter

    def claimed_meanwhile(*args, **kwargs):
        if kwargs.get("emailed_at__isnull"):
            from django.utils import timezone

            Notice.objects.all().update(emailed_at=timezone.now())
        return real_filter(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Notice.objects, "filter", claimed_meanwhile)
        assert services.notice_email_send(notice_id=notice.pk) is False
    assert mail.outbox == []


def test_a_deleted_notice_sends_nothing(db, email_on):
    assert services.notice_email_send(notice_id=987654) is False
    assert mail.outbox == []
