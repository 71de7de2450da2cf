"""Recognitions, targets, build projects and guidance over the demo facilities: SYNTHETIC DATA, a bulk load,
no audit entries.

Everything here is invented: which demo facilities (`facilities.demo`) hold which recognition, the dates,
support agreements, decision documents, certificate numbers, reviewers and guidance activities. The figures
it reproduces are the city's expectations for the end of 2021: in force on 2021-12-31 exactly 20 provincial
inclusive, 6 provincial model, 41 municipal inclusive and 13 municipal model recognitions (DOMAIN), and the
2021 practical project's 30 new inclusive facilities (2021年市政府民生实事项目); how they spread over the ten
units is synthetic (labelled so on each target row).

How it is written: one transaction of `bulk_create` batches. It bypasses the services on purpose (a grant
through `recognition_decide` reads the facility as it stands *today*, so it cannot replay 2021), so no audit
entries and no notices are written. The rows are those the services would have left:

- every recognition has its granted application (nominated by the unit, or a renewal), unit review by the
  unit's demo officer (or a synthetic reviewer: an inactive account per unit without a demo officer, named as
  such), decided by the city admin, never the reviewer; deadlines in working days of the portal's calendar;
- the facts are `RecognitionFacts` as of each step's day, read from the history: the filing status of the
  facility's version on the day, its full-day fee (fees are never changed here), the unit's fee reference for
  the year, the serious violation and quality grade only once decided, the inclusive recognitions in force
  that day; the agreement (inclusive) and, for model ones, training compliance and accepted guidance duties
  are recorded as declared (there is no training history to read for past days). The pure rules
  (`rules.recognition.evaluate`) run over them at submission, review and decision with the criteria set in
  force on each day; a failure anywhere stops the load (`RuntimeError`), so bad demo data cannot be loaded;
- certificate numbers follow the service's format (`<PREFIX>-<year>-<seq:04d>`) and the sequence rows are
  raised so that real grants continue after them;
- grants come in batches (municipal in June and November, provincial in September) from 2021 to `today`;
  3-year validity; a recognition ending before `today` was renewed shortly before its end (`renewed_from`,
  the old one "renewed"), except a couple that were left to expire and one revoked (with its reason) in
  2023. 2026 decisions on model recognitions pass the 2026 criteria (quality grade A/B assessed before the
  decision), which is why many 2023 model recognitions were not renewed in 2026. If the supervision demo
  decided a serious penalty, that facility's recognition is suspended since the decision day;
- today: a few applications pending (awaiting the unit's review, one of them overdue, or the city's
  decision), on facilities that meet today's criteria (checked again through the live selectors). One is the
  demo operator's in 姑苏区: when none of its three facilities meets the inclusive criteria (their fees are
  above the reference), the demo operator is also made an operator of one more filed 姑苏区 facility that does
  (so `facilities.demo`'s count of the operator's facilities reads 4 afterwards). The operator's facilities
  get no recognition history: their filing states stay what the filing demo shows;
- per-unit targets (the 2021 project split, model facilities 2021–2025, slots per 1,000 in 2025), the 30
  build projects of 2021 (opened, linked to facilities of the unit that opened in 2021) and a few later
  ones; guidance activities (示范带动) of model facilities while their recognition was in force.

Recognised by the statement prefix of its applications (`DEMO_PREFIX`) on demo facilities: if any exists,
loading does nothing and returns the counts of what is there (idempotent). Deterministic for a given `seed`,
`today` and the demo data underneath (facilities are ordered by name, not by primary key). Without demo
facilities or a city admin nothing is loaded. Fee references are seeded for 2021–2026 only
(`recognition_seed.FEE_REFERENCE_YEARS`): in a later year no inclusive criterion can pass until the city admin
sets that year's references, here as in the live workflow.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.regions.models import DistrictPopulation, Street

from . import selectors_recognition
from .demo import ADDRESS_PREFIX, DEMO_USCC_PATTERN, PLACES, SHORT_NAME, _between, _Calendar, allocate
from .models import (
    INCLUSIVE_KINDS,
    KIND_PREFIX,
    MODEL_KINDS,
    OPEN_APPLICATION_STATUSES,
    ApplicationRoute,
    ApplicationStatus,
    BuildProject,
    Category,
    CriteriaSet,
    CriteriaSetStatus,
    DevelopmentTarget,
    Facility,
    FacilityForm,
    FacilityVersion,
    FeeReference,
    GuidanceActivity,
    GuidanceKind,
    ProjectStatus,
    Recognition,
    RecognitionApplication,
    RecognitionKind,
    RecognitionSequence,
    RecognitionStatus,
    RecognitionSuspension,
    ServiceForm,
    ServiceOffering,
    TargetIndicator,
)
from .rules.recognition import CriterionResult, RecognitionFacts, evaluate, failures, months_before

DEMO_PREFIX = "【演示数据】"
DEMO_SPLIT = "（演示分解）"
PROGRAMME_2021 = "2021年市政府民生实事项目：新建普惠性托育机构"
PROGRAMME_LATER = "苏州市普惠托育服务能力建设项目"
END_2021 = date(2021, 12, 31)
# Expected by the end of 2021 (DOMAIN), reproduced exactly.
IN_FORCE_END_2021 = {
    RecognitionKind.PROVINCIAL_INCLUSIVE: 20,
    RecognitionKind.PROVINCIAL_MODEL: 6,
    RecognitionKind.MUNICIPAL_INCLUSIVE: 41,
    RecognitionKind.MUNICIPAL_MODEL: 13,
}
PROJECTS_2021 = 30
MODEL_TARGET_2025 = 50  # municipal model facilities over 2021–2025 (city target)
SLOTS_PER_THOUSAND_2025 = Decimal("4.5")
BATCH = 1000

MI, MM = RecognitionKind.MUNICIPAL_INCLUSIVE, RecognitionKind.MUNICIPAL_MODEL
PI, PM = RecognitionKind.PROVINCIAL_INCLUSIVE, RecognitionKind.PROVINCIAL_MODEL
# (month, day, kind, count) per year: municipal in June and November, provincial in September.
BATCHES_2021 = [(6, 18, MI, 25), (9, 17, PI, 20), (9, 17, PM, 6), (11, 19, MI, 16), (11, 19, MM, 13)]
BATCHES_LATER = [(6, 17, MI, 6), (9, 16, PI, 4), (9, 16, PM, 2), (11, 18, MI, 6), (11, 18, MM, 10)]
MM_2026 = 5  # the 2026 edition needs a quality grade A/B: fewer candidates
LAPSED_2021 = 2  # 2021 recognitions left to expire
LATER_PROJECTS = [
    (2025, ProjectStatus.UNDER_CONSTRUCTION),
    (2026, ProjectStatus.UNDER_CONSTRUCTION),
    (2026, ProjectStatus.UNDER_CONSTRUCTION),
    (2026, ProjectStatus.PLANNED),
    (2026, ProjectStatus.PLANNED),
]
PARENTING_TITLES = [
    "婴幼儿科学喂养家庭指导",
    "婴幼儿睡眠与情绪家庭指导",
    "婴幼儿意外伤害预防家长课堂",
    "0—3岁早期发展家庭养育指导",
]
COMMUNITY_TITLES = ["社区亲子课堂：婴幼儿语言启蒙", "社区课堂：婴幼儿动作发展游戏", "社区课堂：婴幼儿常见病预防"]
REVOCATION_REASON = "机构申请退出普惠托育服务，普惠托育服务协议终止，撤销认定。"


def _demo_facilities():
    return Facility.objects.filter(uscc__regex=DEMO_USCC_PATTERN)


def _demo_applications():
    return RecognitionApplication.objects.filter(facility__in=_demo_facilities(), statement__startswith=DEMO_PREFIX)


def _demo_recognitions():
    return Recognition.objects.filter(application__in=_demo_applications())


def _add_years(day: date, years: int) -> date:
    return months_before(day, -12 * years)


def recognition_demo_counts(*, today: date) -> dict:
    """What the demo recognitions hold (the same figures whether just loaded or already there)."""
    recognitions = _demo_recognitions()

    def in_force(day: date) -> dict[str, int]:
        counted = dict(
            recognitions.filter(selectors_recognition.in_force_q(day))
            .order_by()
            .values_list("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        )
        return {kind: counted.get(kind, 0) for kind in RecognitionKind.values}

    statuses = Counter(recognitions.values_list("status", flat=True))
    applications = _demo_applications()
    projects = BuildProject.objects.filter(note__startswith=DEMO_PREFIX)
    return {
        "synthetic": True,
        "recognitions": recognitions.count(),
        "in_force_end_2021": in_force(END_2021),
        "in_force_today": in_force(today),
        "renewals": recognitions.filter(renewed_from__isnull=False).count(),
        "expired": statuses[RecognitionStatus.EXPIRED],
        "revoked": statuses[RecognitionStatus.REVOKED],
        "suspended": statuses[RecognitionStatus.SUSPENDED],
        "municipal_model_2021_2025": recognitions.filter(
            kind=MM, renewed_from__isnull=True, granted_on__gte=date(2021, 1, 1), granted_on__lte=date(2025, 12, 31)
        ).count(),
        "applications": applications.count(),
        "pending": applications.filter(status__in=OPEN_APPLICATION_STATUSES).count(),
        "projects": projects.count(),
        "projects_2021_opened": projects.filter(target_year=2021, status=ProjectStatus.OPENED).count(),
        "targets": DevelopmentTarget.objects.filter(source__contains=DEMO_SPLIT).count(),
        "guidance": GuidanceActivity.objects.filter(note__startswith=DEMO_PREFIX).count(),
    }


# --- the plan in memory ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Version:
    valid_from: date
    valid_to: date | None
    opened_on: date | None
    closed_on: date | None
    filing_status: str
    slots: int
    enrolled: int


@dataclass(eq=False)
class _Site:
    """A demo facility with what the criteria read about it on any day."""

    facility: Facility
    fee: Decimal | None
    versions: list[_Version]

    @property
    def pk(self) -> int:
        return self.facility.pk

    @property
    def unit(self) -> str:
        return self.facility.district_id

    def version(self, day: date) -> _Version | None:
        """The version in force on `day` while operating (as `selectors.versions_as_of` reads it)."""
        for v in self.versions:
            if (
                v.valid_from <= day
                and (v.valid_to is None or v.valid_to > day)
                and v.opened_on is not None
                and v.opened_on <= day
                and (v.closed_on is None or v.closed_on > day)
            ):
                return v
        return None


@dataclass(frozen=True)
class _Batch:
    day: date
    kind: str
    count: int
    required: bool  # the 2021 batches must be filled exactly


@dataclass(eq=False)
class _Grant:
    site: _Site
    kind: str
    route: str
    submitted_on: date
    reviewed_on: date
    decided_on: date
    criteria_set: CriteriaSet
    submitted_set: CriteriaSet
    reviewed_set: CriteriaSet
    facts: RecognitionFacts
    results: list[CriterionResult]
    reviewer: User
    document: str
    valid_from: date
    valid_to: date
    agreement_on: date | None = None
    agreement_reference: str = ""
    renews: _Grant | None = None
    renewed_by: _Grant | None = None
    revoked_on: date | None = None
    revocation_reason: str = ""
    suspended_on: date | None = None
    lapse: bool = False
    number: str = ""
    depth: int = 0
    application: RecognitionApplication | None = field(default=None, repr=False)
    row: Recognition | None = field(default=None, repr=False)

    def holds(self, day: date) -> bool:
        """Granted and neither ended nor revoked on `day` (a suspended recognition is still held)."""
        return self.valid_from <= day < self.valid_to and (self.revoked_on is None or self.revoked_on > day)

    def in_force(self, day: date) -> bool:
        return self.holds(day) and (self.suspended_on is None or self.suspended_on > day)


class _Builder:
    def __init__(self, *, today: date, seed: int, city_admin: User) -> None:
        self.today = today
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not security
        self.city_admin = city_admin
        self.calendar = _Calendar(date(2020, 10, 1), today + timedelta(days=400))
        facilities = sorted(_demo_facilities().filter(closed_on__isnull=True), key=lambda f: (f.name, f.uscc, f.pk))
        ids = [f.pk for f in facilities]
        fees = dict(
            ServiceOffering.objects.filter(facility_id__in=ids, service_form=ServiceForm.FULL_DAY).values_list(
                "facility_id", "monthly_fee"
            )
        )
        versions: dict[int, list[_Version]] = defaultdict(list)
        for row in FacilityVersion.objects.filter(facility_id__in=ids).order_by("facility_id", "valid_from"):
            versions[row.facility_id].append(
                _Version(
                    row.valid_from,
                    row.valid_to,
                    row.opened_on,
                    row.closed_on,
                    row.filing_status,
                    row.slots,
                    row.enrolled,
                )
            )
        self.sites = [_Site(f, fees.get(f.pk), versions[f.pk]) for f in facilities]
        self.by_pk = {site.pk: site for site in self.sites}
        self.sets = list(
            CriteriaSet.objects.exclude(status=CriteriaSetStatus.DRAFT).order_by("kind", "-effective_from", "-id")
        )
        self.rows = {s.pk: selectors_recognition.criterion_rows(s) for s in self.sets}
        self.fee_references = {
            (row.district_id, row.year): row.full_day_monthly_fee for row in FeeReference.objects.all()
        }
        self.units = sorted(SHORT_NAME)
        self.officers = self._officers()
        self.operator = User.objects.filter(username="operator", role=Role.OPERATOR, is_active=True).first()
        self.operator_facilities = set(
            Facility.operators.through.objects.filter(user_id=self.operator.pk).values_list("facility_id", flat=True)
            if self.operator
            else ()
        )
        self.grants: list[_Grant] = []
        self.grants_of: dict[int, list[_Grant]] = defaultdict(list)
        self.excluded: set[int] = set()  # revoked, lapsed, reserved for a pending application, serious violation
        self.preferred: set[int] = set()  # facilities of the 2021 project: inclusive first
        self.documents: dict[tuple[str, date], str] = {}
        self.document_serial: Counter = Counter()
        self.agreement_serial: Counter = Counter()
        self.batches: list[_Batch] = []
        self.pending_plan: list[dict] = []

    # -- reference --

    def _officers(self) -> dict[str, User]:
        """The unit's demo officer, or a synthetic reviewer (inactive: it cannot sign in) for the others."""
        officers: dict[str, User] = {}
        for user in User.objects.filter(role=Role.DISTRICT_OFFICER, is_active=True).order_by("pk"):
            officers.setdefault(user.district_id, user)
        for code in self.units:
            if code in officers:
                continue
            user = User.objects.filter(username=f"demo_reviewer_{code}").first()
            if user is None:
                user = User(
                    username=f"demo_reviewer_{code}",
                    role=Role.DISTRICT_OFFICER,
                    district_id=code,
                    first_name=f"{ADDRESS_PREFIX[code]}卫健委审核人（演示）",
                    organisation=f"{ADDRESS_PREFIX[code]}卫生健康委员会",
                    is_active=False,
                )
                user.set_unusable_password()
                user.save()
            officers[code] = user
        return officers

    def set_in_force(self, kind: str, day: date) -> CriteriaSet | None:
        for criteria_set in self.sets:  # newest first, as `criteria_set_in_force`
            if (
                criteria_set.kind == kind
                and criteria_set.effective_from <= day
                and (criteria_set.effective_to is None or criteria_set.effective_to > day)
            ):
                return criteria_set
        return None

    # -- facts and checks --

    def facts(
        self,
        site: _Site,
        kind: str,
        day: date,
        *,
        agreement_on: date | None = None,
        agreement_reference: str = "",
        declared: bool = True,
    ) -> RecognitionFacts:
        """The facts as of `day`. `declared`: training compliance as declared for a past decision (model kinds),
        else the facility's current judgement (for applications pending today)."""
        facility = site.facility
        version = site.version(day)
        model = kind in MODEL_KINDS
        serious = (
            facility.serious_violation_on
            if facility.serious_violation_on and facility.serious_violation_on <= day
            else None
        )
        graded = (
            bool(facility.quality_grade)
            and facility.quality_assessed_on is not None
            and facility.quality_assessed_on <= day
        )
        reference = self.fee_references.get((facility.district_id, day.year))
        inclusive = sorted({g.kind for g in self.grants_of[site.pk] if g.kind in INCLUSIVE_KINDS and g.in_force(day)})
        if declared:
            training, gaps = (True if model else None), ()
        else:
            training, gaps = facility.training_compliant, tuple(facility.training_gaps or ())
        return RecognitionFacts(
            on=day,
            filing_status=version.filing_status if version else "",
            filing_number=facility.filing_number or "",
            filed_on=facility.filed_on,
            category=facility.category,
            district=facility.district_id,
            full_day_fee=site.fee,
            fee_reference=reference,
            fee_reference_year=day.year,
            agreement_signed_on=agreement_on,
            agreement_reference=agreement_reference,
            serious_violation_on=serious,
            serious_violation_reference=facility.serious_violation_reference if serious else "",
            quality_grade=facility.quality_grade if graded else "",
            quality_assessed_on=facility.quality_assessed_on if graded else None,
            training_compliant=training,
            training_gaps=gaps,
            guidance_accepted=model,
            inclusive_in_force=tuple(inclusive),
            slots=version.slots if version else 0,
            enrolled=version.enrolled if version else 0,
            opened_on=facility.opened_on,
        )

    def check(self, site: _Site, kind: str, days: tuple[date, ...], *, agreement_on=None, declared=True):
        """The criteria in force on each step's day, over the facts of that day: (sets, facts, results) of the
        last step when every step passes, else None."""
        if site.facility.filed_on is None or site.facility.filed_on > days[0]:
            return None
        sets, facts, results = [], None, []
        for day in days:
            criteria_set = self.set_in_force(kind, day)
            if criteria_set is None:
                return None
            facts = self.facts(site, kind, day, agreement_on=agreement_on, declared=declared)
            results = evaluate(self.rows[criteria_set.pk], facts)
            if failures(results):
                return None
            sets.append(criteria_set)
        return sets, facts, results

    def agreement_reference(self, unit: str, day: date) -> str:
        self.agreement_serial[(unit, day.year)] += 1
        return f"{SHORT_NAME[unit]}卫普惠协〔{day.year}〕{self.agreement_serial[(unit, day.year)]}号"

    def document(self, kind: str, day: date) -> str:
        level = "provincial" if kind in (PI, PM) else "municipal"
        if (level, day) not in self.documents:
            self.document_serial[(level, day.year)] += 1
            serial = self.document_serial[(level, day.year)]
            prefix = "苏卫人口" if level == "provincial" else "苏市卫人口"
            self.documents[(level, day)] = f"{prefix}〔{day.year}〕演{serial}号"
        return self.documents[(level, day)]

    def holds_family(self, site: _Site, kind: str, day: date) -> bool:
        family = MODEL_KINDS if kind in MODEL_KINDS else INCLUSIVE_KINDS
        return any(g.kind in family and (g.holds(day) or g.valid_from > day) for g in self.grants_of[site.pk])

    # -- grants --

    def add(self, grant: _Grant) -> None:
        self.grants.append(grant)
        self.grants_of[grant.site.pk].append(grant)

    def grant(self, site: _Site, kind: str, decided_on: date, *, renews: _Grant | None = None, days=None):
        """Plan one grant decided on `decided_on` if every step passes its criteria; None otherwise."""
        rng, calendar = self.rng, self.calendar
        if days is None:
            reviewed_on = calendar.back(decided_on, rng.randint(4, 12))
            submitted_on = calendar.back(reviewed_on, rng.randint(4, 10))
        else:
            submitted_on, reviewed_on = days
        agreement_on = None
        if kind in INCLUSIVE_KINDS:
            agreement_on = submitted_on - timedelta(days=rng.randint(7, 45))
        checked = self.check(site, kind, (submitted_on, reviewed_on, decided_on), agreement_on=agreement_on)
        if checked is None:
            return None
        (submitted_set, reviewed_set, criteria_set), facts, results = checked
        reference = self.agreement_reference(site.unit, agreement_on) if agreement_on else ""
        if reference:  # the reference is known only now; it is not read by any check
            facts = RecognitionFacts.from_json({**facts.as_json(), "agreement_reference": reference})
            results = evaluate(self.rows[criteria_set.pk], facts)
        valid_from = renews.valid_to if renews else decided_on
        grant = _Grant(
            site=site,
            kind=kind,
            route=ApplicationRoute.RENEWAL if renews else ApplicationRoute.NOMINATED,
            submitted_on=submitted_on,
            reviewed_on=reviewed_on,
            decided_on=decided_on,
            criteria_set=criteria_set,
            submitted_set=submitted_set,
            reviewed_set=reviewed_set,
            facts=facts,
            results=results,
            reviewer=self.officers[site.unit],
            document=self.document(kind, decided_on),
            valid_from=valid_from,
            valid_to=_add_years(valid_from, criteria_set.validity_years),
            agreement_on=agreement_on,
            agreement_reference=reference,
            renews=renews,
            depth=renews.depth + 1 if renews else 0,
        )
        if renews:
            renews.renewed_by = grant
        self.add(grant)
        return grant

    def renewal_days(self, grant: _Grant) -> tuple[date, date, date]:
        """The expiry notice, then the renewal application, the unit's review and the city's decision."""
        rng, calendar = self.rng, self.calendar
        notice = grant.valid_to - timedelta(days=grant.criteria_set.expiry_notice_days)
        submitted_on = calendar.on_or_after(notice + timedelta(days=rng.randint(2, 8)))
        reviewed_on = calendar.add(submitted_on, rng.randint(4, 9))
        decided_on = calendar.add(reviewed_on, rng.randint(4, 9))
        if decided_on >= grant.valid_to:
            decided_on = calendar.back(grant.valid_to, 1)
        return submitted_on, reviewed_on, decided_on

    def eligible(self, site: _Site, kind: str, day: date) -> bool:
        return site.pk not in self.excluded and not self.holds_family(site, kind, day)

    def ordered(self, pool: list[_Site], kind: str) -> list[_Site]:
        """Candidates in a seeded order: the 2021 project's facilities first for inclusive recognitions, facilities
        whose staff training is compliant today first for model ones."""
        pool = list(pool)
        self.rng.shuffle(pool)
        if kind in INCLUSIVE_KINDS:
            return sorted(pool, key=lambda s: s.pk not in self.preferred)
        return sorted(pool, key=lambda s: s.facility.training_compliant is not True)

    def run_batch(self, batch: _Batch) -> None:
        pool = [site for site in self.sites if self.eligible(site, batch.kind, batch.day)]
        granted = 0
        for site in self.ordered(pool, batch.kind):
            if granted == batch.count:
                break
            if self.grant(site, batch.kind, batch.day) is not None:
                granted += 1
        if batch.required and granted != batch.count:
            raise RuntimeError(
                f"the recognition demo does not add up: {granted} of {batch.count} {batch.kind} on {batch.day}"
            )

    def run_renewal(self, old: _Grant, days: tuple[date, date, date]) -> None:
        if old.lapse or old.revoked_on or old.suspended_on or old.site.pk in self.excluded:
            return
        submitted_on, reviewed_on, decided_on = days
        self.grant(old.site, old.kind, decided_on, renews=old, days=(submitted_on, reviewed_on))

    def choose_endings(self) -> None:
        """Among the 2021 inclusive recognitions of facilities holding nothing else: one revoked in 2023, a couple
        left to expire. Their facilities get nothing more."""
        candidates = [
            g
            for g in self.grants
            if g.decided_on.year == 2021 and g.kind in INCLUSIVE_KINDS and len(self.grants_of[g.site.pk]) == 1
        ]
        chosen = self.rng.sample(candidates, min(1 + LAPSED_2021, len(candidates)))
        for n, grant in enumerate(chosen):
            self.excluded.add(grant.site.pk)
            if n == 0:
                grant.revoked_on = self.calendar.on_or_after(date(2023, 3, 1) + timedelta(days=self.rng.randint(0, 90)))
                grant.revocation_reason = REVOCATION_REASON
            else:
                grant.lapse = True

    def plan_batches(self) -> None:
        calendar = self.calendar
        for month, day, kind, count in BATCHES_2021:
            self.batches.append(_Batch(calendar.on_or_after(date(2021, month, day)), kind, count, True))
        for year in range(2022, min(self.today.year, 2026) + 1):
            for month, day, kind, count in BATCHES_LATER:
                if year == 2026 and kind == MM:
                    count = MM_2026
                self.batches.append(_Batch(calendar.on_or_after(date(year, month, day)), kind, count, False))
        self.batches = [b for b in self.batches if b.day < self.today]

    def simulate(self) -> None:
        """Batches, renewals and the choice of endings in the order of their days (each check reads the
        recognitions granted before it)."""
        serial = itertools.count()
        events: list = []
        for batch in self.batches:
            heapq.heappush(events, (batch.day, next(serial), "batch", batch))
        heapq.heappush(events, (date(2022, 1, 4), next(serial), "endings", None))
        while events:
            _day, _n, what, payload = heapq.heappop(events)
            known = len(self.grants)
            if what == "batch":
                self.run_batch(payload)
            elif what == "endings":
                self.choose_endings()
            else:
                self.run_renewal(*payload)
            for grant in self.grants[known:]:
                if grant.valid_to <= self.today:
                    days = self.renewal_days(grant)
                    heapq.heappush(events, (days[2], next(serial), "renewal", (grant, days)))

    def suspend_after_serious_penalty(self, serious: list[_Site]) -> None:
        """A facility with a serious penalty decided by the supervision demo holds one recognition, granted before
        and in force until after today, suspended since the decision day (as the supervision service does)."""
        for site in serious:
            decided = site.facility.serious_violation_on
            batches = [
                b
                for b in self.batches
                if b.day < decided - timedelta(days=30) and _add_years(b.day, 3) > self.today and b.day.year >= 2022
            ]
            batches.sort(key=lambda b: (b.kind not in INCLUSIVE_KINDS, -b.day.toordinal()))
            for batch in batches:
                grant = self.grant(site, batch.kind, batch.day)
                if grant is not None and grant.valid_to > self.today:
                    grant.suspended_on = decided
                    return
                if grant is not None:  # cannot happen with a 3-year validity; undo to stay consistent
                    self.grants.remove(grant)
                    self.grants_of[site.pk].remove(grant)

    # -- before the history: projects and reservations --

    def choose_projects(self) -> list[tuple[_Site, str]]:
        """The 2021 project: 30 facilities opened in 2021, split over the units in proportion to their 2020
        population within what each unit opened (a unit short of facilities hands its share on)."""
        rng = self.rng
        population = dict(DistrictPopulation.objects.filter(year=2020).values_list("district_id", "population"))
        opened: dict[str, list[_Site]] = defaultdict(list)
        for site in self.sites:
            if site.facility.opened_on and site.facility.opened_on.year == 2021:
                opened[site.unit].append(site)
        available = [len(opened[code]) for code in self.units]
        total = min(PROJECTS_2021, sum(available))
        split = allocate(
            total,
            [float(population.get(code, 1)) for code in self.units],
            [min(1, n) for n in available],
            available,
        )
        chosen = []
        for code, n in zip(self.units, split, strict=True):
            pool = list(opened[code])
            rng.shuffle(pool)
            reference = self.fee_references.get((code, 2022))
            pool.sort(key=lambda s: not (s.fee is not None and reference is not None and s.fee <= reference))
            chosen += [(site, code) for site in pool[:n]]
        self.preferred = {site.pk for site, _code in chosen}
        return chosen

    def reserve_pending(self) -> None:
        """Facilities for today's pending applications, kept out of the history so their applications are first
        applications; each meets the criteria in force on its steps' days and today."""
        calendar, today = self.calendar, self.today
        serious = {s.pk for s in self.sites if s.facility.serious_violation_on}

        def pick(candidates, kind, days, *, agreement=True):
            for site in candidates:
                if site.pk in self.excluded or site.pk in serious:
                    continue
                agreement_on = days[0] - timedelta(days=self.rng.randint(10, 40)) if agreement else None
                if self.check(site, kind, (*days, today), agreement_on=agreement_on, declared=False) is not None:
                    self.excluded.add(site.pk)
                    return site, agreement_on
            return None, None

        def latest_filed(sites):
            return sorted(sites, key=lambda s: s.facility.filed_on or date.min, reverse=True)

        gusu = [s for s in self.sites if s.unit == "320508"]
        # 1. The demo operator applies for its facility (one of its own if one meets the criteria).
        if self.operator is not None:
            own = [s for s in gusu if s.pk in self.operator_facilities]
            others = latest_filed(
                s
                for s in gusu
                if s.facility.category == Category.SOCIAL
                and s.facility.form == FacilityForm.STANDALONE
                and s.facility.hub_id is None
                and s not in own
            )
            submitted_on = calendar.back(today, 2)
            site, agreement_on = pick([*own, *others], MI, (submitted_on,))
            if site is None:
                site, agreement_on = pick(latest_filed(s for s in gusu if s not in own), MI, (submitted_on,))
            if site is not None:
                self.pending_plan.append(
                    {
                        "site": site,
                        "kind": MI,
                        "route": ApplicationRoute.APPLIED,
                        "submitted_by": self.operator,
                        "days": (submitted_on,),
                        "agreement_on": agreement_on,
                        "link_operator": site not in own,
                        "statement": "本机构已与区卫生健康委员会签订普惠托育服务协议，申请认定为市级普惠托育机构。",
                    }
                )
        # 2. A nomination in 姑苏区 the unit has not reviewed in time (overdue).
        submitted_on = calendar.back(today, 22)
        site, agreement_on = pick(latest_filed(gusu), MI, (submitted_on,))
        if site is not None:
            self.pending_plan.append({"site": site, "kind": MI, "days": (submitted_on,), "agreement_on": agreement_on})
        # 3. A nomination in 吴江区 forwarded to the city.
        days = (calendar.back(today, 14), calendar.back(today, 4))
        site, agreement_on = pick(latest_filed(s for s in self.sites if s.unit == "320509"), MI, days)
        if site is not None:
            self.pending_plan.append({"site": site, "kind": MI, "days": days, "agreement_on": agreement_on})
        # 4. A model nomination forwarded to the city (needs a grade A/B and compliant training today).
        days = (calendar.back(today, 18), calendar.back(today, 6))
        graded = [
            s for s in self.sites if s.facility.quality_grade in ("A", "B") and s.facility.training_compliant is True
        ]
        site, _none = pick(sorted(graded, key=lambda s: (s.facility.name, s.pk)), MM, days, agreement=False)
        if site is not None:
            self.pending_plan.append({"site": site, "kind": MM, "days": days, "agreement_on": None})

    # -- the whole plan --

    def plan(self) -> None:
        self.projects = self.choose_projects()
        serious = [
            s for s in self.sites if s.facility.serious_violation_on and s.facility.serious_violation_on <= self.today
        ]
        self.excluded |= {s.pk for s in serious}
        self.reserve_pending()
        # The demo operator's facilities keep to their own story (a draft, a filing, an application).
        self.excluded |= self.operator_facilities
        self.plan_batches()
        self.simulate()
        self.suspend_after_serious_penalty(serious[:1])
        self.number()
        self.verify()

    def number(self) -> None:
        """Certificate numbers in the order of decision, continuing each kind's sequence of the year."""
        last = {(row.kind, row.year): row.last_number for row in RecognitionSequence.objects.all()}
        order = list(RecognitionKind.values)
        for grant in sorted(self.grants, key=lambda g: (g.decided_on, order.index(g.kind), g.site.facility.name)):
            key = (grant.kind, grant.decided_on.year)
            last[key] = last.get(key, 0) + 1
            grant.number = f"{KIND_PREFIX[grant.kind]}-{grant.decided_on.year}-{last[key]:04d}"
        self.sequence_last = last

    def verify(self) -> None:
        """What the demo promises, checked before anything is written."""
        problems = []
        for grant in self.grants:
            stored = RecognitionFacts.from_json(grant.facts.as_json())
            failed = failures(evaluate(self.rows[grant.criteria_set.pk], stored))
            if failed:
                problems.append(f"{grant.site.facility.name} {grant.kind} {grant.decided_on}: {failed[0].evidence}")
        in_force = Counter(g.kind for g in self.grants if g.in_force(END_2021))
        if dict(in_force) != {str(k): v for k, v in IN_FORCE_END_2021.items()}:
            problems.append(f"in force on {END_2021}: {dict(in_force)}")
        last_2025 = max((b.day for b in self.batches if b.day.year == 2025), default=None)
        municipal_model = sum(
            1 for g in self.grants if g.kind == MM and g.renews is None and 2021 <= g.decided_on.year <= 2025
        )
        if last_2025 and self.today > last_2025 and municipal_model < MODEL_TARGET_2025:
            problems.append(f"municipal model facilities granted 2021–2025: {municipal_model}")
        if problems:
            raise RuntimeError("the recognition demo does not add up: " + "; ".join(problems))

    # -- writing --

    def status(self, grant: _Grant) -> str:
        if grant.revoked_on is not None:
            return RecognitionStatus.REVOKED
        if grant.renewed_by is not None:
            return RecognitionStatus.RENEWED
        if grant.valid_to <= self.today:
            return RecognitionStatus.EXPIRED
        if grant.suspended_on is not None:
            return RecognitionStatus.SUSPENDED
        return RecognitionStatus.ACTIVE

    def notice_sent_on(self, grant: _Grant) -> date | None:
        """The daily job's expiry notice, sent `expiry_notice_days` ahead to a recognition then in force."""
        notice = grant.valid_to - timedelta(days=grant.criteria_set.expiry_notice_days)
        if notice > self.today or not grant.in_force(notice):
            return None
        return notice

    def write(self) -> None:
        admin = self.city_admin
        for depth in range(max((g.depth for g in self.grants), default=-1) + 1):
            generation = [g for g in self.grants if g.depth == depth]
            applications = []
            for grant in generation:
                model = grant.kind in MODEL_KINDS
                grant.application = RecognitionApplication(
                    facility=grant.site.facility,
                    kind=grant.kind,
                    route=grant.route,
                    renews=grant.renews.row if grant.renews else None,
                    status=ApplicationStatus.GRANTED,
                    criteria_set=grant.criteria_set,
                    agreement_signed_on=grant.agreement_on,
                    agreement_reference=grant.agreement_reference,
                    guidance_accepted=model,
                    statement=DEMO_PREFIX + ("期满申请延续认定。" if grant.renews else "区卫生健康委员会推荐认定。"),
                    submitted_by=grant.reviewer,
                    submitted_on=grant.submitted_on,
                    unit_deadline=self.calendar.add(grant.submitted_on, grant.submitted_set.unit_review_working_days),
                    unit_reviewer=grant.reviewer,
                    unit_reviewed_on=grant.reviewed_on,
                    unit_opinion="经审核，材料齐全，符合认定条件，同意上报。",
                    city_deadline=self.calendar.add(grant.reviewed_on, grant.reviewed_set.city_decision_working_days),
                    decided_by=admin,
                    decided_on=grant.decided_on,
                    decision_opinion="经复核，同意延续认定。" if grant.renews else "经审定，同意认定。",
                    decision_reference=grant.document,
                    facts=grant.facts.as_json(),
                    evaluation=[result.as_json() for result in grant.results],
                )
                applications.append(grant.application)
            RecognitionApplication.objects.bulk_create(applications, batch_size=BATCH)
            rows = []
            for grant in generation:
                grant.row = Recognition(
                    facility=grant.site.facility,
                    kind=grant.kind,
                    number=grant.number,
                    status=self.status(grant),
                    valid_from=grant.valid_from,
                    valid_to=grant.valid_to,
                    granted_on=grant.decided_on,
                    decided_by=admin,
                    decision_reference=grant.document,
                    application=grant.application,
                    criteria_set=grant.criteria_set,
                    renewed_from=grant.renews.row if grant.renews else None,
                    facts=grant.application.facts,
                    evaluation=grant.application.evaluation,
                    revoked_on=grant.revoked_on,
                    revocation_reason=grant.revocation_reason,
                    expired_on=grant.valid_to if self.status(grant) == RecognitionStatus.EXPIRED else None,
                    expiry_notice_sent_on=self.notice_sent_on(grant),
                )
                rows.append(grant.row)
            Recognition.objects.bulk_create(rows, batch_size=BATCH)
        suspensions = []
        for grant in self.grants:
            if grant.suspended_on is None:
                continue
            reference = grant.site.facility.serious_violation_reference
            with translation.override("zh-hans"):  # stored text: in the portal's language, as the service
                reason = _("Serious violation decided (%(reference)s): suspended until the city reviews it.") % {
                    "reference": reference or "—"
                }
            suspensions.append(
                RecognitionSuspension(
                    recognition=grant.row,
                    suspended_on=grant.suspended_on,
                    reason=reason,
                    penalty_reference=reference[:100],
                )
            )
        RecognitionSuspension.objects.bulk_create(suspensions)
        self.write_sequences()
        self.write_guidance()
        self.write_projects()
        self.write_targets()
        self.write_pending()

    def write_sequences(self) -> None:
        existing = {(row.kind, row.year): row for row in RecognitionSequence.objects.all()}
        new = []
        for (kind, year), number in sorted(self.sequence_last.items()):
            row = existing.get((kind, year))
            if row is None:
                new.append(RecognitionSequence(kind=kind, year=year, last_number=number))
            elif row.last_number < number:
                row.last_number = number
                row.save(update_fields=["last_number"])
        RecognitionSequence.objects.bulk_create(new)

    def write_guidance(self) -> None:
        """A few guidance activities a year while each model recognition was in force (up to yesterday)."""
        rng = self.rng
        by_unit: dict[str, list[_Site]] = defaultdict(list)
        for site in self.sites:
            by_unit[site.unit].append(site)
        model_sites = {g.site.pk for g in self.grants if g.kind in MODEL_KINDS}
        rows = []
        for grant in self.grants:
            if grant.kind not in MODEL_KINDS:
                continue
            end = min(d for d in (grant.valid_to, self.today, grant.revoked_on, grant.suspended_on) if d is not None)
            for year in range(grant.valid_from.year, end.year + 1):
                first, last = max(grant.valid_from, date(year, 1, 1)), min(end - timedelta(days=1), date(year, 12, 31))
                span = (last - first).days
                if span < 20:
                    continue
                for _n in range(1 if span < 120 else rng.randint(2, 4)):
                    held_on = _between(rng, first, last)
                    kind = rng.choice(GuidanceKind.values)
                    mentored = None
                    if kind == GuidanceKind.MENTORING:
                        pool = [
                            s
                            for s in by_unit[grant.site.unit]
                            if s.pk != grant.site.pk and s.pk not in model_sites and s.version(held_on) is not None
                        ]
                        if pool:
                            mentored = rng.choice(pool)
                        else:
                            kind = GuidanceKind.OPEN_DAY
                    title, participants = {
                        GuidanceKind.MENTORING: (
                            f"结对帮扶{mentored.facility.name if mentored else ''}：保育照护与安全管理指导",
                            rng.randint(3, 8),
                        ),
                        GuidanceKind.OPEN_DAY: (f"{grant.site.facility.name}开放日", rng.randint(20, 80)),
                        GuidanceKind.PARENTING_SESSION: (rng.choice(PARENTING_TITLES), rng.randint(15, 60)),
                        GuidanceKind.COMMUNITY_CLASS: (rng.choice(COMMUNITY_TITLES), rng.randint(10, 40)),
                    }[kind]
                    rows.append(
                        GuidanceActivity(
                            facility=grant.site.facility,
                            recognition=grant.row,
                            kind=kind,
                            held_on=held_on,
                            title=title[:200],
                            participants=participants,
                            mentored_facility=mentored.facility if mentored else None,
                            note=DEMO_PREFIX,
                            recorded_by=self.officers[grant.site.unit],
                        )
                    )
        GuidanceActivity.objects.bulk_create(rows, batch_size=BATCH)

    def write_projects(self) -> None:
        rng, today = self.rng, self.today
        rows = []
        for site, code in self.projects:
            facility = site.facility
            opened = facility.opened_on
            first_slots = next((v.slots for v in site.versions if v.slots), facility.slots)
            rows.append(
                BuildProject(
                    name=facility.name,
                    programme=PROGRAMME_2021,
                    district_id=code,
                    street_id=facility.street_id,
                    target_year=2021,
                    planned_slots=max(first_slots, 1),
                    status=ProjectStatus.OPENED,
                    planned_opening_on=min(
                        max(opened + timedelta(days=rng.randint(-30, 20)), date(2021, 1, 1)), date(2021, 12, 31)
                    ),
                    started_on=opened - timedelta(days=rng.randint(150, 260)),
                    completed_on=opened - timedelta(days=rng.randint(10, 45)),
                    opened_on=opened,
                    facility=facility,
                    note=DEMO_PREFIX + "新建普惠性托育机构，已开园运营。",
                    created_by=self.city_admin,
                )
            )
        streets = defaultdict(dict)
        for street in Street.objects.all():
            streets[street.district_id][street.name] = street
        used: set[str] = set()
        for (year, status), code in zip(LATER_PROJECTS, rng.sample(self.units, len(LATER_PROJECTS)), strict=True):
            place = rng.choice([p for p in PLACES[code] if p not in used])
            used.add(place)
            street = streets[code].get(f"{place}街道") or streets[code].get(f"{place}镇")
            building = status == ProjectStatus.UNDER_CONSTRUCTION
            rows.append(
                BuildProject(
                    name=f"{ADDRESS_PREFIX[code]}{place}普惠托育中心",
                    programme=PROGRAMME_LATER,
                    district_id=code,
                    street=street,
                    target_year=year,
                    planned_slots=rng.choice([60, 80, 100, 120, 150]),
                    status=status,
                    planned_opening_on=max(date(year, 12, 31), today + timedelta(days=rng.randint(40, 120))),
                    started_on=today - timedelta(days=rng.randint(60, 300)) if building else None,
                    note=DEMO_PREFIX + ("主体施工中。" if building else "已列入计划，选址完成。"),
                    created_by=self.city_admin,
                )
            )
        BuildProject.objects.bulk_create(rows)

    def write_targets(self) -> None:
        """Per-unit targets (labelled defaults): the 2021 project as split above, the city's 50 model facilities
        over 2021–2025 by population, and the city's 4.5 slots per 1,000 in 2025 for every unit."""
        population = dict(DistrictPopulation.objects.filter(year=2020).values_list("district_id", "population"))
        weights = [float(population.get(code, 1)) for code in self.units]
        built = Counter(code for _site, code in self.projects)
        model = allocate(MODEL_TARGET_2025, weights, [1] * len(self.units), [MODEL_TARGET_2025] * len(self.units))
        specs = []
        for code, models_target in zip(self.units, model, strict=True):
            specs += [
                (
                    code,
                    TargetIndicator.INCLUSIVE_FACILITIES_BUILT,
                    2021,
                    None,
                    Decimal(built[code]),
                    f"2021年苏州市政府民生实事项目：新建30家普惠性托育机构{DEMO_SPLIT}：按2020年常住人口分到各地，"
                    "以当年开办的机构数为限",
                ),
                (
                    code,
                    TargetIndicator.MODEL_FACILITIES,
                    2025,
                    2021,
                    Decimal(models_target),
                    f"苏州市“十四五”期间建成市级示范性托育机构不少于50家{DEMO_SPLIT}：按2020年常住人口分到各地",
                ),
                (
                    code,
                    TargetIndicator.SLOTS_PER_THOUSAND,
                    2025,
                    None,
                    SLOTS_PER_THOUSAND_2025,
                    f"到2025年每千人口拥有3岁以下婴幼儿托位数4.5个{DEMO_SPLIT}：各地沿用全市目标",
                ),
            ]
        existing = set(
            DevelopmentTarget.objects.filter(district__isnull=False).values_list("district_id", "indicator", "year")
        )
        DevelopmentTarget.objects.bulk_create(
            [
                DevelopmentTarget(
                    district_id=code,
                    indicator=indicator,
                    year=year,
                    from_year=from_year,
                    value=value,
                    source=source,
                    is_default=True,
                )
                for code, indicator, year, from_year, value, source in specs
                if (code, indicator, year) not in existing
            ]
        )

    def live_checks(self, plan: dict, *, reference: str = "") -> list | None:
        """The live criteria check (`selectors_recognition.recognition_check`, as the services run it) on each
        step's day and today; None if any criterion fails."""
        checked = []
        for day in (*plan["days"], self.today):
            criteria_set, facts, results = selectors_recognition.recognition_check(
                plan["site"].facility,
                kind=plan["kind"],
                on=day,
                agreement_signed_on=plan["agreement_on"],
                agreement_reference=reference,
                guidance_accepted=plan["kind"] in MODEL_KINDS,
            )
            if criteria_set is None or failures(results):
                return None
            checked.append((criteria_set, facts, results))
        return checked

    def write_pending(self) -> None:
        """Today's pending applications, with the facts of their last step read through the live selectors (what
        the services would have stored); each must meet the criteria in force today as well."""
        calendar, today = self.calendar, self.today
        plans = list(self.pending_plan)
        # A renewal under way: a recognition in its notice period, in force, that meets today's criteria.
        due = [
            g
            for g in self.grants
            if self.status(g) == RecognitionStatus.ACTIVE and g.valid_to > today and self.notice_sent_on(g) is not None
        ]
        for grant in sorted(due, key=lambda g: (g.valid_to, g.number)):
            submitted_on = min(max(self.notice_sent_on(grant), calendar.back(today, 3)), today)
            agreement_on = submitted_on - timedelta(days=20) if grant.kind in INCLUSIVE_KINDS else None
            plan = {"site": grant.site, "kind": grant.kind, "days": (submitted_on,), "agreement_on": agreement_on}
            if self.live_checks(plan) is not None:
                plans.append({**plan, "renews": grant})
                break
        through = Facility.operators.through
        rows = []
        for plan in plans:
            site, kind = plan["site"], plan["kind"]
            facility = site.facility
            officer = self.officers[site.unit]
            agreement_on = plan["agreement_on"]
            reference = self.agreement_reference(site.unit, agreement_on) if agreement_on else ""
            model = kind in MODEL_KINDS
            checked = self.live_checks(plan, reference=reference)
            if checked is None:
                raise RuntimeError(f"the recognition demo does not add up: pending {kind} of {facility.name}")
            submitted_on = plan["days"][0]
            first_set = checked[0][0]
            forwarded = len(plan["days"]) == 2
            last_set, last_facts, last_results = checked[len(plan["days"]) - 1]
            renews = plan.get("renews")
            route = plan.get("route") or (ApplicationRoute.RENEWAL if renews else ApplicationRoute.NOMINATED)
            rows.append(
                RecognitionApplication(
                    facility=facility,
                    kind=kind,
                    route=route,
                    renews=renews.row if renews else None,
                    status=ApplicationStatus.FORWARDED if forwarded else ApplicationStatus.SUBMITTED,
                    criteria_set=last_set,
                    agreement_signed_on=agreement_on,
                    agreement_reference=reference,
                    guidance_accepted=model,
                    statement=DEMO_PREFIX
                    + (plan.get("statement") or ("期满申请延续认定。" if renews else "区卫生健康委员会推荐认定。")),
                    submitted_by=plan.get("submitted_by") or officer,
                    submitted_on=submitted_on,
                    unit_deadline=calendar.add(submitted_on, first_set.unit_review_working_days),
                    unit_reviewer=officer if forwarded else None,
                    unit_reviewed_on=plan["days"][1] if forwarded else None,
                    unit_opinion="经审核，材料齐全，符合认定条件，同意上报。" if forwarded else "",
                    city_deadline=calendar.add(plan["days"][1], last_set.city_decision_working_days)
                    if forwarded
                    else None,
                    facts=last_facts.as_json(),
                    evaluation=[result.as_json() for result in last_results],
                )
            )
            if plan.get("link_operator"):
                through.objects.get_or_create(facility_id=facility.pk, user_id=self.operator.pk)
        RecognitionApplication.objects.bulk_create(rows)


def plan_recognition_demo(*, today: date, seed: int = 7) -> _Builder | None:
    """The plan in memory, checked (creates the synthetic reviewer accounts it needs, nothing else); None without
    demo facilities or a city admin."""
    city_admin = (
        User.objects.filter(username="city_admin", role=Role.CITY_ADMIN, is_active=True).first()
        or User.objects.filter(role=Role.CITY_ADMIN, is_active=True).order_by("pk").first()
    )
    if city_admin is None or not _demo_facilities().exists():
        return None
    builder = _Builder(today=today, seed=seed, city_admin=city_admin)
    builder.plan()
    return builder


def load_recognition_demo(*, today: date, seed: int = 7) -> dict:
    """Load the synthetic recognitions, targets, projects and guidance (see the module docstring) unless they are
    there; return their counts. `created` says whether this call wrote them."""
    # Stored evidence is in the portal's language, as the services store it for its users.
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        if _demo_applications().exists():
            return {**recognition_demo_counts(today=today), "created": False}
        builder = plan_recognition_demo(today=today, seed=seed)
        if builder is None:
            return {**recognition_demo_counts(today=today), "created": False}
        builder.write()
    return {**recognition_demo_counts(today=today), "created": True}
