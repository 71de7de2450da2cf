"""REST: GET /api/v1/notices/ (own, newest first, cursor pages) and POST /api/v1/notices/{id}/read/."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from suzhou_childcare.notices.models import Notice

from .factories import NoticeFactory

# The root api_v1 list does not include the notices endpoints yet; this URLconf adds them (see its docstring).

ERROR_KEYS = {"code", "message", "fields", "clause"}
PORTAL_ROLES = [
    "city_admin",
    "district_officer",
    "wujiang_officer",
    "inspector",
    "citywide_inspector",
    "operator",
    "training_base",
    "mch_assessor",
]


@pytest.mark.parametrize("role", PORTAL_ROLES)
def test_every_portal_user_lists_their_own_notices(users, api_client_for, role):
    user = users[role]
    other = users["operator" if role != "operator" else "city_admin"]
    mine = NoticeFactory(recipient=user, title="您的备案已登记", link="/facilities/7/")
    NoticeFactory(recipient=other, title="别人的通知")

    response = api_client_for(user).get("/api/v1/notices/")

    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [mine.pk]
    assert body["results"][0] == {
        "id": mine.pk,
        "kind": "filing.submitted",
        "title": "您的备案已登记",
        "body": mine.body,
        "link": "/facilities/7/",
        "created_at": body["results"][0]["created_at"],
        "read_at": None,
    }


def test_the_list_is_newest_first_in_stable_cursor_pages(operator, api_client_for):
    start = timezone.now() - timedelta(hours=1)
    for minutes in range(5):
        NoticeFactory(recipient=operator, created_at=start + timedelta(minutes=minutes))
    client = api_client_for(operator)
    expected = list(Notice.objects.order_by("-created_at", "-id").values_list("pk", flat=True))

    first = client.get("/api/v1/notices/?page_size=3").json()
    # A notice arriving while the user pages does not shift the next page.
    NoticeFactory(recipient=operator)
    second = client.get(first["next"]).json()

    assert [row["id"] for row in first["results"] + second["results"]] == expected
    assert second["next"] is None


def test_the_list_queries_do_not_grow_with_the_page_size(operator, api_client_for):
    NoticeFactory.create_batch(20, recipient=operator)
    client = api_client_for(operator)

    def measure(url: str) -> tuple[int, int]:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        return len(captured.captured_queries), len(response.json()["results"])

    small, small_rows = measure("/api/v1/notices/?page_size=2")
    large, large_rows = measure("/api/v1/notices/?page_size=20")
    assert (small_rows, large_rows) == (2, 20)
    assert small == large


def test_marking_read_answers_the_notice_and_keeps_the_first_time(operator, api_client_for):
    notice = NoticeFactory(recipient=operator)
    client = api_client_for(operator)

    response = client.post(f"/api/v1/notices/{notice.pk}/read/")

    assert response.status_code == 200
    assert response.json()["id"] == notice.pk and response.json()["read_at"] is not None
    first = Notice.objects.get(pk=notice.pk).read_at
    assert first is not None
    assert client.post(f"/api/v1/notices/{notice.pk}/read/").status_code == 200
    assert Notice.objects.get(pk=notice.pk).read_at == first


def test_someone_elses_notice_is_404_and_stays_unread(gusu_officer, wujiang_officer, api_client_for):
    notice = NoticeFactory(recipient=gusu_officer)
    response = api_client_for(wujiang_officer).post(f"/api/v1/notices/{notice.pk}/read/")
    assert response.status_code == 404
    body = response.json()
    assert set(body) == ERROR_KEYS and body["code"] == "not_found"
    assert Notice.objects.get(pk=notice.pk).read_at is None


def test_read_is_post_only(operator, api_client_for):
    notice = NoticeFactory(recipient=operator)
    response = api_client_for(operator).get(f"/api/v1/notices/{notice.pk}/read/")
    assert response.status_code == 405
    assert Notice.objects.get(pk=notice.pk).read_at is None


def test_a_statistics_client_gets_404(stats_client, api_client_for):
    notice = NoticeFactory(recipient=stats_client)
    client = api_client_for(stats_client)
    assert client.get("/api/v1/notices/").status_code == 404
    assert client.post(f"/api/v1/notices/{notice.pk}/read/").status_code == 404
    assert Notice.objects.get(pk=notice.pk).read_at is None


def test_anonymous_gets_401_in_the_error_shape(operator):
    notice = NoticeFactory(recipient=operator)
    for response in (
        APIClient().get("/api/v1/notices/"),
        APIClient().post(f"/api/v1/notices/{notice.pk}/read/"),
    ):
        assert response.status_code == 401
        assert set(response.json()) == ERROR_KEYS


def test_the_endpoints_are_in_the_api_schema(city_admin, api_client_for):
    schema = api_client_for(city_admin).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/notices/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/notices/{id}/read/"]
