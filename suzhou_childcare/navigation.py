"""The navigation each role sees; later apps add their entries here."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str]
    group: str | Promise | None = None


_STAFF = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER})

_SETTINGS = _("Reference data")
_SUPERVISION = _("Supervision")
_FILING = _("Filing management")
_TRAINING = _("Training")
_RECOGNITION = _("Recognitions and development")
_SUBSIDIES = _("Subsidies")
_STATISTICS = _("Statistics")

NAV_ITEMS: list[NavItem] = [
    NavItem(_("Home"), "home", frozenset(Role.values) - {Role.STATISTICS_CLIENT}),
    NavItem(_("County-level units"), "regions:list", _STAFF | {Role.INSPECTOR}, _SETTINGS),
    NavItem(_("My facilities"), "facilities:list", frozenset({Role.OPERATOR})),
    NavItem(_("Filing queue"), "facilities:queue", _STAFF | {Role.INSPECTOR}, _FILING),
    NavItem(_("Facilities"), "facilities:list", _STAFF | {Role.INSPECTOR}, _FILING),
    NavItem(_("Overdue filings"), "facilities:overdue", _STAFF, _FILING),
    NavItem(_("Filing rate"), "facilities:filing_rate", _STAFF, _FILING),
    NavItem(_("Coordination cases"), "facilities:case_list", _STAFF, _FILING),
    NavItem(_("Coordination cases"), "facilities:case_list", frozenset({Role.OPERATOR})),
    NavItem(_("Inspections"), "inspections:inspection_list", _STAFF | {Role.INSPECTOR, Role.OPERATOR}, _SUPERVISION),
    NavItem(
        _("Rectification orders"), "inspections:order_list", _STAFF | {Role.INSPECTOR, Role.OPERATOR}, _SUPERVISION
    ),
    NavItem(_("Inspection plans"), "inspections:plan_list", _STAFF | {Role.INSPECTOR}, _SUPERVISION),
    NavItem(_("Inspection coverage"), "inspections:coverage", _STAFF | {Role.INSPECTOR}, _SUPERVISION),
    NavItem(_("Penalties"), "inspections:penalty_list", _STAFF | {Role.INSPECTOR}, _SUPERVISION),
    NavItem(
        _("Quality assessments"), "inspections:assessment_list", _STAFF | {Role.INSPECTOR, Role.OPERATOR}, _SUPERVISION
    ),
    NavItem(_("Complaints"), "inspections:complaint_list", _STAFF | {Role.INSPECTOR}, _SUPERVISION),
    NavItem(
        _("Self-inspections"),
        "inspections:self_inspection_list",
        _STAFF | {Role.INSPECTOR, Role.OPERATOR},
        _SUPERVISION,
    ),
    NavItem(_("Incidents"), "inspections:incident_list", _STAFF | {Role.INSPECTOR, Role.OPERATOR}, _SUPERVISION),
    NavItem(_("Public penalty register"), "penalties_public:register", _STAFF, _SUPERVISION),
    NavItem(
        _("Courses and sessions"),
        "training:records_courses",
        frozenset({Role.TRAINING_BASE, Role.MCH_ASSESSOR}) | _STAFF,
        _TRAINING,
    ),
    NavItem(_("Training compliance"), "training:compliance", _STAFF | {Role.INSPECTOR, Role.OPERATOR}, _TRAINING),
    NavItem(_("Same person in several facilities"), "training:multi_roster", _STAFF | {Role.INSPECTOR}, _TRAINING),
    NavItem(_("Talent awards"), "training:award_list", _STAFF | {Role.OPERATOR}, _TRAINING),
    NavItem(_("Skills competitions"), "training:competition_list", _STAFF | {Role.OPERATOR}, _TRAINING),
    NavItem(_("Recognitions"), "recognitions:list", _STAFF | {Role.INSPECTOR, Role.OPERATOR}, _RECOGNITION),
    NavItem(_("Recognition applications"), "recognitions:applications", _STAFF | {Role.OPERATOR}, _RECOGNITION),
    NavItem(_("Recognition criteria"), "recognitions:criteria", _STAFF, _RECOGNITION),
    NavItem(_("Fee references"), "recognitions:fee_references", _STAFF, _RECOGNITION),
    NavItem(_("Targets and completion"), "recognitions:target_progress", _STAFF | {Role.INSPECTOR}, _RECOGNITION),
    NavItem(_("Build projects"), "recognitions:project_list", _STAFF | {Role.INSPECTOR}, _RECOGNITION),
    NavItem(_("Guidance duties"), "recognitions:guidance_list", _STAFF | {Role.OPERATOR}, _RECOGNITION),
    NavItem(_("Public recognition register"), "recognitions_public:register", _STAFF, _RECOGNITION),
    NavItem(_("Indicator dashboard"), "reports:dashboard", _STAFF | {Role.INSPECTOR}, _STATISTICS),
    NavItem(_("Performance evaluation"), "reports:evaluation", _STAFF | {Role.INSPECTOR}, _STATISTICS),
    NavItem(_("Public facility register"), "register:directory", _STAFF, _STATISTICS),
    NavItem(_("Subsidy totals"), "subsidies:overview", _STAFF, _SUBSIDIES),
    NavItem(_("Monthly enrolment reports"), "subsidies:report_list", _STAFF | {Role.OPERATOR}, _SUBSIDIES),
    NavItem(_("Subsidy statements"), "subsidies:statement_list", _STAFF | {Role.OPERATOR}, _SUBSIDIES),
    NavItem(_("Payment batches"), "subsidies:batch_list", _STAFF, _SUBSIDIES),
    NavItem(_("Calculate a month"), "subsidies:calculate", _STAFF, _SUBSIDIES),
    NavItem(_("Subsidy rules"), "subsidies:rule_list", frozenset({Role.CITY_ADMIN}), _SUBSIDIES),
    NavItem(_("Standards"), "facilities:standards", _STAFF, _SETTINGS),
    NavItem(_("Working-day calendar"), "workdays:year_list", frozenset({Role.CITY_ADMIN}), _SETTINGS),
    NavItem(_("Accounts"), "accounts:list", _STAFF, _SETTINGS),
    NavItem(_("Retention of personal data"), "privacy:retention", frozenset({Role.CITY_ADMIN}), _SETTINGS),
    NavItem(_("Data-subject requests"), "privacy:subject", frozenset({Role.CITY_ADMIN}), _SETTINGS),
    NavItem(_("API documentation"), "api-docs", _STAFF, _SETTINGS),
]


def items_for(user) -> list[dict]:
    """Top-level entries in order; grouped items become one dropdown entry with `children`."""
    if not user.is_authenticated:
        return []
    entries: list[dict] = []
    groups: dict[str, dict] = {}
    for item in NAV_ITEMS:
        if user.role not in item.roles:
            continue
        link = {"label": item.label, "url": reverse(item.url_name)}
        if item.group is None:
            entries.append(link)
            continue
        key = str(item.group)
        if key not in groups:
            groups[key] = {"label": item.group, "children": []}
            entries.append(groups[key])
        groups[key]["children"].append(link)
    return entries


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    return {"nav_items": items_for(user) if user is not None else []}
