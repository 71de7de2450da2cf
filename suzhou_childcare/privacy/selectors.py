"""Reading for the retention schedule (what is due) and for data-subject requests (what is held about one person).

The privacy app lives in the project package, which knows no app: the models it sweeps are looked up by label
(`apps.get_model`) when a function runs, never imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suzhou_childcare.errors import NotFound
from suzhou_childcare.permissions import Capability, can

from . import rules
from .models import RetentionKind, RetentionRule

SAMPLE_SIZE = 20


def require_privacy_officer(user) -> None:
    """The privacy pages are the city admin's; to anyone else they do not exist."""
    if not can(user, Capability.MANAGE_PERSONAL_DATA):
        raise NotFound


def _model(label: str):
    return apps.get_model(label)


# --- the schedule ---------------------------------------------------------------------------------------------


def retention_rules_in_force(*, today: date) -> list[RetentionRule]:
    """Per kind, the rule with the latest start on or before `today` (kinds without one are left out)."""
    in_force: dict[str, RetentionRule] = {}
    for rule in RetentionRule.objects.filter(valid_from__lte=today).order_by("kind", "-valid_from", "-id"):
        in_force.setdefault(rule.kind, rule)
    return [in_force[kind] for kind in RetentionKind.values if kind in in_force]


def retention_rule_history() -> QuerySet[RetentionRule]:
    return RetentionRule.objects.select_related("created_by").order_by("kind", "-valid_from", "-id")


@dataclass
class DuePart:
    """One kind of row a rule touches: `queryset` holds exactly the rows due, annotated with `basis_on`."""

    model_label: str
    label: str
    queryset: QuerySet

    def count(self) -> int:
        return self.queryset.count()

    def sample(self, size: int = SAMPLE_SIZE) -> list[tuple[int, date | datetime | None]]:
        return list(self.queryset.order_by("pk").values_list("pk", "basis_on")[:size])


@dataclass
class RuleDue:
    rule: RetentionRule
    cutoff: date
    parts: list[DuePart] = field(default_factory=list)


def _end_of_day(day: date) -> datetime:
    """The first instant after `day` in the portal's time zone (an incident's date is its Shanghai date)."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _staff_parts(cutoff: date) -> list[DuePart]:
    StaffMember = _model("facilities.StaffMember")
    Person = _model("facilities.Person")
    Facility = _model("facilities.Facility")
    TrainingRecord = _model("training.TrainingRecord")
    HealthStaffAssessment = _model("training.HealthStaffAssessment")
    AwardApplication = _model("training.AwardApplication")
    Penalty = _model("inspections.Penalty")

    # A person banned for life keeps their identity: the ban must still find them (人口与计划生育法 Art. 41).
    staff = (
        StaffMember.objects.filter(facility__closed_on__lte=cutoff, person__banned_on__isnull=True)
        .filter(~Q(name="") | ~Q(guard_licence_number=""))
        .annotate(basis_on=F("facility__closed_on"))
    )
    # The registry's person goes when every job they held is past the period, nothing newer is known about
    # them (training, assessment, award), and no penalty names them.
    persons = (
        Person.objects.filter(banned_on__isnull=True)
        .exclude(id_number_index__startswith=rules.ANONYMISED_INDEX_PREFIX)
        .exclude(Exists(Penalty.objects.filter(person=OuterRef("pk"))))
        .exclude(Exists(TrainingRecord.objects.filter(person=OuterRef("pk"), completed_on__gt=cutoff)))
        .exclude(Exists(HealthStaffAssessment.objects.filter(person=OuterRef("pk"), assessed_on__gt=cutoff)))
        .exclude(Exists(AwardApplication.objects.filter(person=OuterRef("pk"), submitted_on__gt=cutoff)))
        .annotate(
            jobs=Count("employments"),
            jobs_past=Count("employments", filter=Q(employments__facility__closed_on__lte=cutoff)),
            basis_on=Max("employments__facility__closed_on"),
        )
        .filter(jobs__gt=0, jobs=F("jobs_past"))
    )
    # Compliance gaps of a closed facility name its staff.
    facilities = Facility.objects.filter(closed_on__lte=cutoff).exclude(training_gaps=[])
    facilities = facilities.annotate(basis_on=F("closed_on"))
    return [
        DuePart("facilities.staffmember", _("Staff members"), staff),
        DuePart("facilities.person", _("Persons (registry)"), persons),
        DuePart("facilities.facility", _("Facilities (training gaps naming staff)"), facilities),
    ]


def _staff_document_parts(cutoff: date) -> list[DuePart]:
    Material = _model("facilities.Material")
    materials = Material.objects.filter(facility__closed_on__lte=cutoff, kind="staff_qualifications").annotate(
        basis_on=F("facility__closed_on")
    )
    return [DuePart("facilities.material", _("Staff qualification scans"), materials)]


def _complaint_parts(cutoff: date) -> list[DuePart]:
    Complaint = _model("inspections.Complaint")
    complaints = (
        Complaint.objects.filter(status="closed", closed_on__lte=cutoff)
        .filter(~Q(complainant_name="") | ~Q(complainant_phone="") | ~Q(hotline_ticket=""))
        .annotate(basis_on=F("closed_on"))
    )
    return [DuePart("inspections.complaint", _("Complaints"), complaints)]


def _incident_parts(cutoff: date) -> list[DuePart]:
    Incident = _model("inspections.Incident")
    incidents = (
        Incident.objects.filter(occurred_at__lt=_end_of_day(cutoff))
        .filter(~Q(description="") | ~Q(follow_up=""))
        .annotate(basis_on=F("occurred_at"))
    )
    return [DuePart("inspections.incident", _("Incidents"), incidents)]


_PARTS = {
    rules.Kind.STAFF_OF_CLOSED_FACILITIES: _staff_parts,
    rules.Kind.STAFF_DOCUMENTS_OF_CLOSED_FACILITIES: _staff_document_parts,
    rules.Kind.COMPLAINANT_CONTACTS: _complaint_parts,
    rules.Kind.INCIDENT_DETAILS: _incident_parts,
}


def retention_due(*, today: date) -> list[RuleDue]:
    """Per rule in force, exactly the rows past their period that still hold what the rule removes.

    Lazy querysets: counting or listing them runs in the database. Rows already anonymised hold nothing the
    rule removes, so they are not due again (a second run finds nothing).
    """
    due = []
    for rule in retention_rules_in_force(today=today):
        cutoff = rules.cutoff_date(today, value=rule.period_value, unit=rule.period_unit)
        due.append(RuleDue(rule=rule, cutoff=cutoff, parts=_PARTS[rule.kind](cutoff)))
    return due


# --- data-subject requests ------------------------------------------------------------------------------------


@dataclass
class SubjectRecords:
    """Everything found about one person, per kind of record (lists of model instances)."""

    accounts: list = field(default_factory=list)
    persons: list = field(default_factory=list)
    employments: list = field(default_factory=list)
    training_records: list = field(default_factory=list)
    health_assessments: list = field(default_factory=list)
    award_applications: list = field(default_factory=list)
    competition_entries: list = field(default_factory=list)
    penalties: list = field(default_factory=list)
    complaints: list = field(default_factory=list)
    audit_entries: list = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.__dict__.items()}

    def total(self) -> int:
        return sum(len(rows) for name, rows in self.__dict__.items() if name != "audit_entries")

    def ids(self) -> dict[str, list[int]]:
        return {name: [row.pk for row in rows] for name, rows in self.__dict__.items() if rows}


def _complaints_of(*, name: str, phone: str) -> list:
    """Complaints whose complainant has this name and telephone.

    The contact is encrypted without a blind index, so the complaints that hold a telephone are read and
    compared after decryption (in chunks): a rare request, not a page.
    """
    Complaint = _model("inspections.Complaint")
    wanted_name, wanted_phone = rules.normalise_name(name), rules.normalise_phone(phone)
    if not wanted_name or not wanted_phone:
        return []
    matches = [
        complaint.pk
        for complaint in Complaint.objects.exclude(complainant_phone="")
        .only("pk", "complainant_name", "complainant_phone")
        .iterator(chunk_size=500)
        if rules.normalise_phone(complaint.complainant_phone) == wanted_phone
        and rules.normalise_name(complaint.complainant_name) == wanted_name
    ]
    return list(Complaint.objects.filter(pk__in=matches).select_related("district", "facility").order_by("pk"))


def subject_records(*, id_number: str = "", name: str = "", phone: str = "") -> SubjectRecords:
    """Every record about the person with this (already validated) ID number, and/or the complainant with this
    name and telephone. Only exact matches: a namesake is another person."""
    from suzhou_childcare.accounts.services import accounts_with_id_number
    from suzhou_childcare.audit.models import AuditEntry
    from suzhou_childcare.crypto import blind_index

    found = SubjectRecords()
    if id_number:
        Person = _model("facilities.Person")
        found.accounts = list(accounts_with_id_number(id_number).select_related("district").order_by("pk"))
        # The person registry indexes ID numbers in the same space ("cn_ric") as accounts.
        found.persons = list(
            Person.objects.filter(id_number_index=blind_index(id_number, purpose="cn_ric")).order_by("pk")
        )
        person_ids = [p.pk for p in found.persons]
        if person_ids:
            found.employments = list(
                _model("facilities.StaffMember")
                .objects.filter(person_id__in=person_ids)
                .select_related("facility")
                .order_by("employed_from", "pk")
            )
            found.training_records = list(
                _model("training.TrainingRecord")
                .objects.filter(person_id__in=person_ids)
                .select_related("course__institution")
                .order_by("completed_on", "pk")
            )
            found.health_assessments = list(
                _model("training.HealthStaffAssessment")
                .objects.filter(person_id__in=person_ids)
                .select_related("institution")
                .order_by("assessed_on", "pk")
            )
            found.award_applications = list(
                _model("training.AwardApplication")
                .objects.filter(person_id__in=person_ids)
                .select_related("rule", "facility")
                .order_by("submitted_on", "pk")
            )
            found.competition_entries = list(
                _model("training.CompetitionEntry")
                .objects.filter(person_id__in=person_ids)
                .select_related("competition", "facility")
                .order_by("pk")
            )
            found.penalties = list(
                _model("inspections.Penalty")
                .objects.filter(person_id__in=person_ids)
                .select_related("facility")
                .order_by("proposed_on", "pk")
            )
    if name or phone:
        found.complaints = _complaints_of(name=name, phone=phone)
    # The trail of the records themselves (values in it are masked).
    targets = Q()
    for rows in (found.accounts, found.persons, found.employments, found.complaints):
        for row in rows:
            targets |= Q(content_type__app_label=row._meta.app_label, content_type__model=row._meta.model_name) & Q(
                object_id=str(row.pk)
            )
    if targets:
        found.audit_entries = list(AuditEntry.objects.filter(targets).select_related("content_type").order_by("pk"))
    return found
