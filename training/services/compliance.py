"""Staff compliance pushed to the facility record, and expiry alerts 30 days ahead (each sent once)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from facilities.models import Facility, StaffMember, StaffRole
from facilities.selectors import standards_in_force
from facilities.services.supervision import facility_set_training_compliance
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.notices.services import notify

from .. import rules
from ..models import AlertAudience, ExpiryAlert, HealthStaffAssessment, TrainingRecord, TrainingResult

ALERT_DAYS_AHEAD = 30
BATCH_SIZE = 200


def _current(staff: QuerySet[StaffMember], today: date) -> QuerySet[StaffMember]:
    return staff.filter(employed_from__lte=today).filter(Q(employed_to__isnull=True) | Q(employed_to__gt=today))


def _results_for(facility_ids: list[int], today: date) -> dict[int, tuple[bool, list[dict]]]:
    """Judge the facilities in three queries whatever their number: roster, training records, assessments."""
    roster: dict[int, list[rules.StaffFacts]] = {pk: [] for pk in facility_ids}
    rows = _current(StaffMember.objects.filter(facility_id__in=facility_ids), today).values(
        "facility_id", "person_id", "name", "role", "health_certificate_expires_on", "no_criminal_record_on_file"
    )
    for row in rows.order_by("facility_id", "role", "id"):
        facility_id = row.pop("facility_id")
        roster[facility_id].append(rules.StaffFacts(**row))
    person_ids = {member.person_id for members in roster.values() for member in members}
    records = [
        rules.TrainingFacts(
            person_id=r["person_id"],
            target=r["course__target"],
            result=r["result"],
            hours=r["hours"],
            certificate_valid_until=r["certificate_valid_until"],
        )
        for r in TrainingRecord.objects.filter(person_id__in=person_ids).values(
            "person_id", "course__target", "result", "hours", "certificate_valid_until"
        )
    ]
    assessments = [
        rules.AssessmentFacts(**a)
        for a in HealthStaffAssessment.objects.filter(person_id__in=person_ids).values(
            "person_id", "passed", "valid_until"
        )
    ]
    # The minimum hours are a standard in force on the day (data with its clause), not a constant.
    standard = standards_in_force(on=today).get("director.min_post_training_hours")
    min_hours = Decimal(str(standard.value)) if standard else rules.DIRECTOR_MIN_HOURS
    results = {}
    for facility_id, members in roster.items():
        ids = {m.person_id for m in members}
        results[facility_id] = rules.compliance(
            members,
            [r for r in records if r.person_id in ids],
            [a for a in assessments if a.person_id in ids],
            today,
            director_min_hours=min_hours,
        )
    return results


def facility_compliance_refresh(*, facility: Facility, today: date) -> bool:
    """Judge the facility's current roster and tell the facility record (audited by its service)."""
    compliant, gaps = _results_for([facility.pk], today)[facility.pk]
    facility_set_training_compliance(actor=None, facility=facility, compliant=compliant, gaps=gaps, checked_on=today)
    return compliant


def compliance_refresh_all(*, today: date, facility_ids=None) -> int:
    """Every facility (or those of `facility_ids`), in batches with a constant number of reads per batch;
    returns how many were judged."""
    done = 0
    facilities = Facility.objects.all() if facility_ids is None else Facility.objects.filter(pk__in=facility_ids)
    ids = list(facilities.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        results = _results_for(batch, today)
        for facility in Facility.objects.filter(pk__in=batch).order_by("pk"):
            compliant, gaps = results[facility.pk]
            facility_set_training_compliance(
                actor=None, facility=facility, compliant=compliant, gaps=gaps, checked_on=today
            )
            done += 1
    return done


def _alert_once(
    *,
    kind: str,
    subject: str,
    expires_on: date,
    facility: Facility,
    audiences: dict[str, Iterable[User]],
    title: str,
    body: str,
) -> int:
    """Record the alert per audience first; notify only when this run created the row, so a rerun (or a
    concurrent run, through the unique constraint) sends nothing more."""
    sent = 0
    for audience, recipients in audiences.items():
        try:
            with transaction.atomic():
                _alert, created = ExpiryAlert.objects.get_or_create(
                    kind=kind,
                    subject=subject,
                    expires_on=expires_on,
                    audience=audience,
                    defaults={"facility": facility},
                )
                if created:
                    notify(
                        recipients=recipients,
                        kind=f"training.expiry.{kind}",
                        title=title,
                        body=body,
                        link=reverse("training:compliance"),
                    )
        except IntegrityError:
            created = False  # another run recorded it first
        sent += int(created)
    return sent


def expiry_alerts_send(*, today: date) -> int:
    """Alerts for documents expiring within 30 days, to the facility's operators and to its unit's officers.

    Documents: passed training certificates of persons on current rosters, staff health certificates, and
    MCH assessments of current health-care staff. Returns the number of alerts created.
    """
    horizon = today + timedelta(days=ALERT_DAYS_AHEAD)
    current = (
        _current(StaffMember.objects.all(), today)
        .select_related("facility")
        .prefetch_related("facility__operators")
        .order_by("facility_id", "id")
    )
    officers: dict[str, list[User]] = {}
    for officer in User.objects.filter(role=Role.DISTRICT_OFFICER, is_active=True).exclude(district=None):
        officers.setdefault(officer.district_id, []).append(officer)

    def audiences(facility: Facility) -> dict[str, list[User]]:
        return {
            AlertAudience.FACILITY: list(facility.operators.all()),
            AlertAudience.DISTRICT: officers.get(facility.district_id, []),
        }

    created = 0
    # Staff health certificates (one roster entry per facility already).
    for member in current.filter(health_certificate_expires_on__gte=today, health_certificate_expires_on__lte=horizon):
        created += _alert_once(
            kind="health_certificate",
            subject=f"staff:{member.pk}",
            expires_on=member.health_certificate_expires_on,
            facility=member.facility,
            audiences=audiences(member.facility),
            title=_("Health certificate of %(name)s expires on %(date)s")
            % {"name": member.name, "date": member.health_certificate_expires_on.isoformat()},
            body=_("%(facility)s: renew the health certificate before it expires.")
            % {"facility": member.facility.name},
        )

    # Training certificates and MCH assessments follow the person: alert every facility they work in.
    employments: dict[int, list[StaffMember]] = {}
    health_care: dict[int, list[StaffMember]] = {}
    expiring_records = list(
        TrainingRecord.objects.filter(
            result=TrainingResult.PASSED, certificate_valid_until__gte=today, certificate_valid_until__lte=horizon
        ).select_related("course")
    )
    expiring_assessments = list(
        HealthStaffAssessment.objects.filter(passed=True, valid_until__gte=today, valid_until__lte=horizon)
    )
    person_ids = {r.person_id for r in expiring_records} | {a.person_id for a in expiring_assessments}
    for member in current.filter(person_id__in=person_ids):
        employments.setdefault(member.person_id, []).append(member)
        if member.role == StaffRole.HEALTH_CARE:
            health_care.setdefault(member.person_id, []).append(member)

    for record in expiring_records:
        for member in employments.get(record.person_id, []):
            created += _alert_once(
                kind="certificate",
                subject=f"training_record:{record.pk}:facility:{member.facility_id}",
                expires_on=record.certificate_valid_until,
                facility=member.facility,
                audiences=audiences(member.facility),
                title=_("Training certificate of %(name)s expires on %(date)s")
                % {"name": member.name, "date": record.certificate_valid_until.isoformat()},
                body=_("%(facility)s: %(course)s. Arrange renewed training before the certificate expires.")
                % {"facility": member.facility.name, "course": record.course.title},
            )
    for assessment in expiring_assessments:
        for member in health_care.get(assessment.person_id, []):
            created += _alert_once(
                kind="health_assessment",
                subject=f"health_assessment:{assessment.pk}:facility:{member.facility_id}",
                expires_on=assessment.valid_until,
                facility=member.facility,
                audiences=audiences(member.facility),
                title=_("Health-care assessment of %(name)s expires on %(date)s")
                % {"name": member.name, "date": assessment.valid_until.isoformat()},
                body=_("%(facility)s: arrange a new assessment by the maternal and child health institution.")
                % {"facility": member.facility.name},
            )
    return created
