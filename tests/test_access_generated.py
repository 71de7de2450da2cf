"""The access matrix, generated from the URL configuration (issue #11).

Every URLPattern of the project (pages and /api/v1/) is one test. Each test requests its route as every role
(and anonymously), with its object arguments filled once from the 姑苏 side of the world and once from the 吴江
side (or, for objects that belong to an account, once with the user's own and once with a stranger's), with GET
and with the unsafe methods the view declares, an empty body each time. It asserts:

- no 5xx, for any role, object and method;
- anonymous: the login page (pages) or 401 (API), except for the public pages;
- a foreign object (out of the role's jurisdiction, another operator's, another institution's, another
  account's) is 404, never 200 or 403, whatever the method;
- a refused write (4xx, anonymous, foreign object) changes nothing: no audit entry, the same row counts;
- an API list ({"results": [...]}) read by a role with a territory (unit officer, unit inspector, operator) holds
  no row of another unit or another operator's facility;
- PATCH/PUT with read-only fields (id, created_at, status, district...) leave them as they were.

The world is built once per module (inside a transaction that is rolled back at the end); each test runs inside
a savepoint of its own, so a write that one route accepts does not leak into the next. A route with an argument
the walker cannot fill must be listed in SKIP with its reason: a new route that is neither fails
`test_every_route_is_filled_or_skipped`.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from facilities.models import (
    BuildProject,
    CoordinationCase,
    CriteriaSet,
    Facility,
    Material,
    Recognition,
    RecognitionApplication,
)
from facilities.views.filing import STEP_NAMES
from inspections.models import (
    AssessmentScheme,
    Complaint,
    Evidence,
    Incident,
    Inspection,
    InspectionPlan,
    Penalty,
    QualityAssessment,
    RectificationOrder,
    SelfInspection,
)
from subsidies.models import EnrolmentReport, PaymentBatch, RuleSet, Statement
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.accounts.services import api_token_issue
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.audit.registry import _SCOPES as HISTORY_LABELS
from suzhou_childcare.notices.models import Notice
from suzhou_childcare.outbox.services import job_create
from training.models import AwardApplication, AwardRule, Competition, CompetitionEntry, Course, Institution, Session

from .accounts.factories import UserFactory, district
from .conftest import reload_reference_data
from .facilities.recognition_helpers import granted
from .inspections.factories import finding_on, inspection_of, upload
from .urlwalk import Route, combinations, fill, walk

GUSU = "320508"
WUJIANG = "320509"
SIDES = ("gusu", "wujiang")
ROLES = (
    "city_admin",
    "district_officer",
    "wujiang_officer",
    "inspector",
    "citywide_inspector",
    "operator",
    "training_base",
    "mch_assessor",
    "statistics_client",
)

# Routes left out of the matrix, with the reason. Everything else is requested.
SKIP = {
    r"^admin/": "Django admin: read-only domain data for superusers, crawled by test_no_full_id_numbers",
    r"^api/schema/$": "the OpenAPI schema: covered by test_access_matrix and the schemathesis run",
    r"^api/docs/$": "Swagger UI for the schema: a static page around /api/schema/",
    r"^static/|^media/": "static files and uploads are served by the web server, not by a view",
}

# Pages and endpoints anyone may use without logging in (anonymous gets them, never a login redirect).
PUBLIC = re.compile(
    r"^(healthz|verify/|public/|accounts/login/|accounts/logout/|accounts/language/|facilities/signup/"
    r"|api/v1/auth/token/$)"
)

# Routes with object arguments that no role of the matrix reaches with the world's objects, with the reason.
UNREACHED: dict[str, str] = {}

# What anonymous GET answers on the public routes that are not plain pages (everything else: 200).
PUBLIC_GET = {
    "accounts/logout/": 405,  # logging out is a POST
    "accounts/language/": 405,  # choosing the language is a POST (the form on every page)
    "api/v1/auth/token/": 405,  # a token is obtained with a POST
}

# Who cannot see which side of an anchor. "facility": things of a facility (the 姑苏 one runs by `operator`,
# the 吴江 one by another operator); "district": things of a unit without a facility (plans, complaints, rule
# sets, batches, projects, the unit itself); "institution": training institutions (the 姑苏 side is the one
# whose accounts are `training_base` and `mch_assessor`).
BOTH = frozenset(SIDES)
FOREIGN = {
    "facility": {
        "city_admin": frozenset(),
        "citywide_inspector": frozenset(),
        "district_officer": frozenset({"wujiang"}),
        "inspector": frozenset({"wujiang"}),
        "wujiang_officer": frozenset({"gusu"}),
        "operator": frozenset({"wujiang"}),
        "training_base": BOTH,
        "mch_assessor": BOTH,
        "statistics_client": BOTH,
    },
    "district": {
        "city_admin": frozenset(),
        "citywide_inspector": frozenset(),
        "district_officer": frozenset({"wujiang"}),
        "inspector": frozenset({"wujiang"}),
        "wujiang_officer": frozenset({"gusu"}),
        "operator": BOTH,
        "training_base": BOTH,
        "mch_assessor": BOTH,
        "statistics_client": BOTH,
    },
    "institution": {
        "city_admin": frozenset(),
        "district_officer": frozenset(),
        "wujiang_officer": frozenset(),
        "training_base": frozenset({"wujiang"}),
        "mch_assessor": frozenset({"wujiang"}),
        "inspector": BOTH,
        "citywide_inspector": BOTH,
        "operator": BOTH,
        "statistics_client": BOTH,
    },
}

# Object kinds: (anchor, the argument's value on one side). Anchors "facility", "district", "institution" have
# a 姑苏 and a 吴江 side; "account" kinds (a user's own jobs, notices, tokens) are the role's own or a
# stranger's; "city" and "public" kinds have no foreign side.
KINDS = {
    "facility": "facility",
    "material": "facility",
    "case": "facility",
    "recognition": "facility",
    "application": "facility",
    "inspection": "facility",
    "finding": "facility",
    "evidence": "facility",
    "order": "facility",
    "penalty": "facility",
    "assessment": "facility",
    "self_inspection": "facility",
    "incident": "facility",
    "award": "facility",
    "entry": "facility",
    "report": "facility",
    "statement": "facility",
    "district": "district",
    "project": "district",
    "plan": "district",
    "complaint": "district",
    "batch": "district",
    "rule_set": "district",
    # An operator sees the competitions of the unit their facility is in (competition_scope_for), as a
    # facility's things: so a competition of 姑苏区 is on the facility side of 姑苏.
    "competition": "facility",
    "session": "institution",
    "course": "institution",
    "account": "account",
    "token": "account",
    "job": "account",
    "import_job": "account",
    "notice": "account",
    "criteria_set": "city",
    "year": "city",
    "step": "city",
    "action": "city",
    "filing_number": "public",
    "recognition_number": "public",
    "public_facility": "public",
    "tracking_code": "public",
}

# Which argument of which route is which kind of object: (route regex, {argument: kind}), first match wins.
FILLERS = [
    (r"^accounts/<int:pk>/", {"pk": "account"}),
    (r"^accounts/tokens/<int:pk>/", {"pk": "token"}),
    (r"^api/v1/auth/tokens/<int:pk>/", {"pk": "token"}),
    (r"^(api/v1/)?regions/(districts/)?<str:code>/", {"code": "district"}),
    (r"^(api/v1/)?jobs/<uuid:job_id>/", {"job_id": "job"}),
    (r"^facilities/import/jobs/<uuid:job_id>/", {"job_id": "import_job"}),
    (r"^workdays/<int:year>/", {"year": "year"}),
    (r"^facilities/<int:pk>/file/<str:step>/", {"pk": "facility", "step": "step"}),
    (r"^facilities/<int:pk>/do/<str:action>/", {"pk": "facility", "action": "action"}),
    (r"^facilities/<int:pk>/", {"pk": "facility"}),
    (r"^api/v1/facilities/<int:pk>/materials/<int:material_pk>/", {"pk": "facility", "material_pk": "material"}),
    (r"^api/v1/facilities/(<int:pk>|\(\?P<pk>)", {"pk": "facility"}),
    (r"^[\w/-]+/<int:facility_pk>/", {"facility_pk": "facility"}),
    (r"^facilities/cases/<int:pk>/", {"pk": "case"}),
    (r"^(api/v1/)?notices/<int:pk>/", {"pk": "notice"}),
    (r"^verify/<str:number>/", {"number": "filing_number"}),
    (r"^public/recognitions/<str:number>/", {"number": "recognition_number"}),
    (r"^public/facilities/<int:pk>/", {"pk": "public_facility"}),
    (r"^public/complaints/done/<str:code>/", {"code": "tracking_code"}),
    (r"^recognitions/applications/<int:pk>/do/<str:action>/", {"pk": "application", "action": "action"}),
    (r"^recognitions/applications/<int:pk>/", {"pk": "application"}),
    (r"^api/v1/recognition-applications/<int:pk>/", {"pk": "application"}),
    (r"^recognitions/criteria/<int:pk>/", {"pk": "criteria_set"}),
    (r"^recognitions/projects/<int:pk>/", {"pk": "project"}),
    (r"^api/v1/build-projects/<int:pk>/", {"pk": "project"}),
    (r"^recognitions/<int:pk>/do/<str:action>/", {"pk": "recognition", "action": "action"}),
    (r"^(api/v1/)?recognitions/(<int:pk>|\(\?P<pk>)", {"pk": "recognition"}),
    (r"^(supervision|api/v1)/inspections/<int:pk>/", {"pk": "inspection"}),
    (r"^supervision/findings/<int:pk>/", {"pk": "finding"}),
    (r"^(supervision|api/v1)/evidence/<int:pk>/", {"pk": "evidence"}),
    (r"^(supervision|api/v1)/rectifications/<int:pk>/", {"pk": "order"}),
    (r"^(supervision|api/v1)/penalties/<int:pk>/", {"pk": "penalty"}),
    (r"^supervision/plans/assessments/<int:pk>/", {"pk": "assessment"}),
    (r"^api/v1/assessments/<int:pk>/", {"pk": "assessment"}),
    (r"^(supervision/plans|api/v1/inspection-plans)/<int:pk>/", {"pk": "plan"}),
    (r"^(supervision|api/v1)/complaints/<int:pk>/", {"pk": "complaint"}),
    (r"^(supervision|api/v1)/self-inspections/<int:pk>/", {"pk": "self_inspection"}),
    (r"^(supervision|api/v1)/incidents/<int:pk>/", {"pk": "incident"}),
    (r"^(api/v1/)?training/sessions/<int:pk>/", {"pk": "session"}),
    (r"^(api/v1/)?training/courses/<int:pk>/", {"pk": "course"}),
    (r"^(api/v1/)?training/awards/<int:pk>/", {"pk": "award"}),
    (r"^(api/v1/)?training/competitions/entries/<int:pk>/", {"pk": "entry"}),
    (r"^(api/v1/)?training/competitions/<int:pk>/", {"pk": "competition"}),
    (r"^subsidies/reports/<int:pk>/|^api/v1/subsidies/reports/<int:pk>/", {"pk": "report"}),
    (r"^(api/v1/)?subsidies/statements/<int:pk>/", {"pk": "statement"}),
    (r"^(api/v1/)?subsidies/batches/<int:pk>/", {"pk": "batch"}),
    (r"^subsidies/rules/<int:pk>/|^api/v1/subsidies/rule-sets/<int:pk>/", {"pk": "rule_set"}),
]

# The values of the `action` and `step` arguments that the views know (a regex's alternatives are used as is).
ACTIONS = {
    "facilities/<int:pk>/do/<str:action>/": [
        "submit",
        "record",
        "reject",
        "verify",
        "cancel",
        "start_draft",
        "start_change",
    ],
    "recognitions/<int:pk>/do/<str:action>/": ["suspend", "reinstate", "revoke"],
    "recognitions/applications/<int:pk>/do/<str:action>/": ["review", "decide", "withdraw"],
}

# History pages: the kind of object behind each registered label.
HISTORY_KINDS = {
    "facilities.facility": "facility",
    "facilities.buildproject": "project",
    "facilities.recognition": "recognition",
    "facilities.recognitionapplication": "application",
    "inspections.inspectionplan": "plan",
    "inspections.qualityassessment": "assessment",
    "regions.district": "district",
    "accounts.user": "account",
    "workdays.calendaryear": "year",
}
HISTORY_ROUTES = ("history/<str:label>/<str:object_id>/", "api/v1/history/<str:label>/<str:object_id>/")


def _skip_reason(route: str) -> str | None:
    return next((reason for pattern, reason in SKIP.items() if re.search(pattern, route)), None)


def _filler(route: Route) -> dict[str, str] | None:
    """{argument: kind} for every argument of the route, or None when some argument is not covered."""
    if not route.arguments:
        return {}
    if route.route in HISTORY_ROUTES:
        return {"label": "history", "object_id": "history"}
    for pattern, kinds in FILLERS:
        if re.search(pattern, route.route):
            covered = dict(kinds)
            for name in route.arguments:
                if name in route.choices:
                    covered.setdefault(name, "choice")
            if set(covered) >= set(route.arguments):
                if covered.get("action") == "action" and route.route not in ACTIONS:
                    return None  # an action argument whose values the matrix does not know
                return {name: covered[name] for name in route.arguments}
    return None


ROUTES = sorted(set(walk()), key=lambda r: r.route)
MATRIX = [r for r in ROUTES if _skip_reason(r.route) is None]


# --- the world ----------------------------------------------------------------------------------------------


def _user(role: str, username: str, **extra):
    code = extra.pop("district_code", None)
    if code:
        extra["district"] = district(code)
    return UserFactory(role=role, username=username, **extra)


def _build_world() -> dict:
    today = timezone.localdate()
    users = {
        "city_admin": _user(Role.CITY_ADMIN, "m_city_admin", is_staff=True, is_superuser=True),
        "district_officer": _user(Role.DISTRICT_OFFICER, "m_gusu_officer", district_code=GUSU),
        "wujiang_officer": _user(Role.DISTRICT_OFFICER, "m_wujiang_officer", district_code=WUJIANG),
        "inspector": _user(Role.INSPECTOR, "m_gusu_inspector", district_code=GUSU),
        "citywide_inspector": _user(Role.INSPECTOR, "m_city_inspector", is_citywide=True),
        "operator": _user(Role.OPERATOR, "m_operator"),
        "training_base": _user(Role.TRAINING_BASE, "m_training_base", organisation="苏州市托育人才培训基地"),
        "mch_assessor": _user(Role.MCH_ASSESSOR, "m_mch_assessor", organisation="苏州市妇幼保健院"),
        "statistics_client": _user(Role.STATISTICS_CLIENT, "m_stats_client"),
    }
    stranger = _user(Role.OPERATOR, "m_wujiang_operator")
    wujiang_inspector = _user(Role.INSPECTOR, "m_wujiang_inspector", district_code=WUJIANG)
    admin = users["city_admin"]
    people = {
        "gusu": {"operator": users["operator"], "officer": users["district_officer"], "inspector": users["inspector"]},
        "wujiang": {"operator": stranger, "officer": users["wujiang_officer"], "inspector": wujiang_inspector},
    }
    values: dict[str, dict] = {kind: {} for kind in KINDS}
    institutions = {
        "gusu": Institution.objects.create(name="苏州市托育人才培训基地", kind="training_base"),
        "wujiang": Institution.objects.create(name="吴江区托育培训中心", kind="training_base"),
    }
    institutions["gusu"].accounts.add(users["training_base"], users["mch_assessor"])
    award_rule = AwardRule.objects.order_by("pk").first()
    scheme = AssessmentScheme.objects.order_by("pk").first()
    criteria = CriteriaSet.objects.order_by("pk").first()
    for side, code in (("gusu", GUSU), ("wujiang", WUJIANG)):
        op, officer, inspector = people[side]["operator"], people[side]["officer"], people[side]["inspector"]
        name = {"gusu": "姑苏矩阵托育", "wujiang": "吴江矩阵托育"}[side]
        from .facilities.recognition_helpers import filed_facility

        facility = filed_facility(op, officer, district_code=code, name=name)
        recognition = granted(op, officer, admin, facility)
        application = RecognitionApplication.objects.filter(facility=facility).order_by("pk").first()
        inspection = inspection_of(facility, actor=inspector)
        finding = finding_on(inspection, actor=inspector, evidence=upload("pdf"))
        order = RectificationOrder.objects.get(finding=finding)
        evidence = Evidence.objects.filter(finding=finding).first()
        member = facility.staff.order_by("pk").first()
        district_row = district(code)
        competition = Competition.objects.create(title=f"{name}技能竞赛", held_on=today, district=district_row)
        rule_set = RuleSet.objects.create(
            district=district_row,
            edition=f"矩阵 {side}",
            effective_from=date(2026, 1, 1),
            status="draft",
            terms={},
            source="test",
        )
        course = Course.objects.create(
            institution=institutions[side], title="负责人岗位培训", target="director", hours=Decimal("64")
        )
        occurred = timezone.make_aware(datetime.combine(today - timedelta(days=3), time(9, 30)))
        objects = {
            "facility": facility.pk,
            "material": Material.objects.filter(facility=facility).order_by("pk").first().pk,
            "case": CoordinationCase.objects.create(
                facility=facility, topic="premises", summary="消防验收", opened_by=officer
            ).pk,
            "recognition": recognition.pk,
            "application": application.pk,
            "inspection": inspection.pk,
            "finding": finding.pk,
            "evidence": evidence.pk,
            "order": order.pk,
            "penalty": Penalty.objects.create(
                facility=facility,
                kind="warning",
                facts="录像保存不足",
                legal_basis="托育机构设置标准",
                proposed_by=officer,
                proposed_on=today,
            ).pk,
            "assessment": QualityAssessment.objects.create(
                facility=facility,
                scheme=scheme,
                assessed_on=today,
                assessor=officer,
                scores={},
                total=Decimal("80"),
                grade="B",
            ).pk,
            "self_inspection": SelfInspection.objects.create(
                facility=facility, period=today.replace(day=1), submitted_on=today, submitted_by=op
            ).pk,
            "incident": Incident.objects.create(
                facility=facility,
                kind="injury",
                occurred_at=occurred,
                reported_at=occurred + timedelta(hours=1),
                report_due_at=occurred + timedelta(hours=2),
                children_affected=1,
                description="擦伤",
                reported_by=op,
            ).pk,
            "award": AwardApplication.objects.create(
                rule=award_rule, person=member.person, facility=facility, submitted_by=op, submitted_on=today
            ).pk,
            "entry": CompetitionEntry.objects.create(
                competition=competition, person=member.person, facility=facility
            ).pk,
            "report": EnrolmentReport.objects.create(
                facility=facility,
                period=today.replace(day=1),
                deadline=today + timedelta(days=10),
                submitted_by=op,
                submitted_at=timezone.now(),
            ).pk,
            "district": code,
            "project": BuildProject.objects.create(
                name=f"{name}新建项目", programme="municipal", district=district_row, target_year=2026, planned_slots=60
            ).pk,
            "plan": InspectionPlan.objects.create(
                title=f"{name}抽查计划",
                district=district_row,
                period_start=today,
                period_end=today + timedelta(days=60),
                sample_size=1,
                created_by=officer,
            ).pk,
            "complaint": Complaint.objects.create(
                channel="staff_intake",
                received_at=timezone.now(),
                district=district_row,
                facility=facility,
                subject="午睡室无人看护",
                description="家长反映午睡室无人看护。",
                created_by=officer,
            ).pk,
            "batch": PaymentBatch.objects.create(
                district=district_row,
                period_start=date(2026, 1, 1),
                period_end=date(2026, 1, 31),
                prepared_by=officer,
                prepared_at=timezone.now(),
                sample_seed=42,
            ).pk,
            "rule_set": rule_set.pk,
            "competition": competition.pk,
            "course": course.pk,
            "session": Session.objects.create(
                course=course, starts_on=today, ends_on=today + timedelta(days=2), capacity=30
            ).pk,
        }
        objects["statement"] = Statement.objects.create(
            facility=facility,
            period=date(2026, 1, 1),
            rule_set=rule_set,
            eligible=True,
            total=Decimal("100.00"),
            fingerprint=f"matrix-{side}",
            calculated_at=timezone.now(),
        ).pk
        facility.refresh_from_db()
        objects["filing_number"] = facility.filing_number
        objects["recognition_number"] = recognition.number
        objects["public_facility"] = facility.pk
        objects["tracking_code"] = Complaint.objects.get(pk=objects["complaint"]).tracking_code
        for kind, value in objects.items():
            values[kind][side] = value

    # Things of an account: the role's own, and a stranger's (the 吴江 operator's).
    owners = {**users, "stranger": stranger}
    for key, user in owners.items():
        values["account"][key] = user.pk
        values["token"][key] = api_token_issue(user=user)[0].pk
        values["job"][key] = job_create(kind="export", title="矩阵导出", owner=user).pk
        values["import_job"][key] = job_create(kind="facility_import", title="矩阵导入", owner=user).pk
        values["notice"][key] = Notice.objects.create(recipient=user, kind="filing.submitted", title="矩阵通知").pk
    values["criteria_set"]["city"] = criteria.pk
    values["year"]["city"] = today.year

    # A browser session and an API token per role, made once; each test sets them on fresh clients.
    sessions, keys = {}, {}
    for role, user in users.items():
        browser = Client()
        browser.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        sessions[role] = browser.cookies[settings.SESSION_COOKIE_NAME].value
        keys[role] = api_token_issue(user=user)[1]
    return {"users": users, "stranger": stranger, "values": values, "sessions": sessions, "keys": keys}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The objects of the matrix, built once for the module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            # A transactional test earlier in the run may have flushed the reference data (units, rules…).
            reload_reference_data()
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- requests -----------------------------------------------------------------------------------------------


def _client(world, role: str | None, *, api: bool) -> Client:
    client = Client(raise_request_exception=False)
    if role is None:
        return client
    if api:
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {world['keys'][role]}"
    else:
        client.cookies[settings.SESSION_COOKIE_NAME] = world["sessions"][role]
    return client


def _cases(world, route: Route, role: str | None) -> list[tuple[dict, bool]]:
    """(argument values, foreign?) for every object the route is filled with, for `role` (None: anonymous)."""
    kinds = _filler(route)
    values = world["values"]
    if not kinds:
        return [({}, False)]
    if route.route in HISTORY_ROUTES:
        cases = []
        for label, kind in HISTORY_KINDS.items():
            for args, foreign in _kind_cases(values, kind, role):
                cases.append(({"label": label, "object_id": args}, foreign))
        return cases
    # The first object argument decides the side; the others take the same side's objects.
    anchor_kind = next((k for k in kinds.values() if k in KINDS and KINDS[k] != "city"), None)
    options: dict[str, list] = {}
    for name, kind in kinds.items():
        if kind == "choice":
            options[name] = route.choices[name]
        elif kind == "step":
            options[name] = STEP_NAMES
        elif kind == "action":
            options[name] = ACTIONS[route.route]
    if anchor_kind is None:
        fixed = {name: values[kind]["city"] for name, kind in kinds.items() if kind not in ("choice", "step", "action")}
        return [({**fixed, **extra}, False) for extra in combinations(options)]
    cases = []
    for side, foreign in _sides(anchor_kind, role):
        fixed = {}
        for name, kind in kinds.items():
            if kind in ("choice", "step", "action"):
                continue
            fixed[name] = values[kind][side] if KINDS[kind] != "city" else values[kind]["city"]
        cases.extend(({**fixed, **extra}, foreign) for extra in combinations(options))
    return cases


def _sides(kind: str, role: str | None) -> list[tuple[str, bool]]:
    anchor = KINDS[kind]
    if anchor == "city":
        return [("city", False)]
    if anchor == "public":
        return [(side, False) for side in SIDES]
    if anchor == "account":
        if role is None:
            return [("stranger", False)]
        own = [(role, False)]
        # The city admin reads every job, account and API token (to revoke a leaked one).
        sees_all = role == "city_admin" and kind in ("job", "import_job", "account", "token")
        return [*own, ("stranger", not sees_all)]
    if role is None:  # anonymous: the object does not matter, one side is enough
        return [(SIDES[0], False)]
    foreign = FOREIGN[anchor][role]
    if foreign == BOTH:  # a role that sees neither side: one foreign object is enough
        return [("wujiang", True)]
    return [(side, side in foreign) for side in SIDES]


def _kind_cases(values, kind: str, role: str | None):
    return [(values[kind][side], foreign) for side, foreign in _sides(kind, role)]


# Tables a refused write must leave as they were (the audit log first: every write through a service adds to it).
COUNTED = (
    AuditEntry,
    Facility,
    Material,
    Recognition,
    RecognitionApplication,
    Inspection,
    RectificationOrder,
    Penalty,
    Complaint,
    Notice,
    RuleSet,
    PaymentBatch,
    Statement,
)


def _counts() -> dict[str, int]:
    """Row counts of COUNTED, in one query (it runs twice per unsafe request)."""
    # Table names come from the models, not from input.
    tables = [connection.ops.quote_name(m._meta.db_table) for m in COUNTED]
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {table})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return {model._meta.label: count for model, count in zip(COUNTED, row, strict=True)}


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- the tests ----------------------------------------------------------------------------------------------


def test_every_route_is_filled_or_skipped():
    """A new route whose arguments the matrix cannot fill must be added to FILLERS or SKIP, with a reason."""
    unfilled = [r.route for r in MATRIX if _filler(r) is None]
    assert not unfilled, f"add these routes to FILLERS (or SKIP with a reason): {unfilled}"
    assert set(HISTORY_LABELS) <= set(HISTORY_KINDS), set(HISTORY_LABELS) - set(HISTORY_KINDS)
    assert len(MATRIX) > 200, "the walk found too few routes to be the project's"
    assert any(r.route == "api/v1/facilities/<int:pk>/" for r in MATRIX)
    assert any(r.route.startswith("supervision/") for r in MATRIX)


@pytest.mark.django_db
@pytest.mark.parametrize("route", MATRIX, ids=lambda r: r.route)
def test_route_answers_every_role_without_leaking(world, route):
    assert _filler(route) is not None, f"{route.route} is neither filled nor in SKIP"
    problems: list[str] = []
    reached = []  # (role, path, method) of own objects that answered something else than 404
    methods = ["get", *route.unsafe_methods()]
    for role in (None, *ROLES):
        for args, foreign in _cases(world, route, role):
            path = fill(route.route, args)
            for method in methods:
                found, status = _check(world, route, role, path, method, foreign)
                problems += found
                if role is not None and not foreign and status not in (404, 405):
                    reached.append((role, path, method))
    assert not problems, "\n".join(problems[:40])
    # The objects filled in are real: some role reaches them (else every 404 above would prove nothing).
    assert reached or not route.arguments or route.route in UNREACHED, f"nobody reaches {route.route}"


def _check(world, route: Route, role: str | None, path: str, method: str, foreign: bool) -> tuple[list[str], int]:
    client = _client(world, role, api=route.is_api)
    who = role or "anonymous"
    before = _counts() if method != "get" else None
    kwargs = {"HTTP_ACCEPT": "application/json"} if route.is_api else {}
    if method == "get":
        response = client.get(path, **kwargs)
    elif route.is_api:
        response = getattr(client, method)(path, data="{}", content_type="application/json", **kwargs)
    else:
        response = getattr(client, method)(path, data={})
    status = response.status_code
    label = f"{method.upper()} {path} as {who}: {status}"
    problems = []
    if status >= 500:
        return [f"{label} (server error)"], status
    public = PUBLIC.search(route.route) is not None
    if role is None and not public:
        if route.is_api and status != 401:
            problems.append(f"{label}, expected 401")
        to_login = status == 302 and response["Location"].startswith("/accounts/login/")
        if not route.is_api and not to_login and status != 405:
            problems.append(f"{label}, expected the login page")
    if role is None and public and method == "get":
        expected = PUBLIC_GET.get(route.route, 200)
        if status != expected:
            problems.append(f"{label}, expected {expected} for a public page")
    if foreign and status not in (404, 405):
        problems.append(f"{label}, expected 404 for a foreign object")
    refused = status >= 400 or foreign or (role is None and not public)
    if before is not None and refused:
        after = _counts()
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        if changed:
            problems.append(f"{label}: a refused write changed {changed}")
    if method == "get" and status == 200 and route.is_api and role is not None and not route.arguments:
        problems += _foreign_rows(world, role, path, response)
    return problems, status


# Roles with a territory, and what is theirs: unit officers and inspectors their unit, operators their facility.
TERRITORY = {
    "district_officer": ("district", "gusu"),
    "inspector": ("district", "gusu"),
    "wujiang_officer": ("district", "wujiang"),
    "operator": ("facility", "gusu"),
}


# API lists whose rows carry a unit but are the same for every reader, with the reason.
CITY_WIDE_LISTS = {
    "/api/v1/fee-references/": "published fee reference of every unit (reference data, the same for all readers)",
}


def _foreign_rows(world, role: str, path: str, response) -> list[str]:
    if path in CITY_WIDE_LISTS or role not in TERRITORY or "json" not in response.get("Content-Type", ""):
        return []
    body = json.loads(_body(response))
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        return []
    values = world["values"]
    kind, side = TERRITORY[role]
    other = "wujiang" if side == "gusu" else "gusu"
    own_district = GUSU if side == "gusu" else WUJIANG
    foreign_facility = values["facility"][other]
    problems = []
    for row in body["results"]:
        if not isinstance(row, dict):
            continue
        for key in ("district", "district_code", "district_id"):
            found = row.get(key)
            code = found.get("code") if isinstance(found, dict) else found
            if isinstance(code, str) and code.isdigit() and code != own_district and kind == "district":
                problems.append(f"GET {path} as {role}: a row of unit {code}: {row}")
        for key in ("facility", "facility_id"):
            found = row.get(key)
            pk = found.get("id") if isinstance(found, dict) else found
            if pk == foreign_facility:
                problems.append(f"GET {path} as {role}: a row of the foreign facility {pk}: {row}")
        if "/facilities/" in path and path.endswith("/facilities/") and row.get("id") == foreign_facility:
            problems.append(f"GET {path} as {role}: the foreign facility itself: {row}")
    return problems


def test_the_list_check_finds_a_foreign_row(world):
    """The list check is not vacuous: the city admin's facility list, read as if the 姑苏 officer had got it,
    is caught for its 吴江 facility."""
    response = _client(world, "city_admin", api=True).get("/api/v1/facilities/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    problems = _foreign_rows(world, "district_officer", "/api/v1/facilities/", response)
    assert any("320509" in p or "foreign facility" in p for p in problems), problems
    officer = _client(world, "district_officer", api=True).get("/api/v1/facilities/")
    assert _foreign_rows(world, "district_officer", "/api/v1/facilities/", officer) == []
    assert [row["id"] for row in officer.json()["results"]] == [world["values"]["facility"]["gusu"]]


# --- read-only fields ---------------------------------------------------------------------------------------

# Fields no PATCH/PUT may change, whatever the body says (when the object's representation shows them).
READ_ONLY = ("id", "created_at", "updated_at", "status", "district", "filing_number", "created_by", "is_default")
# Fields an endpoint writes on purpose, for a role: not read-only there.
EDITABLE = {
    ("api/v1/build-projects/<int:pk>/", "city_admin"): {"district"},  # the city moves a project between units
}
EDITORS = ("city_admin", "district_officer", "operator")
WRITABLE_ROUTES = [r for r in MATRIX if r.is_api and {"patch", "put"} & set(r.unsafe_methods())]


def _hostile(field: str, current):
    """Another value for `field`, of the kind the field holds."""
    if field == "district":
        code = current.get("code") if isinstance(current, dict) else current
        return WUJIANG if code != WUJIANG else GUSU
    if field == "status":
        return "active" if current != "active" else "draft"
    if field in ("created_at", "updated_at"):
        return "2000-01-01T00:00:00+08:00"
    if isinstance(current, bool):
        return not current
    if isinstance(current, int):
        return current + 100_000
    return "ZZ-0000"


def test_there_are_writable_routes_to_check():
    assert len(WRITABLE_ROUTES) >= 3, [r.route for r in WRITABLE_ROUTES]


@pytest.mark.django_db
@pytest.mark.parametrize("route", WRITABLE_ROUTES, ids=lambda r: r.route)
def test_read_only_fields_are_not_changed_by_patch_or_put(world, route):
    checked, problems = 0, []
    for role in EDITORS:
        args = next((a for a, foreign in _cases(world, route, role) if not foreign), None)
        if args is None:
            continue
        client = _client(world, role, api=True)
        path = fill(route.route, args)
        shown = client.get(path)
        if shown.status_code != 200:
            continue
        body = shown.json()
        for method in {"patch", "put"} & set(route.unsafe_methods()):
            for field in READ_ONLY:
                if field not in body or field in EDITABLE.get((route.route, role), ()):
                    continue
                response = getattr(client, method)(
                    path, data={field: _hostile(field, body[field])}, content_type="application/json"
                )
                after = client.get(path).json()
                checked += 1
                if response.status_code >= 500:
                    problems.append(f"{method.upper()} {path} {field} as {role}: {response.status_code}")
                if after.get(field) != body[field]:
                    problems.append(
                        f"{method.upper()} {path} as {role} changed {field}: {body[field]!r} → {after[field]!r}"
                    )
    assert checked, f"no role could read {route.route} to check its read-only fields"
    assert not problems, problems
