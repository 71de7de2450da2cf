"""Who reaches what: every page and endpoint that exists, for every role, on its own and on foreign objects.

One test per role that may use a page or endpoint (asserting what that user sees), and tests that a foreign
user gets 404: out of jurisdiction looks exactly like "does not exist". Anonymous users are sent to the login
page (pages) or get 401 in the error shape (API). A statistics client reaches the statistics and nothing else.
"""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from suzhou_childcare.accounts.services import account_set_id_number
from suzhou_childcare.outbox.services import job_create
from suzhou_childcare.regions.models import District
from suzhou_childcare.regions.services import district_population_set

pytestmark = pytest.mark.django_db

GUSU = "320508"
WUJIANG = "320509"
ERROR_KEYS = {"code", "message", "fields", "clause"}
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
ALL_USERNAMES = {
    "city_admin",
    "gusu_officer",
    "wujiang_officer",
    "gusu_inspector",
    "city_inspector",
    "operator",
    "training_base",
    "mch_assessor",
    "stats_client",
}
ID_NUMBER = "11010519491231002X"


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["message"]
    if code is not None:
        assert body["code"] == code
    return body


@pytest.fixture
def population_changes(db):
    """One audited change on 姑苏区 and one on 吴江区, so their histories are not empty."""
    for code, population in ((GUSU, 925000), (WUJIANG, 1560000)):
        district_population_set(
            actor=None,
            district=District.objects.get(code=code),
            year=2021,
            population=population,
            status="official",
            source="test",
        )


@pytest.fixture
def web(users, web_client_for):
    """A logged-in browser for a role name of the `users` fixture; 500s come back as responses."""

    def make(role: str):
        client = web_client_for(users[role])
        client.raise_request_exception = False
        return client

    return make


@pytest.fixture
def api(users, api_client_for):
    def make(role: str) -> APIClient:
        client = api_client_for(users[role])
        client.raise_request_exception = False
        return client

    return make


@pytest.fixture
def paths(users, population_changes):
    """Every page and API path with real objects in it (the 姑苏 officer's account, a job of theirs)."""
    officer = users["district_officer"]
    job = job_create(kind="export", title="姑苏区导出", owner=officer)
    ids = {"gusu": GUSU, "officer": officer.pk, "job": job.pk}
    pages = [
        "/",
        "/regions/",
        "/regions/{gusu}/",
        "/accounts/",
        "/accounts/{officer}/reveal/",
        "/history/regions.district/{gusu}/",
        "/history/accounts.user/{officer}/",
        "/jobs/{job}/",
    ]
    apis = [
        "/api/v1/me/",
        "/api/v1/regions/districts/",
        "/api/v1/regions/districts/{gusu}/",
        "/api/v1/history/regions.district/{gusu}/",
        "/api/v1/history/accounts.user/{officer}/",
        "/api/v1/jobs/{job}/",
        "/api/v1/statistics/population/",
        "/api/schema/",
    ]
    return {"pages": [p.format(**ids) for p in pages], "api": [p.format(**ids) for p in apis]}


# --- anonymous ----------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_from_every_page(client, paths):
    for path in paths["pages"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next="), path


def test_anonymous_gets_401_in_the_error_shape_from_every_endpoint(paths):
    anonymous = APIClient()
    for path in paths["api"]:
        # The schema view answers YAML unless asked for JSON, as an API client would.
        response = anonymous.get(path, HTTP_ACCEPT="application/json")
        assert_error(response, 401, "not_authenticated")


def test_anonymous_with_an_invalid_token_gets_401():
    anonymous = APIClient()
    anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(anonymous.get("/api/v1/me/"), 401, "authentication_failed")


# --- the statistics client ----------------------------------------------------------------------------------


def test_statistics_client_gets_404_on_every_page(users, web_client_for, paths):
    browser = web_client_for(users["statistics_client"])
    for path in paths["pages"]:
        assert browser.get(path).status_code == 404, path


def test_statistics_client_cannot_log_in_to_the_web_portal(client, users, password):
    response = client.post("/accounts/login/", {"username": "stats_client", "password": password})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/regions/districts/",
        f"/api/v1/regions/districts/{GUSU}/",
        f"/api/v1/history/regions.district/{GUSU}/",
    ],
)
def test_statistics_client_gets_404_on_non_statistics_endpoints(api, population_changes, path):
    assert_error(api("statistics_client").get(path), 404, "not_found")


def test_statistics_client_gets_404_on_account_history_and_its_own_job(api, users):
    client = api("statistics_client")
    own = users["statistics_client"]
    job = job_create(kind="export", title="统计导出", owner=own)
    assert_error(client.get(f"/api/v1/history/accounts.user/{own.pk}/"), 404, "not_found")
    assert_error(client.get(f"/api/v1/jobs/{job.pk}/"), 404, "not_found")


def test_statistics_client_gets_404_on_the_schema(api):
    response = api("statistics_client").get("/api/schema/", HTTP_ACCEPT="application/json")
    assert_error(response, 404, "not_found")


def test_statistics_client_reads_population_statistics(api):
    response = api("statistics_client").get("/api/v1/statistics/population/?year=2020")
    assert response.status_code == 200
    body = response.json()
    assert body["city_population"] == 12_748_262
    assert len(body["units"]) == 10


def test_statistics_client_reads_who_it_is(api):
    response = api("statistics_client").get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["role"] == "statistics_client"


# --- home page ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("city_admin", ["姑苏区", "吴江区", "常熟市"], []),
        ("citywide_inspector", ["姑苏区", "吴江区", "常熟市"], []),
        ("district_officer", ["姑苏区"], ["吴江区", "常熟市"]),
        ("wujiang_officer", ["吴江区"], ["姑苏区", "常熟市"]),
        ("inspector", ["姑苏区"], ["吴江区", "常熟市"]),
        ("operator", [], ["姑苏区", "吴江区"]),
        ("training_base", ["苏州市托育人才培训基地"], ["姑苏区", "吴江区"]),
        ("mch_assessor", ["苏州市妇幼保健院"], ["姑苏区", "吴江区"]),
    ],
)
def test_home_shows_each_role_its_own_jurisdiction(web, role, shown, hidden):
    # An operator's home is the list of their own facilities (a redirect); everyone else's is "/".
    response = web(role).get("/", follow=True)
    assert response.status_code == 200
    content = response.content.decode()
    for text in shown:
        assert text in content
    for text in hidden:
        assert text not in content


# --- /regions/ ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["city_admin", "citywide_inspector"])
def test_city_wide_roles_see_all_ten_units(web, role):
    response = web(role).get("/regions/")
    assert response.status_code == 200
    assert len(response.context["districts"]) == 10
    content = response.content.decode()
    assert "姑苏区" in content
    assert "吴江区" in content


@pytest.mark.parametrize(
    ("role", "own", "foreign"), [("district_officer", GUSU, "吴江区"), ("inspector", GUSU, "吴江区")]
)
def test_unit_roles_are_taken_from_the_list_to_their_own_unit(web, role, own, foreign):
    client = web(role)
    response = client.get("/regions/")
    assert response.status_code == 302
    assert response["Location"] == f"/regions/{own}/"
    page = client.get(response["Location"])
    assert "姑苏区" in page.content.decode()
    assert foreign not in page.content.decode()


@pytest.mark.parametrize("role", ["operator", "training_base", "mch_assessor"])
def test_roles_without_territory_see_no_unit_in_the_list(web, role):
    response = web(role).get("/regions/")
    assert response.status_code == 200
    assert list(response.context["districts"]) == []
    assert "姑苏区" not in response.content.decode()


# --- /regions/<code>/ ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "code", "name"),
    [
        ("city_admin", WUJIANG, "吴江区"),
        ("citywide_inspector", WUJIANG, "吴江区"),
        ("district_officer", GUSU, "姑苏区"),
        ("wujiang_officer", WUJIANG, "吴江区"),
        ("inspector", GUSU, "姑苏区"),
    ],
)
def test_unit_page_for_roles_that_answer_for_it(web, role, code, name):
    response = web(role).get(f"/regions/{code}/")
    assert response.status_code == 200
    assert response.context["district"].code == code
    assert name in response.content.decode()


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("district_officer", WUJIANG),
        ("wujiang_officer", GUSU),
        ("inspector", WUJIANG),
        ("operator", GUSU),
        ("training_base", GUSU),
        ("mch_assessor", GUSU),
        ("city_admin", "999999"),
    ],
)
def test_unit_page_of_a_foreign_or_unknown_unit_is_404(web, role, code):
    response = web(role).get(f"/regions/{code}/")
    assert response.status_code == 404
    name = {GUSU: "姑苏区", WUJIANG: "吴江区"}.get(code)
    if name:
        assert name not in response.content.decode()


# --- /accounts/ ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("city_admin", ALL_USERNAMES),
        ("district_officer", {"gusu_officer", "gusu_inspector"}),
        ("wujiang_officer", {"wujiang_officer"}),
        ("inspector", {"gusu_inspector"}),
        ("citywide_inspector", {"city_inspector"}),
        ("operator", {"operator"}),
        ("training_base", {"training_base"}),
        ("mch_assessor", {"mch_assessor"}),
    ],
)
def test_account_list_shows_only_accounts_in_jurisdiction(web, role, visible):
    response = web(role).get("/accounts/")
    assert response.status_code == 200
    assert {account.username for account, _masked in response.context["rows"]} == visible


def test_account_list_of_the_gusu_officer_does_not_show_wujiang_accounts(web):
    content = web("district_officer").get("/accounts/").content.decode()
    assert "gusu_inspector" in content
    assert "wujiang_officer" not in content


# --- /accounts/<pk>/reveal/ ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("city_admin", "wujiang_officer"),
        ("district_officer", "inspector"),
        ("district_officer", "district_officer"),
        ("wujiang_officer", "wujiang_officer"),
    ],
)
def test_reveal_page_for_roles_that_may_unmask(web, users, role, target):
    account = users[target]
    account_set_id_number(actor=None, user=account, id_number=ID_NUMBER)
    response = web(role).get(f"/accounts/{account.pk}/reveal/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "1101**********002X" in content
    assert ID_NUMBER not in content


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("district_officer", "wujiang_officer"),
        ("wujiang_officer", "district_officer"),
        ("district_officer", "city_admin"),
        ("inspector", "inspector"),
        ("citywide_inspector", "citywide_inspector"),
        ("operator", "operator"),
        ("training_base", "training_base"),
        ("mch_assessor", "mch_assessor"),
        ("inspector", "district_officer"),
    ],
)
def test_reveal_of_a_foreign_account_or_without_the_right_is_404(web, users, role, target):
    from suzhou_childcare.audit.models import AuditEntry

    account = users[target]
    account_set_id_number(actor=None, user=account, id_number=ID_NUMBER)
    client = web(role)
    assert client.get(f"/accounts/{account.pk}/reveal/").status_code == 404
    response = client.post(f"/accounts/{account.pk}/reveal/", {"reason": "核查实名信息"})
    assert response.status_code == 404
    assert ID_NUMBER not in response.content.decode()
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()


# --- /history/<label>/<id>/ ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("city_admin", GUSU),
        ("citywide_inspector", WUJIANG),
        ("district_officer", GUSU),
        ("wujiang_officer", WUJIANG),
        ("inspector", GUSU),
    ],
)
def test_unit_history_page_for_roles_that_see_the_unit(web, population_changes, role, code):
    response = web(role).get(f"/history/regions.district/{code}/")
    assert response.status_code == 200
    assert "region.population_set" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("district_officer", WUJIANG),
        ("wujiang_officer", GUSU),
        ("inspector", WUJIANG),
        ("operator", GUSU),
        ("training_base", GUSU),
        ("mch_assessor", GUSU),
    ],
)
def test_unit_history_page_of_a_foreign_unit_is_404(web, population_changes, role, code):
    response = web(role).get(f"/history/regions.district/{code}/")
    assert response.status_code == 404
    assert "region.population_set" not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("city_admin", "district_officer"),
        ("district_officer", "inspector"),
        ("wujiang_officer", "wujiang_officer"),
        ("inspector", "inspector"),
        ("citywide_inspector", "citywide_inspector"),
    ],
)
def test_account_history_page_for_roles_that_see_the_account(web, users, role, target):
    account = users[target]
    account_set_id_number(actor=users["city_admin"], user=account, id_number=ID_NUMBER)
    response = web(role).get(f"/history/accounts.user/{account.pk}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "account.set_id_number" in content
    assert "1101**********002X" in content
    assert ID_NUMBER not in content


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("wujiang_officer", "district_officer"),
        ("district_officer", "wujiang_officer"),
        ("district_officer", "city_admin"),
        ("inspector", "district_officer"),
        ("citywide_inspector", "district_officer"),
        ("operator", "operator"),
        ("training_base", "training_base"),
        ("mch_assessor", "mch_assessor"),
    ],
)
def test_account_history_page_of_a_foreign_account_is_404(web, users, role, target):
    account = users[target]
    account_set_id_number(actor=users["city_admin"], user=account, id_number=ID_NUMBER)
    response = web(role).get(f"/history/accounts.user/{account.pk}/")
    assert response.status_code == 404
    assert "account.set_id_number" not in response.content.decode()


def test_history_page_of_an_unknown_kind_of_object_is_404(web):
    assert web("city_admin").get(f"/history/facilities.nothing/{GUSU}/").status_code == 404


def test_account_history_page_with_a_malformed_id_is_404(web):
    assert web("city_admin").get("/history/accounts.user/abc/").status_code == 404


# --- /jobs/<uuid>/ ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", WEB_ROLES)
def test_job_page_shows_the_owner_their_job(web, users, role):
    job = job_create(kind="export", title="我的导出任务", owner=users[role])
    response = web(role).get(f"/jobs/{job.pk}/")
    assert response.status_code == 200
    assert "我的导出任务" in response.content.decode()


def test_city_admin_sees_any_job_page(web, users):
    job = job_create(kind="export", title="姑苏区导出", owner=users["district_officer"])
    response = web("city_admin").get(f"/jobs/{job.pk}/")
    assert response.status_code == 200
    assert "姑苏区导出" in response.content.decode()


@pytest.mark.parametrize("role", [r for r in WEB_ROLES if r not in {"city_admin", "district_officer"}])
def test_job_page_of_another_users_job_is_404(web, users, role):
    job = job_create(kind="export", title="姑苏区导出", owner=users["district_officer"])
    response = web(role).get(f"/jobs/{job.pk}/")
    assert response.status_code == 404
    assert "姑苏区导出" not in response.content.decode()


def test_job_page_of_an_unknown_job_is_404(web):
    assert web("city_admin").get(f"/jobs/{uuid.uuid4()}/").status_code == 404


# --- API: /api/v1/me/ ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("city_admin", {"username": "city_admin", "role": "city_admin", "district": None, "is_citywide": False}),
        ("district_officer", {"username": "gusu_officer", "role": "district_officer", "district": GUSU}),
        ("wujiang_officer", {"username": "wujiang_officer", "role": "district_officer", "district": WUJIANG}),
        ("inspector", {"username": "gusu_inspector", "role": "inspector", "district": GUSU, "is_citywide": False}),
        ("citywide_inspector", {"role": "inspector", "district": None, "is_citywide": True}),
        ("operator", {"username": "operator", "role": "operator", "district": None}),
        ("training_base", {"username": "training_base", "role": "training_base"}),
        ("mch_assessor", {"username": "mch_assessor", "role": "mch_assessor"}),
        ("statistics_client", {"username": "stats_client", "role": "statistics_client", "district": None}),
    ],
)
def test_me_tells_each_role_who_it_is(api, role, expected):
    response = api(role).get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in expected} == expected
    assert body["role_display"]


# --- API: /api/v1/regions/districts/ ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "codes"),
    [
        ("city_admin", None),
        ("citywide_inspector", None),
        ("district_officer", [GUSU]),
        ("wujiang_officer", [WUJIANG]),
        ("inspector", [GUSU]),
        ("operator", []),
        ("training_base", []),
        ("mch_assessor", []),
    ],
)
def test_district_list_api_is_scoped_to_jurisdiction(api, role, codes):
    response = api(role).get("/api/v1/regions/districts/")
    assert response.status_code == 200
    body = response.json()
    got = [row["code"] for row in body["results"]]
    if codes is None:
        assert body["count"] == 10
        assert GUSU in got
        assert WUJIANG in got
    else:
        assert got == codes
        assert body["count"] == len(codes)


def test_gusu_officer_district_list_names_gusu_and_not_wujiang(api):
    names = [row["name"] for row in api("district_officer").get("/api/v1/regions/districts/").json()["results"]]
    assert names == ["姑苏区"]


# --- API: /api/v1/regions/districts/<code>/ -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "code", "name"),
    [
        ("city_admin", WUJIANG, "吴江区"),
        ("citywide_inspector", GUSU, "姑苏区"),
        ("district_officer", GUSU, "姑苏区"),
        ("wujiang_officer", WUJIANG, "吴江区"),
        ("inspector", GUSU, "姑苏区"),
    ],
)
def test_district_detail_api_for_roles_that_answer_for_it(api, role, code, name):
    response = api(role).get(f"/api/v1/regions/districts/{code}/")
    assert response.status_code == 200
    assert response.json()["code"] == code
    assert response.json()["name"] == name


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("district_officer", WUJIANG),
        ("wujiang_officer", GUSU),
        ("inspector", WUJIANG),
        ("operator", GUSU),
        ("training_base", GUSU),
        ("mch_assessor", GUSU),
        ("city_admin", "999999"),
    ],
)
def test_district_detail_api_of_a_foreign_or_unknown_unit_is_404(api, role, code):
    body = assert_error(api(role).get(f"/api/v1/regions/districts/{code}/"), 404, "not_found")
    assert "name" not in body


# --- API: /api/v1/history/<label>/<id>/ ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("city_admin", WUJIANG),
        ("citywide_inspector", GUSU),
        ("district_officer", GUSU),
        ("wujiang_officer", WUJIANG),
        ("inspector", GUSU),
    ],
)
def test_unit_history_api_for_roles_that_see_the_unit(api, population_changes, role, code):
    response = api(role).get(f"/api/v1/history/regions.district/{code}/")
    assert response.status_code == 200
    actions = [entry["action"] for entry in response.json()["results"]]
    assert actions == ["region.population_set"]


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("district_officer", WUJIANG),
        ("wujiang_officer", GUSU),
        ("inspector", WUJIANG),
        ("operator", GUSU),
        ("training_base", GUSU),
        ("mch_assessor", GUSU),
    ],
)
def test_unit_history_api_of_a_foreign_unit_is_404(api, population_changes, role, code):
    assert_error(api(role).get(f"/api/v1/history/regions.district/{code}/"), 404, "not_found")


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("city_admin", "district_officer"),
        ("district_officer", "inspector"),
        ("wujiang_officer", "wujiang_officer"),
        ("inspector", "inspector"),
        ("citywide_inspector", "citywide_inspector"),
    ],
)
def test_account_history_api_for_roles_that_see_the_account(api, users, role, target):
    account = users[target]
    account_set_id_number(actor=users["city_admin"], user=account, id_number=ID_NUMBER)
    response = api(role).get(f"/api/v1/history/accounts.user/{account.pk}/")
    assert response.status_code == 200
    entries = response.json()["results"]
    assert "account.set_id_number" in [entry["action"] for entry in entries]
    assert ID_NUMBER not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("wujiang_officer", "district_officer"),
        ("district_officer", "wujiang_officer"),
        ("district_officer", "city_admin"),
        ("inspector", "district_officer"),
        ("citywide_inspector", "district_officer"),
        ("operator", "operator"),
        ("training_base", "training_base"),
        ("mch_assessor", "mch_assessor"),
    ],
)
def test_account_history_api_of_a_foreign_account_is_404(api, users, role, target):
    account = users[target]
    account_set_id_number(actor=users["city_admin"], user=account, id_number=ID_NUMBER)
    assert_error(api(role).get(f"/api/v1/history/accounts.user/{account.pk}/"), 404, "not_found")


def test_history_api_of_an_unknown_kind_of_object_is_404(api):
    assert_error(api("city_admin").get(f"/api/v1/history/facilities.nothing/{GUSU}/"), 404, "not_found")


def test_account_history_api_with_a_malformed_id_is_404(api):
    assert_error(api("city_admin").get("/api/v1/history/accounts.user/abc/"), 404, "not_found")


# --- API: /api/v1/jobs/<uuid>/ ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", WEB_ROLES)
def test_job_api_gives_the_owner_their_job(api, users, role):
    job = job_create(kind="export", title="我的导出任务", owner=users[role], total=4)
    response = api(role).get(f"/api/v1/jobs/{job.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(job.pk)
    assert body["title"] == "我的导出任务"
    assert body["status"] == "queued"
    assert body["percent"] == 0


def test_city_admin_reads_any_job(api, users):
    job = job_create(kind="export", title="姑苏区导出", owner=users["district_officer"])
    response = api("city_admin").get(f"/api/v1/jobs/{job.pk}/")
    assert response.status_code == 200
    assert response.json()["title"] == "姑苏区导出"


@pytest.mark.parametrize("role", [r for r in WEB_ROLES if r not in {"city_admin", "district_officer"}])
def test_job_api_of_another_users_job_is_404(api, users, role):
    job = job_create(kind="export", title="姑苏区导出", owner=users["district_officer"])
    body = assert_error(api(role).get(f"/api/v1/jobs/{job.pk}/"), 404, "not_found")
    assert "title" not in body


def test_job_api_of_an_unknown_job_is_404(api):
    assert_error(api("city_admin").get(f"/api/v1/jobs/{uuid.uuid4()}/"), 404, "not_found")


# --- API: /api/v1/statistics/population/ --------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    ["city_admin", "district_officer", "wujiang_officer", "inspector", "citywide_inspector", "statistics_client"],
)
def test_population_statistics_for_roles_that_read_statistics(api, role):
    response = api(role).get("/api/v1/statistics/population/?year=2020")
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2020
    assert body["city_population"] == 12_748_262
    assert {unit["name"] for unit in body["units"]} >= {"姑苏区", "吴江区"}


@pytest.mark.parametrize("role", ["operator", "training_base", "mch_assessor"])
def test_population_statistics_is_403_for_roles_without_statistics(api, role):
    body = assert_error(api(role).get("/api/v1/statistics/population/?year=2020"), 403, "permission_denied")
    assert "city_population" not in body


# --- API: /api/schema/ --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["city_admin", "district_officer"])
def test_schema_for_staff(api, role):
    response = api(role).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/regions/districts/" in schema["paths"]
    assert "/api/v1/statistics/population/" in schema["paths"]


def test_schema_describes_each_response_body_with_its_own_fields(api):
    schema = api("city_admin").get("/api/schema/", HTTP_ACCEPT="application/json").json()

    def response_fields(path: str, method: str) -> set[str]:
        ref = schema["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        return set(schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"])

    assert "role" in response_fields("/api/v1/me/", "get")
    assert "token" in response_fields("/api/v1/auth/token/", "post")
    assert "city_population" in response_fields("/api/v1/statistics/population/", "get")
