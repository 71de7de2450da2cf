"""Reading institutions, courses, sessions and training records, scoped to the user.

An institution's accounts see their own institution; the health commission and district officers read all of
them (training is city-wide: a base of one unit trains staff of every unit), but a district officer reads the
results of the people on their unit's rosters only; operators see the records of the people currently on their
facilities' rosters. Anything else is simply not there (404).
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from facilities.models import StaffMember
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.errors import NotFound

from ..models import Course, HealthStaffAssessment, Institution, Session, TrainingRecord

READERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER})
INSTITUTION_ROLES = frozenset({Role.TRAINING_BASE, Role.MCH_ASSESSOR})


def _active(user: User) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def institution_scope_for(*, user: User) -> QuerySet[Institution]:
    if not _active(user):
        return Institution.objects.none()
    if user.role in READERS:
        return Institution.objects.all()
    if user.role in INSTITUTION_ROLES:
        return Institution.objects.filter(accounts=user)
    return Institution.objects.none()


def institution_list_for(*, user: User) -> QuerySet[Institution]:
    return institution_scope_for(user=user).select_related("district").order_by("kind", "name")


def institution_get_for(*, user: User, pk: int) -> Institution:
    institution = institution_scope_for(user=user).filter(pk=pk).first()
    if institution is None:
        raise NotFound
    return institution


def course_list_for(*, user: User, institution: Institution | None = None) -> QuerySet[Course]:
    qs = (
        Course.objects.filter(institution__in=institution_scope_for(user=user))
        .select_related("institution")
        .annotate(session_count=Count("sessions"))
        .order_by("institution__name", "title", "id")
    )
    if institution is not None:
        qs = qs.filter(institution=institution)
    return qs


def course_get_for(*, user: User, pk: int) -> Course:
    course = Course.objects.filter(institution__in=institution_scope_for(user=user), pk=pk).first()
    if course is None:
        raise NotFound
    return course


def session_list_for(*, user: User, course: Course | None = None) -> QuerySet[Session]:
    qs = (
        Session.objects.filter(course__institution__in=institution_scope_for(user=user))
        .select_related("course__institution")
        .annotate(record_count=Count("records"))
        .order_by("-starts_on", "id")
    )
    if course is not None:
        qs = qs.filter(course=course)
    return qs


def session_get_for(*, user: User, pk: int) -> Session:
    session = session_list_for(user=user).filter(pk=pk).first()
    if session is None:
        raise NotFound
    return session


def session_may_record(*, user: User, session: Session) -> bool:
    """Whether the user writes this session's results (its institution's accounts), for showing the forms."""
    return _active(user) and session.course.institution.accounts.filter(pk=user.pk).exists()


def _current_roster(**where):
    today = timezone.localdate()
    return Exists(
        StaffMember.objects.filter(person=OuterRef("person"), employed_from__lte=today, **where).filter(
            Q(employed_to__isnull=True) | Q(employed_to__gt=today)
        )
    )


def _on_current_roster_of(user: User):
    return _current_roster(facility__operators=user)


def _personal_scope(qs, user: User):
    """Whose results a reader sees: an operator the people on their rosters; a district officer the people on
    the rosters of their unit's facilities (personal data stays in the jurisdiction); the city everyone; an
    institution's accounts the results it recorded."""
    if user.role == Role.OPERATOR:
        return qs.filter(_on_current_roster_of(user))
    if user.role == Role.DISTRICT_OFFICER:
        return qs.filter(_current_roster(facility__district_id=user.district_id))
    return qs


def record_list_for(*, user: User, session: Session | None = None) -> QuerySet[TrainingRecord]:
    """Records the user may read; a constant number of queries (person, course, session joined)."""
    qs = TrainingRecord.objects.select_related("person", "course__institution", "session")
    if not _active(user):
        return qs.none()
    if user.role == Role.OPERATOR:
        qs = _personal_scope(qs, user)
    else:
        qs = _personal_scope(qs.filter(course__institution__in=institution_scope_for(user=user)), user)
    if session is not None:
        qs = qs.filter(session=session)
    return qs.order_by("person__name", "id")


def assessment_list_for(*, user: User) -> QuerySet[HealthStaffAssessment]:
    qs = HealthStaffAssessment.objects.select_related("person", "institution")
    if not _active(user):
        return qs.none()
    if user.role == Role.OPERATOR:
        return _personal_scope(qs, user)
    return _personal_scope(qs.filter(institution__in=institution_scope_for(user=user)), user)
