"""No full ID number in any GET page, API response, export or log line (ARCHITECTURE: personal data).

Builds facilities with staff of known ID numbers (one person on two rosters, with training, expiring
documents and compliance), then GETs every URL pattern of the project as every role: patterns without
arguments, and those with arguments filled from the created objects (facility, material, admin change
pages of every model). Bodies are scanned raw and, for spreadsheets and other zips, unzipped.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from facilities import services as facility_services
from facilities.models import Material, Person, StaffMember, StaffRole
from suzhou_childcare.accounts.models import Role
from training.models import Course, HealthStaffAssessment, Institution, TrainingRecord
from training.services.compliance import compliance_refresh_all, expiry_alerts_send

from .facilities.factories import complete_draft, valid_id_number

pytestmark = pytest.mark.django_db

# A named regex group, or a path converter: `(?P<pk>[0-9]+)`, `<int:pk>`.
ARGUMENT = re.compile(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>")


def _pattern_text(pattern) -> str:
    text = str(pattern.pattern)
    return text.removeprefix("^").removesuffix("$").removesuffix(r"\Z")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + _pattern_text(entry))
        elif isinstance(entry, URLPattern):
            yield prefix + _pattern_text(entry)


def _expand(route: str, values) -> list[str]:
    """Every concrete path for a route, or [] when an argument has no known value."""
    names = [m.group(1) or m.group(2) for m in ARGUMENT.finditer(route)]
    options = []
    for name in names:
        found = values(name, route)
        if not found:
            return []
        options.append([str(v) for v in found])
    paths = []
    for combo in itertools.product(*options):
        it = iter(combo)
        path = ARGUMENT.sub(lambda _m, it=it: next(it), route)
        if re.search(r"[\\()\[\]*+?^$|]", path):  # still a regex: not a GET target we can build
            return []
        paths.append("/" + path)
    return paths


def _admin_model(route: str):
    match = re.match(r"admin/(\w+)/(\w+)/", route)
    if not match:
        return None
    try:
        return apps.get_model(match.group(1), match.group(2))
    except LookupError:
        return None


def _scan(body: bytes) -> list[bytes]:
    """The raw body plus every member of it if it is a zip (xlsx, docx)."""
    parts = [body]
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            parts.extend(archive.read(name) for name in archive.namelist())
    return parts


@pytest.fixture
def debug_logs(caplog):
    """Every log record from the start (the objects' creation included), at DEBUG."""
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture
def world(debug_logs, users, make_user):
    today = timezone.localdate()
    operator, admin = users["operator"], users["city_admin"]
    gusu = complete_draft(operator, district_code="320508", name="姑苏小苗托育")
    other_operator = make_user(Role.OPERATOR, username="op_wujiang")
    wujiang = complete_draft(other_operator, district_code="320509", name="吴江小苗托育")
    shared = valid_id_number()
    for actor, facility in ((operator, gusu), (other_operator, wujiang)):
        facility_services.staff_add(
            actor=actor,
            facility=facility,
            name="周燕",
            id_number=shared,
            role=StaffRole.CARER,
            employed_from=today - timedelta(days=5),
            health_certificate_expires_on=today + timedelta(days=10),
            no_criminal_record_on_file=True,
        )
    base = Institution.objects.create(name="苏州市托育人才培训基地", kind="training_base")
    base.accounts.add(users["training_base"], users["mch_assessor"])
    course = Course.objects.create(institution=base, title="负责人岗位培训", target="director", hours=Decimal("64"))
    for member in StaffMember.objects.filter(role=StaffRole.DIRECTOR):
        TrainingRecord.objects.create(
            person=member.person,
            course=course,
            hours=Decimal("64"),
            result="passed",
            completed_on=today - timedelta(days=300),
            certificate_number="ZS-001",
            certificate_valid_until=today + timedelta(days=29),
            recorded_by=admin,
        )
    for member in StaffMember.objects.filter(role=StaffRole.HEALTH_CARE):
        HealthStaffAssessment.objects.create(
            person=member.person,
            institution=base,
            assessed_on=today,
            score=Decimal("88"),
            passed=True,
            valid_until=today + timedelta(days=20),
            recorded_by=admin,
        )
    compliance_refresh_all(today=today)
    expiry_alerts_send(today=today)
    return {"facilities": [gusu, wujiang], "users": {**users, "other_operator": other_operator}}


@pytest.mark.timeout(600)  # walks every route (or loads the whole demo): minutes on a busy machine
def test_no_full_id_number_in_any_get_response_export_or_log(world, debug_logs):
    numbers = [p.id_number for p in Person.objects.all()]
    assert len(numbers) >= 12 and all(len(n) == 18 for n in numbers)
    needles = {n.encode() for n in numbers} | {n.lower().encode() for n in numbers}

    gusu, wujiang = world["facilities"]
    material = Material.objects.filter(facility=gusu).first()

    def values(name: str, route: str):
        model = _admin_model(route)
        if model is not None and name == "object_id":
            return list(model._default_manager.order_by("pk").values_list("pk", flat=True)[:2])
        if name == "app_label":
            return ["facilities"]
        return {
            "pk": [gusu.pk, wujiang.pk],
            "facility_pk": [gusu.pk],
            "material_pk": [material.pk],
            "step": ["basic", "staff"],
            "code": ["320508"],
            "number": [f.filing_number for f in (gusu, wujiang) if f.filing_number] or ["0"],
            "year": [timezone.localdate().year],
            "label": ["facilities.facility", "facilities.person", "facilities.staffmember"],
            "object_id": [gusu.pk],
        }.get(name, [])

    routes = sorted(set(_walk(get_resolver().url_patterns)))
    paths, skipped = [], []
    for route in routes:
        built = _expand(route, values)
        (paths.extend(built) if built else skipped.append(route))
    paths += ["/facilities/export.xlsx?district=320508", "/facilities/?q=小苗", "/api/v1/facilities/?q=小苗"]
    for must in ("/facilities/export.xlsx", f"/facilities/{gusu.pk}/", f"/api/v1/facilities/{gusu.pk}/staff/"):
        assert must in paths
    assert "/training/compliance/multi-roster/" in paths and "/api/v1/training/multi-roster/" in paths

    clients = {}
    for role, user in world["users"].items():
        client = Client(raise_request_exception=False)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        clients[role] = client
    clients["anonymous"] = Client(raise_request_exception=False)

    leaks, answered = [], 0
    for path in paths:
        for role, client in clients.items():
            response = client.get(path, HTTP_ACCEPT="application/json" if path.startswith("/api/") else "*/*")
            body = b"".join(response.streaming_content) if response.streaming else response.content
            answered += response.status_code == 200
            for part in _scan(body):
                lowered = part.lower()
                leaks += [(path, role, n) for n in needles if n.lower() in lowered]
    assert answered > 50, "the crawl reached too few pages to mean anything"
    assert not leaks, leaks[:10]

    assert debug_logs.records, "nothing was logged: the capture is not working"
    for record in debug_logs.records:
        text = record.getMessage() + repr(record.args) + repr(getattr(record, "exc_text", "") or "")
        assert not any(n.decode() in text for n in needles), record.name
