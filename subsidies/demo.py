"""Monthly enrolment reports, statements and payment batches over the demo facilities: SYNTHETIC DATA.

Everything here is invented: the figures each demo facility (`facilities.demo`) reported, when, the
corrections and their reasons, who prepared and approved which batch and when. Load it after the facility,
supervision and recognition demos: the calculation reads their violations, penalties and recognitions.

- Reports (a bulk load, no audit entries): for every month from 2021-01 to the last ended month, every
  socially-run facility that operated and was filed (filed, verified or change pending) on the month's last
  day as its `FacilityVersion` stood then, and that has classes, files one current report. Family care points
  have no classes in the filing, so they cannot report (their statements say "no report"); kindergarten
  classes are not covered by the default rules and do not report here. A report has one line per class type
  of the facility's classes: the version's enrolled figure (less a few percent of monthly turnover) spread over
  the types in proportion to their capacity, never above the capacity of the type nor the filed slots;
  attendance about 18–22 child-days per infant (14–18 in February), carers enough for the ratio of the setting
  standard in force at the month's end, sometimes one more. Deadlines come from `report_deadline` (working
  days after the month's end, per the rules in force); about 3% are filed late (`late`, after the deadline)
  and about 1% corrected (revision 1 superseded, revision 2 current with its reason). The submitter is the
  facility's operator account when it has one, else the unit's synthetic clerk (a district officer may file
  for a facility of the unit, as `report_submit` allows). Reports are submitted before `today` only: a report
  whose drawn day is not yet past is left out (the month is still open for it).
- Statements: through the real code path, `period_calculate(period=...)` month by month (idempotent,
  chunked), in the portal's language; their `calculated_at` is then set back to the city's monthly run: the
  day after the last unit's deadline and after the month's last report.
- Batches: for every unit and every ended payment period of its rules (monthly for the districts, yearly for
  the four county-level cities), through the services (`batch_prepare`, `batch_decide` along the unit's
  approval chain, `batch_mark_paid`), so the maker-checker rules hold and their audit entries are written.
  The unit's synthetic clerk prepares and marks paid; the unit's demo officer (`gusu_officer`,
  `wujiang_officer`) or else the unit's synthetic approver decides the unit's steps; `city_admin` (or the first
  active city admin) the city's. Monthly units leave their last two months in the queue: the last month
  prepared and awaiting the unit, the month before approved by the unit and awaiting the city. After the
  services ran, the batch timestamps are set back to plausible days after the period (prepared a few days
  after the calculation, each approval and the payment a few days later, all before now) and the
  second-review seed is redrawn from the demo's seed (the sample drawn again from it), so a load is
  deterministic; the audit entries keep the load's time. Without a city admin, batches of chains with a city
  step stay at that step.
- Late corrections: after the payments, a few reports of paid months in monthly units are corrected (one more
  infant than first reported); recalculating those months leaves the paid statement as it is and creates an
  adjustment, which the last month's batch takes with it.
- Synthetic accounts: per unit a clerk (`demo_subsidy_clerk_<unit>`) and, where no demo officer exists, an
  approver (`demo_subsidy_approver_<unit>`): district officers, inactive, with unusable passwords (they cannot
  sign in; named as synthetic in their names).

One transaction. Recognised by the reports of the synthetic clerks on demo facilities: if any exists, loading
does nothing and returns the counts of what is there (idempotent). Deterministic for a given `seed`, `today`
and database (facilities are taken in name order, not by primary key). Without demo facilities nothing is
loaded.

Most socially-run demo facilities charge more than their unit's fee reference, so eligible months are a
minority (with `today` in 2026-11: none in 苏州高新区, 姑苏区 only from 2024); a unit and period with nothing to
pay has no batch (`batch_prepare` refuses an empty one).

Measured on SQLite (in-memory test database, the demo history with `today` 2026-11-29, 2021-01 to 2026-10:
12,300 current reports, 51,000 statements, 260 batches): 25–50 s depending on the machine's load, every month since 2021
calculated. The 70 monthly runs take about half of it, mostly in Python (building, fingerprinting and
bulk-inserting the statements; their SQL is under a fifth of a run), the batches through the services about a
third.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone, translation

from facilities.demo import ADDRESS_PREFIX, DEMO_USCC_PATTERN, allocate
from facilities.models import Category, Facility, FacilityClass, FacilityVersion
from facilities.selectors import standards_in_force
from suzhou_childcare.accounts.models import Role, User

from .facts import month_end
from .models import (
    BatchApproval,
    BatchStatus,
    EnrolmentReport,
    EnrolmentReportLine,
    PaymentBatch,
    PaymentPeriod,
    ReportStatus,
    Statement,
    StatementKind,
)
from .rules import FILED_STATES
from .selectors import rule_set_for
from .services.batches import batch_decide, batch_mark_paid, batch_prepare, draw_sample
from .services.calculation import period_calculate
from .services.reports import report_deadline

FIRST_MONTH = date(2021, 1, 1)
SYNTHETIC_PREFIX = "demo_subsidy_"
DEMO_OFFICERS = {"320508": "gusu_officer", "320509": "wujiang_officer"}
LATE_SHARE = 0.03
CORRECTION_SHARE = 0.01
LATE_CORRECTIONS = 3  # corrections of paid months: adjustments in the last batch
QUEUE_MONTHS = 2  # monthly units: the last month awaits the unit, the month before the city
BATCH = 2000
CORRECTION_REASONS = [
    "漏报当月新入托幼儿，更正在托人数。",
    "误将已离园幼儿计入在托人数，现予更正。",
    "考勤统计表汇总有误，更正出勤人天数。",
    "班级人数录入错误（托小班与托大班填反），现予更正。",
]
LATE_CORRECTION_REASONS = [
    "补报：当月遗漏一名新入托幼儿（该月补助已拨付，差额随下一批次拨付）。",
    "复核考勤记录发现漏报一名幼儿，申请更正（该月已拨付）。",
]


def _demo_facilities():
    return Facility.objects.filter(uscc__regex=DEMO_USCC_PATTERN)


def _months(first: date, last: date) -> list[date]:
    months, day = [], first
    while day <= last:
        months.append(day)
        day = _next_month(day)
    return months


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


def _demo_batches():
    return PaymentBatch.objects.filter(prepared_by__username__startswith=SYNTHETIC_PREFIX)


def _demo_reports():
    return EnrolmentReport.objects.filter(facility__in=_demo_facilities())


def subsidies_demo_counts(*, today: date) -> dict:
    """What the demo holds (the same figures whether just loaded or already there)."""
    demo = _demo_facilities()
    reports = _demo_reports()
    current = reports.filter(status=ReportStatus.CURRENT)
    statements = Statement.objects.filter(facility__in=demo)
    batches = _demo_batches()
    paid = batches.filter(status=BatchStatus.PAID)
    return {
        "synthetic": True,
        "reports": current.count(),
        "months": current.values("period").distinct().count(),
        "late": current.filter(late=True).count(),
        "corrections": current.filter(revision__gt=1).count(),
        "superseded": reports.filter(status=ReportStatus.SUPERSEDED).count(),
        "statements": statements.count(),
        "eligible": statements.filter(eligible=True, kind=StatementKind.REGULAR).count(),
        "adjustments": statements.filter(kind=StatementKind.ADJUSTMENT).count(),
        "batches": batches.count(),
        "paid": paid.count(),
        "awaiting": batches.filter(status__in=[BatchStatus.PREPARED, BatchStatus.APPROVED]).count(),
        "total_paid": paid.aggregate(total=Sum("total"))["total"] or Decimal("0.00"),
    }


@dataclass
class _Site:
    pk: int
    name: str
    district: str
    slots: int
    capacity: dict[str, int]  # class type → places of the filed classes of that type
    versions: list[dict]
    submitter: User | None = None

    def version_on(self, day: date) -> dict | None:
        for row in self.versions:
            if row["valid_from"] <= day and (row["valid_to"] is None or row["valid_to"] > day):
                return row
        return None


@dataclass
class _Report:
    site: _Site
    period: date
    lines: list[tuple[str, int, int, int]]  # class type, enrolled, attendance days, carers
    submitted_on: date
    revision: int = 1
    superseded: bool = False
    reason: str = ""
    row: EnrolmentReport | None = None


class _Builder:
    def __init__(self, *, today: date, seed: int) -> None:
        self.today = today
        self.now = timezone.now()
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not security
        self.last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        self.months = _months(FIRST_MONTH, self.last_month)
        self.units = sorted(ADDRESS_PREFIX)
        facilities = sorted(
            _demo_facilities().filter(category=Category.SOCIAL).values("pk", "name", "district_id", "slots"),
            key=lambda row: row["name"],
        )
        capacity: dict[int, dict[str, int]] = defaultdict(dict)
        for facility_id, class_type, places in (
            FacilityClass.objects.filter(facility__in=_demo_facilities())
            .values("facility_id", "class_type")
            .annotate(places=Sum("capacity"))
            .values_list("facility_id", "class_type", "places")
        ):
            capacity[facility_id][class_type] = places or 0
        versions: dict[int, list[dict]] = defaultdict(list)
        for row in FacilityVersion.objects.filter(facility__in=_demo_facilities()).values(
            "facility_id", "valid_from", "valid_to", "opened_on", "closed_on", "filing_status", "enrolled"
        ):
            versions[row["facility_id"]].append(row)
        self.sites = [
            _Site(
                row["pk"],
                row["name"],
                row["district_id"],
                row["slots"],
                dict(sorted(capacity[row["pk"]].items())),
                sorted(versions[row["pk"]], key=lambda v: v["valid_from"]),
            )
            for row in facilities
            if capacity.get(row["pk"])
        ]
        operators = {}
        for facility_id, user_id in (
            Facility.operators.through.objects.filter(facility__in=_demo_facilities(), user__role=Role.OPERATOR)
            .order_by("user_id")
            .values_list("facility_id", "user_id")
        ):
            operators.setdefault(facility_id, user_id)
        users = {u.pk: u for u in User.objects.filter(pk__in=set(operators.values()))}
        self.clerks, self.approvers = self._accounts()
        for site in self.sites:
            site.submitter = users.get(operators.get(site.pk)) or self.clerks[site.district]
        self.city_admin = (
            User.objects.filter(username="city_admin", role=Role.CITY_ADMIN, is_active=True).first()
            or User.objects.filter(role=Role.CITY_ADMIN, is_active=True).order_by("pk").first()
        )
        self.reports: list[_Report] = []
        self.deadlines: dict[tuple[str, date], date] = {}
        self.ratios: dict[date, dict[str, int]] = {}
        self.calculated: dict[date, datetime] = {}
        self.payable: set[tuple[str, date]] = set()
        self.taken: set[tuple[str, date, date]] = set()
        self.adjusted_units: set[str] = set()
        self.batch_times: list[tuple[PaymentBatch, dict]] = []

    # -- accounts --

    def _synthetic(self, username: str, code: str, title: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                role=Role.DISTRICT_OFFICER,
                district_id=code,
                first_name=f"{ADDRESS_PREFIX[code]}卫健委{title}（演示）",
                organisation=f"{ADDRESS_PREFIX[code]}卫生健康委员会",
                is_active=False,
            )
            user.set_unusable_password()
            user.save()
        return user

    def _accounts(self) -> tuple[dict[str, User], dict[str, User]]:
        clerks, approvers = {}, {}
        for code in self.units:
            clerks[code] = self._synthetic(f"{SYNTHETIC_PREFIX}clerk_{code}", code, "补助经办人")
            demo = User.objects.filter(
                username=DEMO_OFFICERS.get(code, ""), role=Role.DISTRICT_OFFICER, district_id=code
            ).first()
            approvers[code] = demo or self._synthetic(f"{SYNTHETIC_PREFIX}approver_{code}", code, "补助审核人")
        return clerks, approvers

    # -- reports --

    def deadline(self, site: _Site, period: date) -> date:
        key = (site.district, period)
        if key not in self.deadlines:
            # The deadline depends on the facility's unit only (its rules in force): one call per unit and month.
            self.deadlines[key] = report_deadline(facility=Facility(district_id=site.district), period=period)
        return self.deadlines[key]

    def ratios_on(self, period: date) -> dict[str, int]:
        if period not in self.ratios:
            standards = standards_in_force(on=month_end(period))
            self.ratios[period] = {
                key.split(".")[1]: int(value.value)
                for key, value in standards.items()
                if key.startswith("class.") and key.endswith(".children_per_carer")
            }
        return self.ratios[period]

    def lines(self, site: _Site, period: date, enrolled: int) -> list[tuple[str, int, int, int]]:
        rng = self.rng
        types = list(site.capacity)
        places = [site.capacity[t] for t in types]
        target = max(0, min(round(enrolled * rng.uniform(0.9, 1.0)), sum(places), site.slots))
        spread = allocate(target, [float(p) for p in places], [0] * len(types), places)
        ratios = self.ratios_on(period)
        days = month_end(period).day
        low, high = (14, 18) if period.month == 2 else (18, 22)
        rows = []
        for class_type, count in zip(types, spread, strict=True):
            ratio = ratios.get(class_type)
            carers = (math.ceil(count / ratio) if ratio else 1) if count else 0
            if count and rng.random() < 0.3:
                carers += 1
            attendance = min(count * days, round(count * rng.uniform(low, high)))
            rows.append((class_type, count, attendance, carers))
        return rows

    def plan_reports(self) -> None:
        rng, today = self.rng, self.today
        for period in self.months:
            last = month_end(period)
            for site in self.sites:
                version = site.version_on(last)
                if (
                    version is None
                    or version["filing_status"] not in FILED_STATES
                    or (version["opened_on"] and version["opened_on"] > last)
                    or (version["closed_on"] and version["closed_on"] < period)
                ):
                    continue
                deadline = self.deadline(site, period)
                lines = self.lines(site, period, version["enrolled"])
                if rng.random() < LATE_SHARE:
                    submitted = deadline + timedelta(days=rng.randint(1, 12))
                else:
                    submitted = last + timedelta(days=rng.randint(1, max(1, (deadline - last).days)))
                if submitted >= today:
                    continue  # not filed yet: the month is still open for it
                if rng.random() < CORRECTION_SHARE:
                    corrected = submitted + timedelta(days=rng.randint(2, 10))
                    if corrected < today:
                        reason = rng.choice(CORRECTION_REASONS)
                        first = self.mistaken(site, lines, period, reason)
                        self.reports.append(_Report(site, period, first, submitted, superseded=True))
                        self.reports.append(_Report(site, period, lines, corrected, revision=2, reason=reason))
                        continue
                self.reports.append(_Report(site, period, lines, submitted))

    def mistaken(self, site: _Site, lines, period: date, reason: str) -> list[tuple[str, int, int, int]]:
        """The first filing the correction puts right: fewer infants in one class type, or other attendance."""
        rng = self.rng
        rows = list(lines)
        filled = [i for i, row in enumerate(rows) if row[1]]
        if not filled:
            return rows
        i = rng.choice(filled)
        class_type, count, attendance, carers = rows[i]
        fewer = min(count, rng.randint(1, 2))
        rows[i] = (class_type, count - fewer, attendance - attendance * fewer // count, carers)
        if "考勤" in reason:
            rows[i] = (class_type, count, max(0, attendance - rng.randint(3, 2 + 2 * count)), carers)
        elif "填反" in reason and len(rows) > 1:
            # The infants typed into a neighbouring class type (when it has the room and the carers).
            j = (i + 1) % len(rows)
            other, others, other_days, other_carers = rows[j]
            ratio = self.ratios_on(period).get(other)
            if others + fewer <= site.capacity[other] and (not ratio or other_carers * ratio >= others + fewer):
                rows[j] = (other, others + fewer, other_days + attendance * fewer // count, other_carers)
        return rows

    def write_reports(self, reports: list[_Report]) -> None:
        rows = []
        for report in reports:
            deadline = self.deadline(report.site, report.period)
            report.row = EnrolmentReport(
                facility_id=report.site.pk,
                period=report.period,
                revision=report.revision,
                status=ReportStatus.SUPERSEDED if report.superseded else ReportStatus.CURRENT,
                deadline=deadline,
                submitted_by=report.site.submitter,
                submitted_at=_at(report.submitted_on, self.rng.randint(8, 17), self.rng.randint(0, 59)),
                late=report.submitted_on > deadline,
                correction_reason=report.reason,
            )
            rows.append(report.row)
        EnrolmentReport.objects.bulk_create(rows, batch_size=BATCH)
        EnrolmentReportLine.objects.bulk_create(
            (
                EnrolmentReportLine(report=r.row, class_type=t, enrolled=e, attendance_days=a, carers=c)
                for r in reports
                for t, e, a, c in r.lines
            ),
            batch_size=BATCH,
        )

    # -- statements --

    def calculate(self) -> None:
        """The city's monthly run, once per month after every unit's deadline and the month's last report."""
        last_report: dict[date, date] = {}
        for report in self.reports:
            last_report[report.period] = max(last_report.get(report.period, report.submitted_on), report.submitted_on)
        for period in self.months:
            period_calculate(period=period)
            deadlines = [d for (_code, p), d in self.deadlines.items() if p == period]
            day = max([*deadlines, last_report.get(period, month_end(period))]) + timedelta(days=1)
            self.calculated[period] = min(_at(day, 2, 0), self.now - timedelta(hours=1))
            Statement.objects.filter(period=period).update(calculated_at=self.calculated[period])
        # What each unit has to pay: (unit, month) with a statement not zero and in no batch yet.
        self.payable = set(
            Statement.objects.filter(batch__isnull=True)
            .exclude(total=0)
            .values_list("facility__district_id", "period")
            .distinct()
        )
        self.taken = set(
            PaymentBatch.objects.exclude(status=BatchStatus.REJECTED).values_list(
                "district_id", "period_start", "period_end"
            )
        )

    # -- batches --

    def periods(self, code: str) -> list[tuple[date, date, str]]:
        """The unit's ended payment periods: (first month, last month, payment period)."""
        periods, start = [], FIRST_MONTH
        while start <= self.last_month:
            rule_set = rule_set_for(district_code=code, on=start)
            if rule_set is None:
                start = _next_month(start)
                continue
            span = {PaymentPeriod.QUARTERLY: 3, PaymentPeriod.YEARLY: 12}.get(rule_set.payment_period, 1)
            if (start.month - 1) % span:
                start = _next_month(start)  # a period starts on a quarter's or a year's first month
                continue
            end = start
            for _ in range(span - 1):
                end = _next_month(end)
            if end > self.last_month:
                break
            periods.append((start, end, rule_set.payment_period))
            start = _next_month(end)
        return periods

    def later(self, at: datetime, low: int, high: int) -> datetime:
        """A working hour `low`–`high` days after `at`, before now (just after `at` when that is too late)."""
        rng = self.rng
        day = timezone.localdate(at) + timedelta(days=rng.randint(low, high))
        moment = max(_at(day, rng.randint(9, 16), rng.randint(0, 59)), at + timedelta(minutes=5))
        if moment > self.now - timedelta(minutes=30):
            moment = at + (self.now - at) / 10
        return moment

    def run_batch(self, code: str, start: date, end: date, *, steps: int | None) -> PaymentBatch | None:
        """Prepare, approve `steps` steps (all when None) and pay when all are approved."""
        months = {month for unit, month in self.payable if unit == code and start <= month <= end}
        if not months and code not in self.adjusted_units:
            return None  # nothing to pay: every statement of the period is zero
        if (code, start, end) in self.taken:
            return None  # prepared by someone else already
        clerk = self.clerks[code]
        batch = batch_prepare(actor=clerk, district_code=code, period_start=start, period_end=end, today=self.today)
        at = self.later(self.calculated[end], 1, 4)
        times = {"prepared": at, "approvals": []}
        used = {clerk.pk}
        chain = list(batch.approval_chain)
        for step, role in enumerate(chain if steps is None else chain[:steps]):
            actor = self.approvers[code] if role == Role.DISTRICT_OFFICER else self.city_admin
            if actor is None or actor.pk in used:
                break
            used.add(actor.pk)
            batch = batch_decide(actor=actor, batch=batch, approve=True)
            at = self.later(at, 1, 5)
            times["approvals"].append((step, at))
        if batch.status == BatchStatus.APPROVED:
            batch = batch_mark_paid(actor=clerk, batch=batch)
            times["paid"] = self.later(at, 2, 6)
        self.batch_times.append((batch, times))
        return batch

    def run_batches(self, *, last_month_only: bool) -> None:
        for code in self.units:
            periods = self.periods(code)
            monthly = [p for p in periods if p[2] == PaymentPeriod.MONTHLY]
            queue = {p[0]: i for i, p in enumerate(reversed(monthly[-QUEUE_MONTHS:]))}  # 0: last, 1: before
            for start, end, _kind in periods:
                position = queue.get(start)
                if last_month_only != (position == 0):
                    continue
                self.run_batch(code, start, end, steps={0: 0, 1: 1}.get(position))

    def fix_batch_times(self) -> None:
        batches, approvals = [], []
        by_batch: dict[int, list[BatchApproval]] = {}
        for approval in BatchApproval.objects.filter(batch__in=[b for b, _t in self.batch_times]):
            by_batch.setdefault(approval.batch_id, []).append(approval)
        for batch, times in self.batch_times:
            batch.prepared_at = times["prepared"]
            if "paid" in times:
                batch.paid_at = times["paid"]
            batch.sample_seed = self.rng.getrandbits(62)
            batch.sample = draw_sample(list(batch.statements.values_list("pk", flat=True)), seed=batch.sample_seed)
            batch.sample_size = len(batch.sample)
            batches.append(batch)
            steps = dict(times["approvals"])
            for approval in by_batch.get(batch.pk, []):
                approval.decided_at = steps.get(approval.step, approval.decided_at)
                approvals.append(approval)
        PaymentBatch.objects.bulk_update(batches, ["prepared_at", "paid_at", "sample_seed", "sample", "sample_size"])
        BatchApproval.objects.bulk_update(approvals, ["decided_at"])

    # -- corrections of paid months --

    def late_corrections(self) -> None:
        """A few reports of paid months corrected now: recalculating makes adjustments for the last batch."""
        rng = self.rng
        paid = set(
            PaymentBatch.objects.filter(status=BatchStatus.PAID, period_start=F("period_end")).values_list(
                "district_id", "period_start"
            )
        )
        recent = set(self.months[-(QUEUE_MONTHS + 6) : -QUEUE_MONTHS])
        uncapped = set(
            Statement.objects.filter(
                kind=StatementKind.REGULAR, eligible=True, period__in=recent, batch__status=BatchStatus.PAID
            )
            .exclude(lines__code__startswith="cap.")
            .values_list("facility_id", "period")
        )
        candidates = [
            r
            for r in self.reports
            if r.period in recent
            and not r.superseded
            and r.revision == 1
            and (r.site.district, r.period) in paid
            and (r.site.pk, r.period) in uncapped
            and any(count < r.site.capacity[t] for t, count, _a, _c in r.lines)
            and sum(count for _t, count, _a, _c in r.lines) < r.site.slots
        ]
        chosen = rng.sample(candidates, min(LATE_CORRECTIONS, len(candidates)))
        last = month_end(self.last_month)
        new = []
        for report in chosen:
            deadline = self.deadlines.get((report.site.district, self.last_month), last + timedelta(days=7))
            submitted = min(deadline, self.today - timedelta(days=1))
            rows = list(report.lines)
            i = next(k for k, (t, count, _a, _c) in enumerate(rows) if count < report.site.capacity[t])
            class_type, count, attendance, carers = rows[i]
            ratio = self.ratios_on(report.period).get(class_type)
            rows[i] = (
                class_type,
                count + 1,
                attendance + 20,
                max(carers, math.ceil((count + 1) / ratio) if ratio else 1),
            )
            report.superseded = True
            new.append(
                _Report(
                    report.site,
                    report.period,
                    rows,
                    submitted,
                    revision=2,
                    reason=rng.choice(LATE_CORRECTION_REASONS),
                )
            )
        if not new:
            return
        EnrolmentReport.objects.filter(pk__in=[r.row.pk for r in chosen]).update(status=ReportStatus.SUPERSEDED)
        self.write_reports(new)
        self.reports.extend(new)
        for period, code in sorted({(r.period, r.site.district) for r in new}):
            period_calculate(period=period, district_code=code)
            self.adjusted_units.add(code)
        # Recalculated with the last month's run, after the corrections and before the last batch.
        Statement.objects.filter(
            kind=StatementKind.ADJUSTMENT, batch__isnull=True, period__in={r.period for r in new}
        ).update(calculated_at=self.calculated[self.last_month])


def load_subsidies_demo(*, today: date, seed: int = 2028) -> dict:
    """Load the synthetic reports, statements and batches (see the module docstring) unless they are there;
    return their counts. `created` says whether this call wrote them."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        if _demo_reports().filter(submitted_by__username__startswith=SYNTHETIC_PREFIX).exists():
            return {**subsidies_demo_counts(today=today), "created": False}
        if not _demo_facilities().exists():
            return {**subsidies_demo_counts(today=today), "created": False}
        builder = _Builder(today=today, seed=seed)
        builder.plan_reports()
        builder.write_reports(builder.reports)
        builder.calculate()
        builder.run_batches(last_month_only=False)
        builder.late_corrections()
        builder.run_batches(last_month_only=True)
        builder.fix_batch_times()
    return {**subsidies_demo_counts(today=today), "created": True}
