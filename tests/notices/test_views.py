"""The notices pages: each user's own list, opening a notice, marking all read; someone else's is 404."""

import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from suzhou_childcare.notices.context_processors import unread_notices
from suzhou_childcare.notices.models import Notice

from .factories import NoticeFactory

WEB_ROLES = [
    "city_admin",
    "district_officer",
    "wujiang_officer",
    "inspector",
    "citywide_inspector",
    "operator",
    "training_base",
    "mch_assessor",
]


@pytest.mark.parametrize("role", WEB_ROLES)
def test_every_portal_user_sees_their_own_notices_and_nobody_elses(users, web_client_for, role):
    user = users[role]
    other = users["wujiang_officer" if role != "wujiang_officer" else "operator"]
    NoticeFactory(recipient=user, title="您的备案已登记", link="/facilities/7/")
    NoticeFactory(recipient=other, title="别人的通知")

    response = web_client_for(user).get("/notices/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "您的备案已登记" in page and "别人的通知" not in page
    assert [n.title for n in response.context["notices"]] == ["您的备案已登记"]


def list_items(html: str) -> dict[str, str]:
    """Each notice on the list page: its title's item, mapped to the item's CSS classes."""
    items = re.findall(r'<a href="/notices/\d+/" class="([^"]*)"[^>]*>(.*?)</a>', html, flags=re.DOTALL)
    return {re.sub(r"<[^>]+>|\s+", "", body): classes for classes, body in items}


def test_unread_notices_are_highlighted_and_read_ones_are_not(gusu_officer, web_client_for):
    NoticeFactory(recipient=gusu_officer, title="未读的通知", body="")
    NoticeFactory(recipient=gusu_officer, title="已读的通知", body="", read_at=timezone.now())

    items = list_items(web_client_for(gusu_officer).get("/notices/").content.decode())

    unread = next(classes for text, classes in items.items() if "未读的通知" in text)
    read = next(classes for text, classes in items.items() if "已读的通知" in text)
    assert "notice-unread" in unread
    assert "notice-unread" not in read


def test_each_notice_on_the_list_opens_through_its_own_address(gusu_officer, web_client_for):
    notice = NoticeFactory(recipient=gusu_officer)
    page = web_client_for(gusu_officer).get("/notices/").content.decode()
    assert f'href="/notices/{notice.pk}/"' in page


def test_the_list_has_30_notices_a_page(gusu_officer, web_client_for):
    NoticeFactory.create_batch(31, recipient=gusu_officer)
    browser = web_client_for(gusu_officer)
    first = browser.get("/notices/")
    second = browser.get("/notices/?page=2")
    assert len(first.context["notices"]) == 30
    assert len(second.context["notices"]) == 1
    assert "?page=2" in first.content.decode()


def test_the_list_queries_do_not_grow_with_the_number_of_notices(gusu_officer, web_client_for):
    browser = web_client_for(gusu_officer)

    def measure() -> int:
        browser.get("/notices/")
        with CaptureQueriesContext(connection) as captured:
            assert browser.get("/notices/").status_code == 200
        return len(captured.captured_queries)

    NoticeFactory.create_batch(3, recipient=gusu_officer)
    small = measure()
    NoticeFactory.create_batch(27, recipient=gusu_officer)
    large = measure()
    assert small == large


def test_opening_a_notice_marks_it_read_and_follows_its_link(gusu_officer, web_client_for):
    notice = NoticeFactory(recipient=gusu_officer, link="/facilities/7/")
    response = web_client_for(gusu_officer).get(f"/notices/{notice.pk}/")
    assert response.status_code == 302 and response["Location"] == "/facilities/7/"
    assert Notice.objects.get(pk=notice.pk).read_at is not None


def test_opening_by_post_works_too_and_a_notice_without_link_goes_back_to_the_list(operator, web_client_for):
    notice = NoticeFactory(recipient=operator, link="")
    response = web_client_for(operator).post(f"/notices/{notice.pk}/")
    assert response.status_code == 302 and response["Location"] == "/notices/"
    assert Notice.objects.get(pk=notice.pk).read_at is not None


def test_a_link_to_another_site_is_never_followed(operator, web_client_for):
    # The service refuses such links; a row written some other way still must not redirect off the portal.
    notice = NoticeFactory(recipient=operator, link="/\\evil.example/")
    response = web_client_for(operator).get(f"/notices/{notice.pk}/")
    assert response["Location"] == "/notices/"


def test_someone_elses_notice_is_404_and_stays_unread(gusu_officer, wujiang_officer, web_client_for):
    notice = NoticeFactory(recipient=gusu_officer)
    browser = web_client_for(wujiang_officer)
    assert browser.get(f"/notices/{notice.pk}/").status_code == 404
    assert browser.post(f"/notices/{notice.pk}/").status_code == 404
    assert Notice.objects.get(pk=notice.pk).read_at is None


def test_mark_all_read_marks_only_ones_own(gusu_officer, wujiang_officer, web_client_for):
    NoticeFactory.create_batch(2, recipient=gusu_officer)
    theirs = NoticeFactory(recipient=wujiang_officer)

    response = web_client_for(gusu_officer).post("/notices/", follow=True)

    assert response.redirect_chain == [("/notices/", 302)]
    assert not Notice.objects.filter(recipient=gusu_officer, read_at__isnull=True).exists()
    assert Notice.objects.get(pk=theirs.pk).read_at is None
    assert "notice-unread" not in response.content.decode()


def test_anonymous_is_sent_to_login(client, gusu_officer):
    notice = NoticeFactory(recipient=gusu_officer)
    for path in ("/notices/", f"/notices/{notice.pk}/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_a_statistics_client_has_no_notices_pages(stats_client, web_client_for):
    notice = NoticeFactory(recipient=stats_client)
    browser = web_client_for(stats_client)
    assert browser.get("/notices/").status_code == 404
    assert browser.get(f"/notices/{notice.pk}/").status_code == 404
    assert Notice.objects.get(pk=notice.pk).read_at is None


# --- the navigation bar's count -----------------------------------------------------------------------------


def test_the_unread_count_for_the_navigation_is_counted_only_when_shown(
    gusu_officer, wujiang_officer, django_assert_num_queries
):
    NoticeFactory.create_batch(2, recipient=gusu_officer)
    NoticeFactory(recipient=gusu_officer, read_at=timezone.now())
    NoticeFactory(recipient=wujiang_officer)
    request = RequestFactory().get("/")
    request.user = gusu_officer

    with django_assert_num_queries(0):
        context = unread_notices(request)
    with django_assert_num_queries(1):
        html = render_to_string("notices/nav_item.html", context, request=request)
        assert str(context["unread_notice_count"]) == "2"
    assert 'href="/notices/"' in html and ">2<" in html


def test_no_count_for_statistics_clients_or_when_all_is_read(stats_client, gusu_officer):
    request = RequestFactory().get("/")
    request.user = stats_client
    assert unread_notices(request) == {"unread_notice_count": 0}
    request.user = gusu_officer
    html = render_to_string("notices/nav_item.html", unread_notices(request), request=request)
    assert "badge" not in html
