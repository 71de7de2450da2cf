"""Reading talent awards and competitions, scoped to the user through the facilities they may see."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from facilities.models import Facility, StaffMember
from facilities.selectors import facility_scope_for
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import NotFound
from suzhou_childcare.permissions import sees_whole_city

from ..models import AwardApplication, AwardRule, Competition, CompetitionEntry, CourseTarget, TrainingResult
from ..rules_awards import AwardFacts

VOCATIONAL = (CourseTarget.NURSERY_TEACHER, CourseTarget.INFANT_CARER)
SUPERVISING = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR, Role.OPERATOR})


def _pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise NotFound from exc


def _facility_ids(user) -> QuerySet:
    if not (user.is_authenticated and user.is_active) or user.role not in SUPERVISING:
        return Facility.objects.none().values("pk")
    return facility_scope_for(user=user).values("pk")


def _roster_name() -> Subquery:
    """The name the facility's roster gives the person (the registry's name is not shown across facilities)."""
    names = StaffMember.objects.filter(facility=OuterRef("facility"), person=OuterRef("person")).order_by(
        "-employed_from"
    )
    return Subquery(names.values("name")[:1])


def award_rules_in_force(*, on: date | None = None) -> list[AwardRule]:
    """The latest edition of each award rule effective on `on`."""
    on = on or timezone.localdate()
    latest: dict[str, AwardRule] = {}
    for rule in AwardRule.objects.filter(effective_from__lte=on).order_by("code", "-effective_from"):
        latest.setdefault(rule.code, rule)
    return list(latest.values())


def award_application_list_for(*, user, filters: dict | None = None) -> QuerySet[AwardApplication]:
    filters = filters or {}
    qs = (
        AwardApplication.objects.filter(facility__in=_facility_ids(user))
        .select_related("rule", "facility", "facility__district", "submitted_by", "decided_by")
        .annotate(roster_name=_roster_name())
        .order_by("-submitted_on", "-id")
    )
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("rule"):
        qs = qs.filter(rule__code=filters["rule"])
    if filters.get("district"):
        qs = qs.filter(facility__district_id=filters["district"])
    return qs


def award_application_get_for(*, user, pk) -> AwardApplication:
    application = award_application_list_for(user=user).filter(pk=_pk(pk)).first()
    if application is None:
        raise NotFound
    return application


def current_employment(*, facility_id: int, person_id: int, on: date) -> StaffMember | None:
    return (
        StaffMember.objects.filter(facility_id=facility_id, person_id=person_id, employed_from__lte=on)
        .filter(Q(employed_to__isnull=True) | Q(employed_to__gt=on))
        .select_related("person", "facility")
        .order_by("-employed_from")
        .first()
    )


def award_facts_for(*, staff_member: StaffMember, on: date) -> AwardFacts:
    facility = staff_member.facility
    targets = (
        staff_member.person.training_records.filter(result=TrainingResult.PASSED, course__target__in=VOCATIONAL)
        .filter(Q(certificate_valid_until__isnull=True) | Q(certificate_valid_until__gte=on))
        .values_list("course__target", flat=True)
    )
    return AwardFacts(
        on=on,
        role=staff_member.role,
        employed_from=staff_member.employed_from,
        facility_filing_status=facility.filing_status,
        facility_grade=facility.quality_grade or "",
        serious_violation_on=facility.serious_violation_on,
        valid_certificate_targets=frozenset(targets),
        banned=staff_member.person.banned_on is not None,
    )


def competition_scope_for(*, user) -> QuerySet[Competition]:
    """City-wide competitions for everyone who supervises or runs a facility; a unit's for that unit."""
    qs = Competition.objects.all()
    if not (user.is_authenticated and user.is_active) or user.role not in SUPERVISING:
        return qs.none()
    if sees_whole_city(user):
        return qs
    if user.role == Role.OPERATOR:
        districts = Facility.objects.filter(operators=user).values("district_id")
        return qs.filter(Q(district__isnull=True) | Q(district_id__in=districts))
    if user.district_id:
        return qs.filter(Q(district__isnull=True) | Q(district_id=user.district_id))
    return qs.none()


def competition_list_for(*, user) -> QuerySet[Competition]:
    visible_entries = Count("entries", filter=Q(entries__facility__in=_facility_ids(user)))
    return (
        competition_scope_for(user=user)
        .select_related("district")
        .annotate(entry_count=visible_entries)
        .order_by("-held_on", "-id")
    )


def competition_get_for(*, user, pk) -> Competition:
    competition = competition_scope_for(user=user).select_related("district").filter(pk=_pk(pk)).first()
    if competition is None:
        raise NotFound
    return competition


def competition_entries_for(*, user, competition: Competition) -> QuerySet[CompetitionEntry]:
    """The entries of facilities the user may see (an operator: their own)."""
    return (
        competition.entries.filter(facility__in=_facility_ids(user))
        .select_related("facility", "facility__district")
        .annotate(roster_name=_roster_name())
        .order_by("rank", "id")
    )


def competition_entry_get_for(*, user, pk) -> CompetitionEntry:
    entry = (
        CompetitionEntry.objects.filter(
            facility__in=_facility_ids(user), competition__in=competition_scope_for(user=user)
        )
        .select_related("competition", "facility")
        .filter(pk=_pk(pk))
        .first()
    )
    if entry is None:
        raise NotFound
    return entry
