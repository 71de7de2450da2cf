"""Training histories of the demo staff: SYNTHETIC DATA, a bulk load, no audit entries.

Everything here is invented. Institutions: the city talent base, one training base and one maternal and child
health (MCH) institution per county-level unit. Courses per target (负责人 post training 60 h, 保育人员,
vocational 保育师 / 育婴员 with the training subsidy, 卫生保健人员), sessions every quarter over the two years
before `today`, and for the persons on the current rosters of the demo facilities (`facilities.demo`) training
records and health-care staff assessments as the services would have left them. On purpose:

- some vocational certificates expire within 30 days of `today` (the expiry alerts have something to say);
- a few facilities' directors have no post training, and some health-care staff no valid assessment
  (non-compliant facilities for the compliance pages);
- a city-wide and a 姑苏区 skills competition with entries and results; a few talent award applications.

One transaction of `bulk_create` batches, bypassing the services (no audit). Recognised by the city talent
base's name: if it exists, loading does nothing and returns the counts (idempotent). Deterministic for a
given `seed` and `today`. The demo accounts `training_base` and `mch_assessor`, if they exist, are linked to
the city talent base and the 姑苏区 MCH institution. Without any user account nothing is loaded (records need
a recorder).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from facilities.demo import ADDRESS_PREFIX, DEMO_USCC_PATTERN, SHORT_NAME
from facilities.models import Facility, FilingStatus, StaffMember, StaffRole
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.money import round_fen
from suzhou_childcare.regions.models import District

from .models import (
    ApplicationStatus,
    AwardApplication,
    AwardRule,
    Competition,
    CompetitionEntry,
    Course,
    CourseTarget,
    HealthStaffAssessment,
    Institution,
    InstitutionKind,
    Session,
    TrainingRecord,
    TrainingResult,
)
from .reference import load_award_rules

CITY_BASE = "苏州市托育人才培训基地"
CITY_COMPETITION = "苏州市托育职业技能竞赛（演示）"
BATCH = 1000
EXPIRING_SOON = 24  # vocational certificates made to expire within 30 days of `today`
DIRECTORS_UNTRAINED = 6  # facilities whose director has no post training


def _demo_facilities():
    return Facility.objects.filter(uscc__regex=DEMO_USCC_PATTERN)


def training_demo_counts(*, today: date) -> dict:
    records = TrainingRecord.objects.filter(course__institution__name__in=_institution_names())
    return {
        "institutions": Institution.objects.filter(name__in=_institution_names()).count(),
        "courses": Course.objects.filter(institution__name__in=_institution_names()).count(),
        "sessions": Session.objects.filter(course__institution__name__in=_institution_names()).count(),
        "records": records.count(),
        "expiring_30_days": records.filter(
            certificate_valid_until__gte=today, certificate_valid_until__lte=today + timedelta(days=30)
        ).count(),
        "assessments": HealthStaffAssessment.objects.filter(institution__name__in=_institution_names()).count(),
        "competitions": Competition.objects.filter(title__endswith="（演示）").count(),
        "applications": AwardApplication.objects.filter(facility__in=_demo_facilities()).count(),
    }


def _institution_names() -> list[str]:
    names = [CITY_BASE]
    for code in SHORT_NAME:
        names += [f"{ADDRESS_PREFIX[code]}托育人才培训基地", f"{ADDRESS_PREFIX[code]}妇幼保健院"]
    return names


def _session_for(sessions: list[Session], rng: random.Random, not_after: date) -> Session | None:
    candidates = [s for s in sessions if s.ends_on <= not_after]
    return rng.choice(candidates) if candidates else None


def load_training_demo(*, today: date, seed: int = 2026) -> dict:
    with transaction.atomic():
        if Institution.objects.filter(name=CITY_BASE).exists():
            return {**training_demo_counts(today=today), "created": False}
        recorder = (
            User.objects.filter(username="training_base").first()
            or User.objects.filter(role=Role.CITY_ADMIN).order_by("pk").first()
            or User.objects.order_by("pk").first()
        )
        if recorder is None:
            return {**training_demo_counts(today=today), "created": False}
        _write(today=today, rng=random.Random(seed), recorder=recorder)  # noqa: S311 - demo data, not secrets
    return {**training_demo_counts(today=today), "created": True}


def _write(*, today: date, rng: random.Random, recorder: User) -> None:
    districts = {d.code: d for d in District.objects.filter(code__in=list(SHORT_NAME))}
    city = Institution.objects.create(name=CITY_BASE, kind=InstitutionKind.TRAINING_BASE)
    bases, mch = {}, {}
    for code in SHORT_NAME:
        bases[code] = Institution(
            name=f"{ADDRESS_PREFIX[code]}托育人才培训基地", kind=InstitutionKind.TRAINING_BASE, district=districts[code]
        )
        mch[code] = Institution(
            name=f"{ADDRESS_PREFIX[code]}妇幼保健院", kind=InstitutionKind.MCH, district=districts[code]
        )
    Institution.objects.bulk_create([*bases.values(), *mch.values()])
    if (account := User.objects.filter(username="training_base").first()) is not None:
        city.accounts.add(account)
    if (account := User.objects.filter(username="mch_assessor").first()) is not None:
        mch["320508"].accounts.add(account)

    # Courses: the city base runs every target; unit bases the carer and vocational courses; MCH health care.
    spec = {
        CourseTarget.DIRECTOR: ("托育机构负责人岗位培训", Decimal("60.0"), False, None),
        CourseTarget.CARER: ("保育人员岗位培训", Decimal("40.0"), False, None),
        CourseTarget.NURSERY_TEACHER: ("保育师职业技能培训", Decimal("80.0"), True, 36),
        CourseTarget.INFANT_CARER: ("育婴员职业技能培训", Decimal("80.0"), True, 36),
        CourseTarget.HEALTH_CARE: ("托育机构卫生保健人员培训", Decimal("32.0"), False, 24),
    }

    def course(institution: Institution, target: str) -> Course:
        title, hours, subsidy, months = spec[target]
        return Course(
            institution=institution,
            title=title,
            target=target,
            hours=hours,
            subsidy_eligible=subsidy,
            certificate_valid_months=months,
        )

    courses: list[Course] = [course(city, target) for target in spec if target != CourseTarget.HEALTH_CARE]
    for code in SHORT_NAME:
        courses += [
            course(bases[code], t)
            for t in (CourseTarget.CARER, CourseTarget.NURSERY_TEACHER, CourseTarget.INFANT_CARER)
        ]
        courses.append(course(mch[code], CourseTarget.HEALTH_CARE))
    Course.objects.bulk_create(courses)
    by_unit_target: dict[tuple[str | None, str], Course] = {}
    for c in courses:
        by_unit_target[(c.institution.district_id, c.target)] = c

    # Sessions: one per quarter over the last two years (the first one three days long, then five).
    sessions: list[Session] = []
    for c in courses:
        for quarter in range(8):
            starts = today - timedelta(days=730 - quarter * 91 - rng.randint(0, 20))
            sessions.append(
                Session(
                    course=c,
                    starts_on=starts,
                    ends_on=starts + timedelta(days=4),
                    capacity=rng.choice([30, 40, 50, 60]),
                    location=f"{c.institution.name}培训教室",
                )
            )
    Session.objects.bulk_create(sessions, batch_size=BATCH)
    sessions_of: dict[int, list[Session]] = defaultdict(list)
    for s in sessions:
        sessions_of[s.course_id].append(s)

    staff = list(
        StaffMember.objects.filter(facility__in=_demo_facilities(), employed_from__lte=today)
        .filter(Q(employed_to__isnull=True) | Q(employed_to__gt=today))
        .select_related("facility")
        .order_by("facility_id", "role", "id")
    )
    directors_by_facility = defaultdict(list)
    for member in staff:
        if member.role == StaffRole.DIRECTOR:
            directors_by_facility[member.facility_id].append(member)
    untrained_facilities = set(
        rng.sample(sorted(directors_by_facility), min(DIRECTORS_UNTRAINED, len(directors_by_facility)))
    )

    records: list[TrainingRecord] = []
    assessments: list[HealthStaffAssessment] = []
    done: set[tuple[int, int]] = set()  # (person, course): a person on two rosters is trained once
    vocational: list[tuple[TrainingRecord, StaffMember]] = []
    serial = 0

    def record(member: StaffMember, target: str, *, passed: bool = True) -> TrainingRecord | None:
        nonlocal serial
        unit = member.facility.district_id
        c = by_unit_target.get((unit, target)) or by_unit_target.get((None, target))
        if c is None or (member.person_id, c.pk) in done:
            return None
        session = _session_for(sessions_of[c.pk], rng, today)
        if session is None:
            return None
        done.add((member.person_id, c.pk))
        serial += 1
        valid_until = None
        number = ""
        if passed and c.certificate_valid_months:
            number = f"SZTY-{session.ends_on.year}-{serial:06d}"
            valid_until = session.ends_on + timedelta(days=c.certificate_valid_months * 30)
        row = TrainingRecord(
            person_id=member.person_id,
            course=c,
            session=session,
            hours=c.hours if passed else (c.hours / 2).quantize(Decimal("0.1")),
            result=TrainingResult.PASSED if passed else TrainingResult.FAILED,
            completed_on=session.ends_on,
            certificate_number=number,
            certificate_valid_until=valid_until,
            recorded_by=recorder,
        )
        records.append(row)
        return row

    for member in staff:
        draw = rng.random()
        if member.role == StaffRole.DIRECTOR:
            if member.facility_id not in untrained_facilities and draw < 0.9:
                record(member, CourseTarget.DIRECTOR)
        elif member.role == StaffRole.CARER:
            if draw < 0.8:
                record(member, CourseTarget.CARER, passed=draw < 0.77)
            if rng.random() < 0.35:
                target = rng.choice([CourseTarget.NURSERY_TEACHER, CourseTarget.INFANT_CARER])
                row = record(member, target)
                if row is not None:
                    vocational.append((row, member))
        elif member.role == StaffRole.HEALTH_CARE and draw < 0.85:
            row = record(member, CourseTarget.HEALTH_CARE)
            if row is not None and draw < 0.8:
                score = Decimal(rng.randint(62, 98))
                assessments.append(
                    HealthStaffAssessment(
                        person_id=member.person_id,
                        institution=mch[member.facility.district_id]
                        if member.facility.district_id in mch
                        else mch["320508"],
                        assessed_on=row.completed_on + timedelta(days=7),
                        score=score,
                        passed=score >= 70,
                        valid_until=row.completed_on + timedelta(days=7 + 730),
                        recorded_by=recorder,
                    )
                )
    # Some certificates expire within 30 days of today (1..29 days).
    for row, _member in rng.sample(vocational, min(EXPIRING_SOON, len(vocational))):
        row.certificate_valid_until = today + timedelta(days=rng.randint(1, 29))
    TrainingRecord.objects.bulk_create(records, batch_size=BATCH)
    HealthStaffAssessment.objects.bulk_create(assessments, batch_size=BATCH)

    _competitions_and_awards(today=today, rng=rng, districts=districts, vocational=vocational, recorder=recorder)


def _competitions_and_awards(*, today, rng, districts, vocational, recorder) -> None:
    city_competition = Competition.objects.create(title=CITY_COMPETITION, held_on=today - timedelta(days=120))
    gusu_competition = Competition.objects.create(
        title="姑苏区保育技能比武（演示）", held_on=today - timedelta(days=60), district=districts["320508"]
    )
    carers = [member for _row, member in vocational]
    entries: list[CompetitionEntry] = []
    seen: set[tuple[int, int]] = set()
    for competition, pool in (
        (city_competition, carers),
        (gusu_competition, [m for m in carers if m.facility.district_id == "320508"]),
    ):
        picked = rng.sample(pool, min(20, len(pool)))
        for rank, member in enumerate(picked, start=1):
            if (competition.pk, member.person_id) in seen:
                continue
            seen.add((competition.pk, member.person_id))
            award = "一等奖" if rank <= 2 else "二等奖" if rank <= 5 else "三等奖" if rank <= 10 else ""
            entries.append(
                CompetitionEntry(
                    competition=competition,
                    person_id=member.person_id,
                    facility=member.facility,
                    rank=rank if rank <= 10 else None,
                    award=award,
                )
            )
    CompetitionEntry.objects.bulk_create(entries)

    load_award_rules(AwardRule)
    rule = AwardRule.objects.filter(code="skilled_carer").order_by("-effective_from").first()
    decider = User.objects.filter(role=Role.CITY_ADMIN).order_by("pk").first()
    submitter = User.objects.filter(username="operator").first() or recorder
    filed = {FilingStatus.FILED, FilingStatus.VERIFIED}
    eligible = [
        member
        for row, member in vocational
        if member.facility.filing_status in filed
        and (today - member.employed_from).days > 2 * 366
        and row.certificate_valid_until
        and row.certificate_valid_until > today + timedelta(days=30)
    ]
    applications = []
    for index, member in enumerate(rng.sample(eligible, min(6, len(eligible)))):
        decided = index < 3 and decider is not None and decider.pk != submitter.pk
        applications.append(
            AwardApplication(
                rule=rule,
                person_id=member.person_id,
                facility=member.facility,
                status=ApplicationStatus.APPROVED if decided else ApplicationStatus.SUBMITTED,
                submitted_by=submitter,
                submitted_on=today - timedelta(days=rng.randint(10, 40)),
                decided_by=decider if decided else None,
                decided_on=today - timedelta(days=rng.randint(1, 9)) if decided else None,
                amount=round_fen(rule.amount) if decided else None,
            )
        )
    AwardApplication.objects.bulk_create(applications)
