"""Reading notices: own only, newest first, the unread count in one query."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from suzhou_childcare.errors import NotFound
from suzhou_childcare.notices.selectors import notice_get_for, notice_list_for, unread_count_for

from .factories import NoticeFactory


def test_a_user_lists_only_their_own_notices_newest_first(gusu_officer, wujiang_officer):
    now = timezone.now()
    old = NoticeFactory(recipient=gusu_officer, created_at=now - timedelta(days=2))
    new = NoticeFactory(recipient=gusu_officer, created_at=now)
    same_time = NoticeFactory(recipient=gusu_officer, created_at=now)
    NoticeFactory(recipient=wujiang_officer, created_at=now)

    assert list(notice_list_for(user=gusu_officer)) == [same_time, new, old]


def test_unread_count_is_one_query_over_the_users_unread_notices(
    gusu_officer, wujiang_officer, django_assert_num_queries
):
    NoticeFactory.create_batch(3, recipient=gusu_officer)
    NoticeFactory(recipient=gusu_officer, read_at=timezone.now())
    NoticeFactory.create_batch(2, recipient=wujiang_officer)

    with django_assert_num_queries(1):
        assert unread_count_for(user=gusu_officer) == 3
    assert unread_count_for(user=wujiang_officer) == 2


def test_someone_elses_notice_is_not_found(gusu_officer, wujiang_officer):
    notice = NoticeFactory(recipient=gusu_officer)
    assert notice_get_for(user=gusu_officer, pk=notice.pk) == notice
    with pytest.raises(NotFound):
        notice_get_for(user=wujiang_officer, pk=notice.pk)
    with pytest.raises(NotFound):
        notice_get_for(user=gusu_officer, pk=notice.pk + 1000)


def test_an_anonymous_or_closed_account_has_no_notices(gusu_officer, django_assert_num_queries):
    NoticeFactory(recipient=gusu_officer)
    gusu_officer.is_active = False
    assert list(notice_list_for(user=gusu_officer)) == []
    with django_assert_num_queries(0):
        assert unread_count_for(user=AnonymousUser()) == 0
        assert unread_count_for(user=gusu_officer) == 0
