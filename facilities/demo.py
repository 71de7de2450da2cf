"""The demo history of facilities, 2021-01 to today: SYNTHETIC DATA, a bulk load, no audit entries.

Everything here is invented. The city totals of 2021-05-31 are those of the post-evaluation report
(`../shared/domain/suzhou-2021-05.json`: 543 facilities, 165 kindergarten classes and 378 socially-run,
27,000 slots, 17,000 enrolled, 4,295 staff of whom 1,415 in kindergarten classes and 2,880 in social
facilities); the report gives no breakdown, so the spread over the ten county-level units (proportional to
their 2020 population), the facilities, their names, codes, people, dates and every later figure are
synthetic. Later dates follow the published trend only roughly: 32,000 slots on 2022-01-31, 700+ operating
facilities of which 207 filed on 2022-12-31, growth to `today`.

How it is written: one transaction of `bulk_create` batches (facilities, their versioned history, classes,
service forms, persons, employments). It bypasses the services on purpose (a per-row service call with its
audit entry would take minutes): no audit entries are written, versions have no `changed_by`, and their
`changed_at` is the time of the load. The history is built as the services would have left it (the same
transitions, deadlines in working days from the portal's calendar, filing numbers from the same sequence),
so the pages and the as-of queries (`selectors.totals_as_of`) read it like any other record.

- A version's typed columns and its snapshot's filing fields, slots and enrolled follow the history; the other
  fields of the snapshot (name, address, premises, safety) are the record's current ones.
- History starts on 2021-01-01 (`HISTORY_START`): a facility opened earlier has its first version from then,
  with everything that happened before folded into it (its `opened_on` keeps the real opening date).
- Demo facilities are recognised by their credit code: the organisation-code part (characters 9–10) is
  `DM`. If any exists, loading does nothing and returns the counts of what is there (idempotent).
- Person ID numbers are valid (GB 11643-1999, as `stdnum.cn.ric` checks them) but fictitious, born 1960–2000:
  region 320502, except for births before 1983, when stdnum does not yet know 320502 (the city's 320500).
- No filing materials are loaded: the record's pages list them as missing. The demo operator (if the account
  exists) runs three standalone facilities in 姑苏区: a draft still incomplete, one filed, one verified.
- Deterministic: `random.Random(seed)`, and `today` (the current queues are relative to it).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_std

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_snapshot
from suzhou_childcare.crypto import blind_index
from suzhou_childcare.regions.models import District, DistrictPopulation, Street
from suzhou_childcare.workdays import rules as workday_rules
from suzhou_childcare.workdays.selectors import working_calendar_between
from suzhou_childcare.workdays.services import add_working_days

from .models import (
    Category,
    ClassType,
    Education,
    Facility,
    FacilityClass,
    FacilityForm,
    FacilityVersion,
    FilingSequence,
    FilingStatus,
    InsuranceMode,
    Person,
    PremisesTenure,
    RegistrationRoute,
    ServiceForm,
    ServiceOffering,
    StaffMember,
    StaffRole,
)
from .selectors import versions_as_of
from .services.lifecycle import IN_FORCE, NOTICE_WITHIN_WORKING_DAYS, RECORD_WITHIN_WORKING_DAYS
from .services.records import PERSON_ID_PURPOSE

SYNTHETIC_NOTE = (
    "Synthetic demo data: the 2021-05-31 city totals are the post-evaluation report's; their spread over the "
    "ten units, every facility, person and later figure is invented."
)

HISTORY_START = date(2021, 1, 1)
SEED_DAY = date(2021, 5, 31)
JANUARY_2022 = date(2022, 1, 31)
END_2022 = date(2022, 12, 31)
EARLIEST_TODAY = date(2023, 7, 1)

# The post-evaluation report (suzhou-2021-05.json).
SEED_FIGURES = {
    "facilities": 543,
    "facilities_kindergarten_class": 165,
    "facilities_social": 378,
    "slots": 27_000,
    "enrolled": 17_000,
    "staff": 4_295,
    "staff_kindergarten_class": 1_415,
    "staff_social": 2_880,
}
# Synthetic choices that reproduce it and the later published figures.
SLOTS_KINDERGARTEN_2021 = 7_300
ENROLLED_KINDERGARTEN_2021 = 5_600
FILED_ON_SEED_DAY = 120  # "a minority filed"
SLOTS_JANUARY_2022 = 32_000  # "about 32,000 slots" (2022-01 press conference)
FILED_END_2022 = 207  # "end 2022, 207 of 700+ facilities had filed"
FILED_SHARE_TODAY = 0.64

OPENED_2021 = {"kindergarten_class": 15, "social": 45}  # of the 543: the history shows growth from 2021-01
CLOSED_BEFORE_SEED_DAY = 8
NEW_UNTIL_JANUARY_2022 = {"kindergarten_class": 30, "social": 65}
NEW_IN_2022 = {"kindergarten_class": 30, "social": 73}
NEW_SINCE_2023 = {"kindergarten_class": 40, "social": 80, "family_point": 40}
CLOSURES = {"to_january_2022": 6, "in_2022": 10, "since_2023": 35}
# "1+N" hubs operating on 2021-05-31: sites per hub.
HUBS_2021 = (2, 3, 2)
QUEUE = {"submitted": 20, "filed": 15, "nonconforming": 4, "change_pending": 5, "draft": 25}

DEMO_ORG_CODE_PREFIX = "DM"
DEMO_USCC_PATTERN = r"^[0-9]{8}DM"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_HEAD = {  # registration authority + entity type (GB 32100-2015)
    RegistrationRoute.PUBLIC_INSTITUTION: "12",  # 机构编制 · 事业单位
    RegistrationRoute.PRIVATE_NON_ENTERPRISE: "52",  # 民政 · 民办非企业单位
    RegistrationRoute.ENTERPRISE: "91",  # 市场监管 · 企业
}
# stdnum knows 320502 (沧浪区) for births 1983–2012 only; earlier births carry the city's code 320500.
ID_REGION = "320502"
ID_REGION_BEFORE_1983 = "320500"
# Birth dates used by other demo or test identities: never drawn here.
RESERVED_BIRTH_DATES = frozenset({date(1990, 1, 1), date(1985, 1, 1), date(1949, 12, 31)})

BATCH = 1000
_NUMBER = object()  # stands for the facility's filing number in its events until numbers are issued

# --- words -----------------------------------------------------------------------------------------------

SHORT_NAME = {
    "320505": "高新区",
    "320506": "吴中",
    "320507": "相城",
    "320508": "姑苏",
    "320509": "吴江",
    "320571": "园区",
    "320581": "常熟",
    "320582": "张家港",
    "320583": "昆山",
    "320585": "太仓",
}
ADDRESS_PREFIX = {
    "320505": "苏州高新区",
    "320506": "吴中区",
    "320507": "相城区",
    "320508": "姑苏区",
    "320509": "吴江区",
    "320571": "苏州工业园区",
    "320581": "常熟市",
    "320582": "张家港市",
    "320583": "昆山市",
    "320585": "太仓市",
}
PLACES = {
    "320505": ["狮山", "枫桥", "横塘", "浒墅关", "通安", "东渚", "镇湖", "阳山"],
    "320506": ["长桥", "郭巷", "越溪", "横泾", "甪直", "木渎", "胥口", "东山", "临湖", "香山", "光福", "城南"],
    "320507": ["元和", "黄桥", "北桥", "渭塘", "黄埭", "望亭", "太平", "阳澄湖", "北河泾", "澄阳"],
    "320508": ["平江", "金阊", "沧浪", "双塔", "虎丘", "吴门桥", "白洋湾", "苏锦"],
    "320509": ["松陵", "同里", "平望", "盛泽", "七都", "震泽", "桃源", "黎里", "汾湖", "横扇", "江陵"],
    "320571": ["娄葑", "斜塘", "唯亭", "胜浦", "湖东", "湖西", "金鸡湖", "月亮湾"],
    "320581": ["虞山", "琴川", "莫城", "碧溪", "梅李", "海虞", "古里", "沙家浜", "支塘", "董浜", "辛庄", "尚湖"],
    "320582": ["杨舍", "塘桥", "金港", "锦丰", "乐余", "凤凰", "南丰", "大新", "后塍"],
    "320583": ["玉山", "亭林", "周市", "陆家", "花桥", "张浦", "巴城", "千灯", "淀山湖", "锦溪", "周庄"],
    "320585": ["城厢", "娄东", "陆渡", "浏河", "沙溪", "浮桥", "璜泾", "双凤"],
}
FALLBACK_PLACES = ["城东", "城西", "城南", "城北", "新城", "开发区"]
ROADS = [
    "人民路", "中山路", "学府路", "新华路", "长江路", "青年路", "南环路", "北环路", "文昌路", "振兴路",
    "富民路", "育才路", "健康路", "幸福路", "和平路", "迎春路", "星港街", "金山路", "东环路", "滨河路",
]  # fmt: skip
BRANDS = [
    "小橡树", "爱贝", "童心", "启蒙", "金色摇篮", "蓝天", "小太阳", "彩虹", "嘟嘟", "贝乐", "乐童", "萌宝",
    "小脚印", "七色花", "禾苗", "向日葵", "星辰", "森林", "暖阳", "优贝", "悦宝", "亲亲", "宝贝树", "小天使",
    "睿宝", "梧桐", "小樱桃", "果果", "育英", "智慧树", "红苹果", "小蜜蜂", "贝贝佳", "童梦", "芽芽", "小橘灯",
    "海豚", "橡果", "青禾", "云朵", "小河马", "布丁", "麦穗", "星星树",
]  # fmt: skip
SOCIAL_SUFFIXES = ["托育中心", "托育园", "婴幼儿照护中心", "托育馆", "宝宝屋"]
KINDERGARTEN_WORDS = ["实验", "中心", "第一", "第二", "第三", "阳光", "新城", "花园", "星海", "南苑", "东方", "育才"]
COMMUNITIES = [
    "新民", "和平", "幸福", "春晖", "阳光", "金桥", "桂花", "翠园", "锦绣", "莲花", "枫华", "文昌", "友谊",
    "东港", "菱塘", "清河", "荷塘", "美景", "华庭", "南门", "泰和", "玉兰", "香樟", "怡景",
]  # fmt: skip
COMPANY_WORDS = ["恒泰", "瑞华", "长风", "新元", "华兴", "宏达", "远航", "顺达", "嘉禾", "明辉", "润泽", "鼎盛", "永昌"]
INDUSTRIES = ["电子", "精密机械", "生物医药", "纺织", "科技", "物流", "新材料", "软件", "光电", "食品"]
INSURERS = [
    "中国人民财产保险股份有限公司苏州市分公司",
    "中国平安财产保险股份有限公司苏州分公司",
    "中国太平洋财产保险股份有限公司苏州分公司",
    "中国人寿财产保险股份有限公司苏州市中心支公司",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾田董潘袁蔡蒋余杜叶程魏苏吕丁任沈姚卢"
    "钱顾陆金汤范华邹陶严施"
)
FEMALE_GIVEN = "丽娟敏静婷雪芳燕艳玲霞慧琳洁颖倩晶雯佳欣怡璐薇萍红梅莉瑶悦楠月秀兰娜琴蓉洁诗梦晓"
MALE_GIVEN = "伟强磊军勇杰涛明超斌浩鹏华俊峰建文宇辉刚凯晨东亮志海波龙飞平"
NONCONFORMING_REASONS = [
    "观察室面积不足6平方米，且未设观察床。",
    "视频监控录像保存期限不足90日。",
    "未配备持保安员证的安保人员。",
    "托小班实际收托人数超过15人，保育人员配备不足。",
    "部分工作人员健康证明已过期。",
    "婴幼儿生活用房设在4层，不符合设置标准。",
    "场地租赁期限不足3年。",
]
REJECTION_REASONS = [
    "备案材料不全：缺少消防安全合格证明，请补充后重新提交。",
    "备案材料不全：卫生评价报告未上传，请补充后重新提交。",
    "场地证明扫描件不清晰，请重新上传。",
    "统一社会信用代码与营业执照不一致，请核对后重新提交。",
]
CLASS_LIMITS = {  # class type: (max size, children per carer, youngest months range)
    ClassType.INFANT: (10, 3, (6, 9)),
    ClassType.TODDLER: (15, 5, (12, 15)),
    ClassType.OLDER: (20, 7, (24, 27)),
    ClassType.MIXED: (18, 5, (18, 22)),
}
CLASS_PREFIX = {ClassType.INFANT: "乳儿", ClassType.TODDLER: "托小", ClassType.OLDER: "托大", ClassType.MIXED: "混龄"}
NUMERALS = "一二三四五六七八九十"
HIGH_FEE_UNITS = frozenset({"320508", "320571", "320505"})
MID_FEE_UNITS = frozenset({"320506", "320507", "320583"})
GROUP_POLICY_UNITS = frozenset({"320508", "320571", "320585"})


# --- small helpers ---------------------------------------------------------------------------------------


def _between(rng: random.Random, first: date, last: date) -> date:
    if last <= first:
        return first
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def allocate(total: int, weights: list[float], low: list[int], high: list[int]) -> list[int]:
    """Whole numbers within [low, high], adding up to `total` exactly, spread in proportion to `weights`."""
    values = list(low)
    remaining = total - sum(values)
    if remaining < 0 or remaining > sum(h - lo for h, lo in zip(high, low, strict=True)):
        raise ValueError(f"cannot allocate {total} within the bounds")
    while remaining > 0:
        open_items = [i for i, value in enumerate(values) if value < high[i]]
        weight_sum = sum(weights[i] for i in open_items) or 1.0
        shares = {i: remaining * (weights[i] or 1e-9) / weight_sum for i in open_items}
        given = 0
        for i in open_items:
            add = min(int(shares[i]), high[i] - values[i])
            values[i] += add
            given += add
        if given == 0:
            by_fraction = sorted(open_items, key=lambda i: (shares[i] - int(shares[i]), -i), reverse=True)
            for i in by_fraction[:remaining]:
                values[i] += 1
                given += 1
        remaining -= given
    return values


def _weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """k items without replacement, each drawn with its weight (Efraimidis–Spirakis), in input order."""
    if k >= len(items):
        return list(items)
    keyed = sorted(((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights)), reverse=True)
    chosen = sorted(i for _key, i in keyed[:k])
    return [items[i] for i in chosen]


def _health_staff(children: int) -> tuple[int, bool]:
    """Below 150 children one, full- or part-time; from 150 one full-time per started 150 (58号)."""
    if children < 150:
        return 1, False
    return math.ceil(children / 150), True


class _Calendar:
    """The portal's working-day calendar, read once (the same rules as `workdays.services.add_working_days`)."""

    def __init__(self, first: date, last: date) -> None:
        self.special, self.known_years = working_calendar_between(first=first, last=last)

    def is_workday(self, day: date) -> bool:
        return workday_rules.is_workday(day, self.special, self.known_years)

    def add(self, start: date, days: int) -> date:
        return workday_rules.add_working_days(start, days, self.special, self.known_years).date

    def back(self, day: date, days: int) -> date:
        """The `days`-th working day before `day`."""
        while days:
            day -= timedelta(days=1)
            if self.is_workday(day):
                days -= 1
        return day

    def on_or_after(self, day: date) -> date:
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day


@dataclass(eq=False)
class _Plan:
    """One facility's whole life, built in memory before anything is written."""

    key: int
    category: str
    form: str
    district: str
    opened_on: date
    group: str  # seed (operating 2021-05-31), closed_early, new_2021, new_2022, new_2023
    hub: _Plan | None = None
    closed_on: date | None = None
    slots: int = 0
    enrolled_open: int = 0
    enrolled: int = 0
    enrolled_update_on: date | None = None
    staff_seed_day: int = 0
    filing: str = "known"
    record_on: date | None = None
    filing_number: str | None = None
    events: list = field(default_factory=list)
    values: dict = field(default_factory=dict)
    classes: list = field(default_factory=list)
    offerings: dict = field(default_factory=dict)
    employments: list = field(default_factory=list)
    state: dict = field(default_factory=dict)
    versions: list = field(default_factory=list)

    @property
    def is_hub_related(self) -> bool:
        return self.form == FacilityForm.COMPREHENSIVE_CENTER or self.hub is not None

    def operating(self, day: date) -> bool:
        return self.opened_on <= day and (self.closed_on is None or self.closed_on > day)

    def add(self, day: date, **changes) -> None:
        self.events.append((day, len(self.events), changes))


def _operator_candidate(plan: _Plan) -> bool:
    """The demo operator runs standalone socially-run facilities in 姑苏区 (the demo officer's unit)."""
    return (
        plan.district == "320508"
        and plan.category == Category.SOCIAL
        and plan.form == FacilityForm.STANDALONE
        and plan.closed_on is None
    )


# --- the plan ----------------------------------------------------------------------------------------------


class _Builder:
    def __init__(self, *, today: date, seed: int) -> None:
        self.today = today
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not security
        self.calendar = _Calendar(date(2019, 10, 1), today + timedelta(days=400))
        self.plans: list[_Plan] = []
        units = list(District.objects.order_by("code"))
        population = dict(DistrictPopulation.objects.filter(year=2020).values_list("district_id", "population"))
        self.units = [unit.code for unit in units]
        self.unit_names = {unit.code: unit.name for unit in units}
        self.population = [float(population.get(code, 1)) for code in self.units]
        self.streets: dict[str, list[Street]] = defaultdict(list)
        # Sorted here, not by the database's collation: the same seed gives the same history on any database.
        for street in sorted(Street.objects.all(), key=lambda s: (s.district_id, s.name, s.pk)):
            self.streets[street.district_id].append(street)
        self.used_names: set[str] = set()
        self.used_uscc: set[str] = set(Facility.objects.exclude(uscc="").values_list("uscc", flat=True))
        self.used_ids: set[str] = set()
        self.used_indexes: set[str] = set(Person.objects.values_list("id_number_index", flat=True))

    # -- facilities and their dates --

    def _units_for(self, count: int) -> list[str]:
        counts = allocate(count, self.population, [0] * len(self.units), [count] * len(self.units))
        codes = [code for code, n in zip(self.units, counts, strict=True) for _ in range(n)]
        self.rng.shuffle(codes)
        return codes

    def _new(self, category: str, form: str, unit: str, opened_on: date, group: str, hub=None) -> _Plan:
        plan = _Plan(len(self.plans), category, form, unit, opened_on, group, hub=hub)
        self.plans.append(plan)
        return plan

    def _opening_before_2021(self, category: str) -> date:
        rng = self.rng
        if category == Category.KINDERGARTEN_CLASS:
            year = rng.choices([2016, 2017, 2018, 2019, 2020], weights=[2, 2, 3, 4, 4])[0]
            return date(year, rng.choice([3, 9, 9]), 1) + timedelta(days=rng.randint(0, 9))
        year = rng.choices([2016, 2017, 2018, 2019, 2020], weights=[1, 2, 3, 5, 6])[0]
        return _between(rng, date(year, 1, 5), date(year, 12, 20))

    def _add_group(self, counts: dict[str, int], group: str, first: date, last: date, hubs: tuple[int, ...] = ()):
        """New facilities opening between `first` and `last` (kindergarten classes at the start of a term)."""
        rng = self.rng
        for category, count in counts.items():
            units = self._units_for(count)
            if category == "family_point":
                for unit in units:
                    self._new(Category.SOCIAL, FacilityForm.FAMILY_POINT, unit, _between(rng, first, last), group)
                continue
            if category == Category.KINDERGARTEN_CLASS:
                terms = [
                    day
                    for year in range(first.year, last.year + 1)
                    for day in (date(year, 2, 20), date(year, 9, 1))
                    if first <= day <= last
                ] or [first]
                for unit in units:
                    opened = min(rng.choice(terms) + timedelta(days=rng.randint(0, 12)), last)
                    self._new(category, FacilityForm.STANDALONE, unit, opened, group)
                continue
            pool = list(units)
            for sites in hubs:
                hub_unit = pool.pop(0)
                hub = self._new(
                    category, FacilityForm.COMPREHENSIVE_CENTER, hub_unit, _between(rng, first, last), group
                )
                for _ in range(sites):
                    if hub_unit in pool:  # the sites count in their hub's unit
                        pool.remove(hub_unit)
                    else:
                        pool.pop(0)
                    form = rng.choice(
                        [FacilityForm.COMMUNITY_EMBEDDED, FacilityForm.COMMUNITY_EMBEDDED, FacilityForm.EMPLOYER]
                    )
                    self._new(category, form, hub_unit, _between(rng, hub.opened_on, last), group, hub=hub)
            for unit in pool:
                form = rng.choices(
                    [FacilityForm.STANDALONE, FacilityForm.COMMUNITY_EMBEDDED, FacilityForm.EMPLOYER],
                    weights=[78, 14, 8],
                )[0]
                self._new(category, form, unit, _between(rng, first, last), group)

    def plan_facilities(self) -> None:
        rng = self.rng
        # The 543 operating on 2021-05-31; some of them opened in 2021-01..05.
        for category, total in (
            (Category.KINDERGARTEN_CLASS, SEED_FIGURES["facilities_kindergarten_class"]),
            (Category.SOCIAL, SEED_FIGURES["facilities_social"]),
        ):
            recent = OPENED_2021[category]
            first = len(self.plans)
            self._add_group(
                {category: total - recent},
                "seed",
                date(2016, 1, 1),
                date(2020, 12, 31),
                hubs=HUBS_2021 if category == Category.SOCIAL else (),
            )
            for plan in self.plans[first:]:
                if plan.hub is None and plan.form != FacilityForm.COMPREHENSIVE_CENTER:
                    plan.opened_on = self._opening_before_2021(category)
            for plan in self.plans[first:]:
                if plan.hub is not None:
                    plan.opened_on = _between(rng, plan.hub.opened_on, date(2021, 5, 20))
            last_opening = date(2021, 3, 15) if category == Category.KINDERGARTEN_CLASS else date(2021, 5, 25)
            self._add_group({category: recent}, "seed", date(2021, 1, 4), last_opening)
        for unit in self._units_for(CLOSED_BEFORE_SEED_DAY):
            plan = self._new(Category.SOCIAL, FacilityForm.STANDALONE, unit, date(2019, 1, 1), "closed_early")
            plan.opened_on = _between(rng, date(2017, 6, 1), date(2020, 9, 30))
            plan.closed_on = _between(rng, date(2021, 1, 11), date(2021, 5, 20))
        self._add_group(NEW_UNTIL_JANUARY_2022, "new_2021", date(2021, 6, 1), date(2022, 1, 28), hubs=(2,))
        self._add_group(NEW_IN_2022, "new_2022", date(2022, 2, 7), date(2022, 12, 20), hubs=(2,))
        self._add_group(NEW_SINCE_2023, "new_2023", date(2023, 1, 9), self.today - timedelta(days=7), hubs=(2, 2, 2))
        for plan in self.plans:
            if plan.category == Category.KINDERGARTEN_CLASS:
                plan.values["registration_route"] = rng.choices(
                    [RegistrationRoute.PUBLIC_INSTITUTION, RegistrationRoute.PRIVATE_NON_ENTERPRISE], weights=[85, 15]
                )[0]
            elif plan.form == FacilityForm.FAMILY_POINT or plan.form == FacilityForm.EMPLOYER:
                plan.values["registration_route"] = RegistrationRoute.ENTERPRISE
            else:
                plan.values["registration_route"] = rng.choices(
                    [
                        RegistrationRoute.ENTERPRISE,
                        RegistrationRoute.PRIVATE_NON_ENTERPRISE,
                        RegistrationRoute.PUBLIC_INSTITUTION,
                    ],
                    weights=[72, 22, 6],
                )[0]

    def choose_early_filings(self) -> None:
        """The minority filed by 2021-05-31 (and one facility that filed, then closed before it)."""
        rng = self.rng
        seed = [p for p in self.plans if p.group == "seed" and p.opened_on <= date(2021, 3, 20)]
        weights = [2.0 if p.category == Category.KINDERGARTEN_CLASS or p.is_hub_related else 1.0 for p in seed]
        for plan in _weighted_sample(rng, seed, weights, FILED_ON_SEED_DAY):
            plan.filing = "early"
            first = max(plan.opened_on + timedelta(days=45), date(2020, 1, 6))
            plan.record_on = self.calendar.on_or_after(_between(rng, first, date(2021, 5, 21)))
        early_closed = [p for p in self.plans if p.group == "closed_early" and p.opened_on <= date(2020, 6, 1)]
        for plan in early_closed[:2]:
            plan.filing = "early"
            plan.record_on = self.calendar.on_or_after(
                _between(rng, plan.opened_on + timedelta(days=45), date(2020, 10, 30))
            )

    def choose_closures(self) -> None:
        rng = self.rng
        periods = [
            (CLOSURES["to_january_2022"], date(2021, 6, 15), date(2022, 1, 20), 120),
            (CLOSURES["in_2022"], date(2022, 2, 10), date(2022, 12, 20), 120),
            (CLOSURES["since_2023"], date(2023, 1, 10), self.today - timedelta(days=14), 180),
        ]
        for count, first, last, min_age in periods:
            for _ in range(count):
                day = _between(rng, first, last)
                candidates = [
                    p
                    for p in self.plans
                    if p.closed_on is None
                    and not p.is_hub_related
                    and p.opened_on <= day - timedelta(days=min_age)
                    and (p.group == "seed" or first > date(2022, 1, 31))
                ]
                weights = [1.0 if p.filing == "early" else 3.0 for p in candidates]
                (plan,) = _weighted_sample(rng, candidates, weights, 1)
                plan.closed_on = day

    # -- slots, enrolment --

    def _slot_weight(self, plan: _Plan) -> tuple[float, int, int]:
        """(typical slots, low, high) by form."""
        if plan.category == Category.KINDERGARTEN_CLASS:
            return 45.0, 20, 100
        return {
            FacilityForm.STANDALONE: (58.0, 15, 150),
            FacilityForm.COMMUNITY_EMBEDDED: (34.0, 12, 70),
            FacilityForm.EMPLOYER: (42.0, 15, 90),
            FacilityForm.COMPREHENSIVE_CENTER: (140.0, 90, 200),
            FacilityForm.FAMILY_POINT: (4.0, 3, 5),
        }[plan.form]

    def _slot_allocation(self, plans: list[_Plan], total: int) -> None:
        rng = self.rng
        shapes = [self._slot_weight(p) for p in plans]
        weights = [typical * rng.lognormvariate(0, 0.35) for typical, _lo, _hi in shapes]
        for plan, slots in zip(
            plans, allocate(total, weights, [s[1] for s in shapes], [s[2] for s in shapes]), strict=True
        ):
            plan.slots = slots

    def plan_capacity(self) -> None:
        rng = self.rng
        seed = [p for p in self.plans if p.group == "seed"]
        kindergarten = [p for p in seed if p.category == Category.KINDERGARTEN_CLASS]
        social = [p for p in seed if p.category == Category.SOCIAL]
        self._slot_allocation(kindergarten, SLOTS_KINDERGARTEN_2021)
        self._slot_allocation(social, SEED_FIGURES["slots"] - SLOTS_KINDERGARTEN_2021)
        for group, total in (
            (kindergarten, ENROLLED_KINDERGARTEN_2021),
            (social, SEED_FIGURES["enrolled"] - ENROLLED_KINDERGARTEN_2021),
        ):
            occupancy = [
                rng.uniform(0.55, 1.0) if p.category == Category.KINDERGARTEN_CLASS else rng.uniform(0.35, 0.9)
                for p in group
            ]
            enrolled = allocate(
                total,
                [p.slots * o for p, o in zip(group, occupancy, strict=True)],
                [max(1, p.slots // 4) for p in group],
                [p.slots for p in group],
            )
            for plan, value in zip(group, enrolled, strict=True):
                plan.enrolled_open = value
        # New facilities until 2022-01-31 bring the city to 32,000 slots that day.
        new_2021 = [p for p in self.plans if p.group == "new_2021"]
        remaining = sum(p.slots for p in seed if p.operating(JANUARY_2022))
        self._slot_allocation(new_2021, SLOTS_JANUARY_2022 - remaining)
        for plan in self.plans:
            if not plan.slots:
                typical, low, high = self._slot_weight(plan)
                plan.slots = max(low, min(high, round(typical * rng.lognormvariate(0, 0.35))))
            if plan.group != "seed":
                if plan.form == FacilityForm.FAMILY_POINT:
                    plan.enrolled_open = rng.randint(1, plan.slots)
                else:
                    plan.enrolled_open = max(1, round(plan.slots * rng.uniform(0.25, 0.6)))
            # Autumn intakes after 2021-05-31 (seed facilities), or the first months after opening.
            if plan.group == "seed":
                update = _between(rng, date(2021, 9, 1), date(2022, 6, 30))
                share = (
                    rng.uniform(0.7, 1.0) if plan.category == Category.KINDERGARTEN_CLASS else rng.uniform(0.55, 0.97)
                )
            else:
                update = plan.opened_on + timedelta(days=rng.randint(90, 300))
                share = rng.uniform(0.55, 0.97) if update < self.today - timedelta(days=30) else rng.uniform(0.3, 0.7)
            if update < self.today and (plan.closed_on is None or update < plan.closed_on):
                plan.enrolled_update_on = update
                if plan.form == FacilityForm.FAMILY_POINT:
                    plan.enrolled = rng.randint(max(1, plan.enrolled_open), plan.slots)
                else:
                    plan.enrolled = max(1, min(plan.slots, round(plan.slots * share)))
            else:
                plan.enrolled = plan.enrolled_open

    def plan_staff_on_seed_day(self) -> None:
        for category, total in (
            (Category.KINDERGARTEN_CLASS, SEED_FIGURES["staff_kindergarten_class"]),
            (Category.SOCIAL, SEED_FIGURES["staff_social"]),
        ):
            group = [p for p in self.plans if p.group == "seed" and p.category == category]
            per_carer = 7 if category == Category.KINDERGARTEN_CLASS else 5
            weights = [4 + p.enrolled_open / per_carer for p in group]
            low = [2 + _health_staff(p.enrolled_open)[0] for p in group]
            high = [lo + 6 + p.enrolled_open // 2 for lo, p in zip(low, group, strict=True)]
            for plan, count in zip(group, allocate(total, weights, low, high), strict=True):
                plan.staff_seed_day = count

    # -- filing --

    def choose_filings(self) -> None:
        rng, today = self.rng, self.today
        # Filed between 2021-06 and 2022-12: exactly 207 in force on 2022-12-31.
        still_filed = sum(1 for p in self.plans if p.filing == "early" and p.operating(END_2022))
        candidates = [
            p
            for p in self.plans
            if p.filing == "known" and p.operating(END_2022) and p.opened_on <= END_2022 - timedelta(days=60)
        ]
        weights = [2.0 if p.category == Category.KINDERGARTEN_CLASS or p.is_hub_related else 1.0 for p in candidates]
        for plan in _weighted_sample(rng, candidates, weights, FILED_END_2022 - still_filed):
            plan.filing = "middle"
            first = max(plan.opened_on + timedelta(days=45), date(2021, 6, 7))
            plan.record_on = self.calendar.on_or_after(_between(rng, first, date(2022, 12, 23)))
            if plan.record_on > END_2022:
                plan.record_on = self.calendar.back(END_2022, 1)
        # Today's queues, then the filings since 2023 up to the share filed today.
        operating = [p for p in self.plans if p.operating(today) and p.filing == "known"]
        picks = {
            "filed": (60, QUEUE["filed"]),
            "nonconforming": (120, QUEUE["nonconforming"]),
            "submitted": (30, QUEUE["submitted"]),
            "draft": (3, QUEUE["draft"]),
        }
        for name, (min_age, count) in picks.items():
            pool = [p for p in operating if p.filing == "known" and p.opened_on <= today - timedelta(days=min_age)]
            chosen = []
            if name in ("filed", "draft"):  # the demo operator's facilities in 姑苏区
                local = [p for p in pool if _operator_candidate(p)]
                chosen = local[:1]
            rest = [p for p in pool if p not in chosen]
            chosen += _weighted_sample(rng, rest, [1.0] * len(rest), count - len(chosen))
            for plan in chosen:
                plan.filing = name
        operating_today = [p for p in self.plans if p.operating(today)]
        in_force = sum(1 for p in operating_today if p.filing in ("early", "middle", "filed", "nonconforming"))
        wanted = round(FILED_SHARE_TODAY * len(operating_today)) - in_force
        pool = [p for p in operating_today if p.filing == "known" and p.opened_on <= today - timedelta(days=80)]
        weights = [1.0 + (today - p.opened_on).days / 365 for p in pool]
        for plan in _weighted_sample(rng, pool, weights, max(0, wanted)):
            plan.filing = "late"
            first = max(plan.opened_on + timedelta(days=45), date(2023, 1, 5))
            plan.record_on = self.calendar.on_or_after(_between(rng, first, today - timedelta(days=35)))
        filed_before = [p for p in operating_today if p.filing in ("early", "middle")]
        for plan in _weighted_sample(rng, filed_before, [1.0] * len(filed_before), QUEUE["change_pending"]):
            plan.filing = "change_pending"

    def _submission(self, plan: _Plan, received: date, *, historic: bool = True) -> None:
        """Draft, perhaps a submission returned for completion, then the submission received on `received`."""
        rng, calendar = self.rng, self.calendar
        draft_on = max(plan.opened_on, received - timedelta(days=rng.randint(7, 60)))
        plan.add(draft_on, filing_status=FilingStatus.DRAFT)
        earlier = received - timedelta(days=rng.randint(15, 40))
        if rng.random() < 0.12 and earlier > draft_on:
            earlier = calendar.on_or_after(earlier)
            returned = calendar.add(earlier, rng.randint(1, 3))
            if draft_on < earlier < returned < received:
                self._submitted(plan, earlier, historic=True)
                plan.add(
                    returned,
                    filing_status=FilingStatus.DRAFT,
                    record_deadline=None,
                    review_reasons=rng.choice(REJECTION_REASONS),
                )
        self._submitted(plan, received, historic=historic)

    def _submitted(self, plan: _Plan, received: date, *, historic: bool) -> None:
        deadline = (
            self.calendar.add(received, RECORD_WITHIN_WORKING_DAYS)
            if historic
            else add_working_days(received, RECORD_WITHIN_WORKING_DAYS).date
        )
        plan.add(
            received,
            filing_status=FilingStatus.SUBMITTED,
            received_on=received,
            record_deadline=deadline,
            notice_deadline=None,
            review_reasons="",
        )

    def _recorded(self, plan: _Plan, received: date, recorded: date, *, historic: bool) -> None:
        notice = (
            self.calendar.add(received, NOTICE_WITHIN_WORKING_DAYS)
            if historic
            else add_working_days(received, NOTICE_WITHIN_WORKING_DAYS).date
        )
        plan.add(
            recorded,
            filing_status=FilingStatus.FILED,
            filing_number=_NUMBER,
            filed_on=recorded,
            verified_on=None,
            notice_deadline=notice,
        )

    def _past_filing(self, plan: _Plan, *, cycle_allowed: bool) -> None:
        """Submitted, recorded on `record_on` (within 5 working days, rarely late), verified some weeks later;
        sometimes notified non-conforming first, corrected and resubmitted."""
        rng, calendar = self.rng, self.calendar
        recorded = plan.record_on
        late = rng.random() < 0.05
        received = calendar.back(recorded, rng.randint(6, 8) if late else rng.choice([1, 2, 2, 3, 3, 4, 5]))
        received = max(received, plan.opened_on + timedelta(days=10))
        self._submission(plan, received)
        self._recorded(plan, received, recorded, historic=True)
        notice = calendar.add(received, NOTICE_WITHIN_WORKING_DAYS)
        if cycle_allowed and rng.random() < 0.12:
            noticed = calendar.add(recorded, rng.randint(2, 6))
            resubmitted = calendar.on_or_after(noticed + timedelta(days=rng.randint(14, 60)))
            rerecorded = calendar.add(resubmitted, rng.randint(1, 5))
            verified = calendar.add(rerecorded, rng.randint(4, 15))
            spans_milestone = any(resubmitted <= day < rerecorded for day in (SEED_DAY, END_2022))
            if noticed <= notice and verified < self.today - timedelta(days=5) and not spans_milestone:
                reasons = "；".join(rng.sample(NONCONFORMING_REASONS, rng.randint(1, 2)))
                plan.add(
                    noticed, filing_status=FilingStatus.NONCONFORMING, nonconforming_on=noticed, review_reasons=reasons
                )
                self._submitted(plan, resubmitted, historic=True)
                self._recorded(plan, resubmitted, rerecorded, historic=True)
                plan.add(verified, filing_status=FilingStatus.VERIFIED, verified_on=verified, review_reasons="")
                return
        verified = calendar.add(recorded, rng.randint(4, 20))
        if verified < self.today:
            plan.add(verified, filing_status=FilingStatus.VERIFIED, verified_on=verified, review_reasons="")

    def build_events(self) -> None:
        rng, calendar, today = self.rng, self.calendar, self.today
        last_workday = calendar.back(today, 1)
        for plan in self.plans:
            plan.add(plan.opened_on, filing_status=FilingStatus.KNOWN, slots=plan.slots, enrolled=plan.enrolled_open)
            if plan.enrolled_update_on:
                plan.add(plan.enrolled_update_on, enrolled=plan.enrolled)
            if plan.filing in ("early", "middle", "late", "change_pending"):
                self._past_filing(plan, cycle_allowed=plan.record_on > SEED_DAY)
            if plan.filing == "change_pending":
                received = calendar.back(today, rng.randint(1, 6))
                moved_to = f"{ADDRESS_PREFIX.get(plan.district, '')}{rng.choice(ROADS)}{rng.randint(1, 388)}号"
                change = rng.choice(
                    [
                        {"slots": plan.slots + rng.choice([10, 15, 20])},
                        {"address": moved_to},
                        {"lease_end": _add_years(today, rng.randint(3, 6)).isoformat()},
                        {"observation_room_area": "8.50"},
                    ]
                )
                plan.add(
                    received,
                    filing_status=FilingStatus.CHANGE_PENDING,
                    pending_changes=change,
                    received_on=received,
                    record_deadline=add_working_days(received, RECORD_WITHIN_WORKING_DAYS).date,
                )
            elif plan.filing == "submitted":  # received 1–8 working days ago: some past their record deadline
                received = calendar.back(today, rng.choices(range(1, 9), weights=[3, 3, 3, 3, 3, 2, 1, 1])[0])
                self._submission(plan, received, historic=False)
            elif plan.filing in ("filed", "nonconforming"):
                ago = rng.randint(3, 18) if plan.filing == "filed" else rng.randint(20, 45)
                received = calendar.back(today, ago)
                recorded = min(calendar.add(received, rng.randint(1, 5)), last_workday)
                plan.record_on = recorded
                self._submission(plan, received)
                self._recorded(plan, received, recorded, historic=False)
                if plan.filing == "nonconforming":
                    noticed = min(calendar.add(recorded, rng.randint(3, 8)), calendar.add(received, 15), last_workday)
                    reasons = "；".join(rng.sample(NONCONFORMING_REASONS, rng.randint(1, 2)))
                    plan.values["nonconforming_reasons"] = reasons
                    plan.add(
                        noticed,
                        filing_status=FilingStatus.NONCONFORMING,
                        nonconforming_on=noticed,
                        review_reasons=reasons,
                    )
            elif plan.filing == "draft":
                draft_on = max(plan.opened_on, today - timedelta(days=rng.randint(3, 150)))
                plan.add(draft_on, filing_status=FilingStatus.DRAFT)
                if rng.random() < 0.25:  # returned for completion
                    received = calendar.back(today, rng.randint(8, 30))
                    if received > draft_on:
                        self._submitted(plan, received, historic=True)
                        returned = min(calendar.add(received, rng.randint(1, 4)), last_workday)
                        plan.add(
                            returned,
                            filing_status=FilingStatus.DRAFT,
                            record_deadline=None,
                            review_reasons=rng.choice(REJECTION_REASONS),
                        )
            if plan.closed_on:
                plan.events = [event for event in plan.events if event[0] < plan.closed_on]
                plan.add(
                    plan.closed_on,
                    filing_status=FilingStatus.CANCELLED,
                    cancelled_on=plan.closed_on,
                    closed_on=plan.closed_on,
                    record_deadline=None,
                    notice_deadline=None,
                )
            if any(event[0] >= today for event in plan.events):
                raise RuntimeError(f"demo facility {plan.key} has an event dated today or later")

    def issue_filing_numbers(self) -> dict[tuple[str, int], int]:
        """`<unit code>-<year>-<sequence>` in the order the filings were recorded, after any number in use."""
        last = {(row.district_id, row.year): row.last_number for row in FilingSequence.objects.all()}
        for plan in sorted((p for p in self.plans if p.record_on), key=lambda p: (p.record_on, p.key)):
            if not any(changes.get("filing_number") is _NUMBER for _d, _o, changes in plan.events):
                continue  # closed before its filing was recorded
            slot = (plan.district, plan.record_on.year)
            last[slot] = last.get(slot, 0) + 1
            plan.filing_number = f"{plan.district}-{plan.record_on.year}-{last[slot]:04d}"
        return last

    def fold_versions(self) -> None:
        """One version per day with events (same-day changes merged), none before `HISTORY_START`."""
        for plan in self.plans:
            state = {
                "filing_status": FilingStatus.KNOWN,
                "filing_number": None,
                "received_on": None,
                "record_deadline": None,
                "notice_deadline": None,
                "filed_on": None,
                "verified_on": None,
                "nonconforming_on": None,
                "review_reasons": "",
                "cancelled_on": None,
                "closed_on": None,
                "pending_changes": {},
                "slots": plan.slots,
                "enrolled": plan.enrolled_open,
            }
            versions: list[tuple[date, dict]] = []
            for day, _order, changes in sorted(plan.events, key=lambda e: (e[0], e[1])):
                state.update(changes)
                if state["filing_number"] is _NUMBER:
                    state["filing_number"] = plan.filing_number
                day = max(day, HISTORY_START)
                if versions and versions[-1][0] == day:
                    versions[-1] = (day, dict(state))
                else:
                    versions.append((day, dict(state)))
            plan.versions = versions
            plan.state = dict(state)

    # -- the record --

    def _name(self, plan: _Plan, place: str) -> str:
        rng = self.rng
        short = SHORT_NAME.get(plan.district, self.unit_names.get(plan.district, ""))
        for attempt in range(50):
            if plan.category == Category.KINDERGARTEN_CLASS:
                name = f"{short}{place}{rng.choice(KINDERGARTEN_WORDS)}幼儿园托班"
            elif plan.form == FacilityForm.COMPREHENSIVE_CENTER:
                name = f"{short}{place}托育综合服务中心"
            elif plan.hub is not None:
                name = f"{plan.hub.values['name']}（{rng.choice(COMMUNITIES)}社区站点）"
            elif plan.form == FacilityForm.FAMILY_POINT:
                name = f"{rng.choice(SURNAMES)}老师家庭托育点（{place}{rng.choice(COMMUNITIES)}小区）"
            elif plan.form == FacilityForm.EMPLOYER:
                company = f"苏州{rng.choice(COMPANY_WORDS)}{rng.choice(INDUSTRIES)}有限公司"
                name = f"{company}职工托育中心"
            elif plan.form == FacilityForm.COMMUNITY_EMBEDDED:
                name = f"{short}{place}{rng.choice(COMMUNITIES)}社区托育点"
            else:
                name = f"{rng.choice(BRANDS)}{rng.choice(SOCIAL_SUFFIXES)}（{short}{place}店）"
            if attempt > 40:
                name = f"{name}{attempt}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("no free facility name")

    def _uscc(self, route: str, unit: str) -> str:
        while True:
            org = "".join(self.rng.choice(USCC_ALPHABET) for _ in range(7))
            body = f"{USCC_HEAD[route]}{unit}{DEMO_ORG_CODE_PREFIX}{org}"
            code = body + uscc_std.calc_check_digit(body)
            if code not in self.used_uscc:
                self.used_uscc.add(code)
                return code

    def fill_records(self) -> None:
        rng, today = self.rng, self.today
        for plan in self.plans:  # hubs come before their sites
            v = plan.values
            streets = self.streets.get(plan.district, [])
            street = rng.choice(streets) if streets else None
            place = (
                street.name.removesuffix("街道").removesuffix("镇")
                if street
                else rng.choice(PLACES.get(plan.district, FALLBACK_PLACES))
            )
            v["street"] = street
            v["name"] = self._name(plan, place)
            if plan.hub is not None and rng.random() < 0.6:
                v["registration_route"] = plan.hub.values["registration_route"]
                v["uscc"] = plan.hub.values["uscc"]
            else:
                v["uscc"] = self._uscc(v["registration_route"], plan.district)
            v["address"] = f"{ADDRESS_PREFIX.get(plan.district, '')}{place}{rng.choice(ROADS)}{rng.randint(1, 388)}号"
            family = plan.form == FacilityForm.FAMILY_POINT
            kindergarten = plan.category == Category.KINDERGARTEN_CLASS
            v["meals_served"] = True if kindergarten else rng.random() < (0.5 if family else 0.88)
            v["medical_integration"] = rng.random() < 0.08
            v["elderly_child_integration"] = plan.form == FacilityForm.COMMUNITY_EMBEDDED and rng.random() < 0.3
            # Premises.
            if kindergarten or family or rng.random() < 0.2:
                v["premises_tenure"] = PremisesTenure.OWNED
            else:
                v["premises_tenure"] = PremisesTenure.LEASED
                start = plan.opened_on - timedelta(days=rng.randint(0, 90))
                short_lease = rng.random() < 0.04 and plan.opened_on > today - timedelta(days=500)
                end = _add_years(start, 2 if short_lease else rng.randint(3, 10))
                while end < today + timedelta(days=30) and plan.closed_on is None:  # renewed
                    start, end = end, _add_years(end, rng.randint(3, 5))
                v["lease_start"], v["lease_end"] = start, end
            v["lowest_floor"] = 1
            v["highest_floor"] = 1 if family else rng.choices([1, 2, 3, 4], weights=[30, 40, 27, 3])[0]
            v["floor_area"] = Decimal(round(plan.slots * rng.uniform(6, 10) + (20 if family else 60))).quantize(
                Decimal("0.01")
            )
            small_room = rng.random() < 0.04
            v["observation_room_area"] = Decimal(rng.randint(9, 11) if small_room else rng.randint(12, 30)) / 2
            # Safety.
            v["surveillance_covers_infant_areas"] = rng.random() < 0.97
            v["surveillance_retention_days"] = rng.choices([90, 180, 30, 60], weights=[72, 22, 3, 3])[0]
            v["one_click_alarm"] = rng.random() < 0.95
            v["licensed_guard"] = (not family) and (kindergarten or rng.random() < 0.9)
            if rng.random() < 0.04:
                v["insurance_mode"] = InsuranceMode.NONE
            elif plan.district in GROUP_POLICY_UNITS and rng.random() < 0.9:
                v["insurance_mode"] = InsuranceMode.DISTRICT_GROUP
            else:
                v["insurance_mode"] = InsuranceMode.OWN_POLICY
                v["insurer"] = rng.choice(INSURERS)
                v["policy_number"] = f"PEAC{today.year}3205{rng.randint(10**9, 10**10 - 1)}"
                expired = rng.random() < 0.05
                v["policy_expires_on"] = today + timedelta(
                    days=-rng.randint(1, 40) if expired else rng.randint(10, 360)
                )
            # Facilities entered from registration data only: premises and safety not yet known.
            if plan.state["filing_status"] == FilingStatus.KNOWN and rng.random() < 0.3:
                for name in ("lease_start", "lease_end", "lowest_floor", "highest_floor", "floor_area"):
                    v[name] = None
                v["observation_room_area"] = v["surveillance_retention_days"] = v["policy_expires_on"] = None
                v["premises_tenure"] = v["insurer"] = v["policy_number"] = ""
                v["surveillance_covers_infant_areas"] = v["one_click_alarm"] = v["licensed_guard"] = False
                v["insurance_mode"] = InsuranceMode.NONE
            if plan.filing == "nonconforming":  # the record shows what the notice names
                reasons = v.pop("nonconforming_reasons", "")
                if "观察室" in reasons:
                    v["observation_room_area"] = Decimal("4.50")
                if "90日" in reasons:
                    v["surveillance_retention_days"] = 30
                if "4层" in reasons:
                    v["highest_floor"] = 4
            v.pop("nonconforming_reasons", None)
            # Service forms and fees (yuan a month).
            if kindergarten:
                fee = rng.randint(9, 22) * 100
            elif family:
                fee = rng.randint(18, 35) * 100
            elif v["registration_route"] == RegistrationRoute.PUBLIC_INSTITUTION:
                fee = rng.randint(18, 30) * 100
            elif plan.district in HIGH_FEE_UNITS:
                fee = rng.randint(38, 65) * 100
            elif plan.district in MID_FEE_UNITS:
                fee = rng.randint(30, 55) * 100
            else:
                fee = rng.randint(20, 45) * 100
            plan.offerings = {ServiceForm.FULL_DAY: Decimal(fee)}
            if not kindergarten and rng.random() < 0.3:
                plan.offerings[ServiceForm.HALF_DAY] = Decimal(round(fee * 0.6 / 50) * 50)
            self._classes(plan)

    def _classes(self, plan: _Plan) -> None:
        """Classes holding the facility's slots and enrolled infants; a few over-full or short of carers."""
        rng = self.rng
        slots, enrolled = plan.state["slots"], plan.state["enrolled"]
        if plan.form == FacilityForm.FAMILY_POINT:
            return
        if plan.category == Category.KINDERGARTEN_CLASS:
            pattern = [ClassType.OLDER, ClassType.OLDER, ClassType.MIXED, ClassType.OLDER]
        else:
            pattern = [ClassType.TODDLER, ClassType.OLDER, ClassType.INFANT, ClassType.OLDER, ClassType.TODDLER]
            if rng.random() < 0.2:
                pattern[1] = ClassType.MIXED
        types: list[str] = []
        while sum(CLASS_LIMITS[t][0] for t in types) < slots:
            types.append(pattern[len(types) % len(pattern)])
        maxima = [CLASS_LIMITS[t][0] for t in types]
        capacity = allocate(slots, [float(m) for m in maxima], [1] * len(types), maxima)
        children = (
            allocate(enrolled, [float(c) for c in capacity], [0] * len(types), capacity) if enrolled <= slots else None
        )
        if children is None:  # more enrolled than slots: the surplus sits in the first class
            children = list(capacity)
            children[0] += enrolled - slots
        if len(types) > 1 and rng.random() < 0.04:  # an over-full class
            target = maxima[0] + rng.randint(1, 3)
            for i in range(1, len(types)):
                move = max(0, min(children[i], target - children[0]))
                children[i] -= move
                children[0] += move
        short_of_carers = rng.random() < 0.05
        counters: Counter = Counter()
        for i, (kind, cap, kids) in enumerate(zip(types, capacity, children, strict=True)):
            _size, per_carer, (young_low, young_high) = CLASS_LIMITS[kind]
            carers = max(1, math.ceil(kids / per_carer)) + (1 if rng.random() < 0.3 else 0)
            if short_of_carers and i == 0 and kids > per_carer:
                carers = math.ceil(kids / per_carer) - 1
            youngest = rng.randint(young_low, young_high)
            if kind == ClassType.MIXED and rng.random() < 0.05:
                youngest = rng.randint(15, 17)
            counters[kind] += 1
            plan.classes.append(
                {
                    "name": f"{CLASS_PREFIX[kind]}{NUMERALS[min(counters[kind], 10) - 1]}班",
                    "class_type": kind,
                    "capacity": cap,
                    "enrolled": kids,
                    "carers": carers,
                    "youngest_months": youngest,
                }
            )

    # -- staff --

    def _roles_now(self, plan: _Plan) -> list[tuple[str, bool]]:
        rng = self.rng
        enrolled = plan.state["enrolled"]
        roles = [(StaffRole.DIRECTOR, True)]
        if plan.form == FacilityForm.FAMILY_POINT:
            carers = max(1, math.ceil(enrolled / 3))
        else:
            carers = sum(c["carers"] for c in plan.classes)
        roles += [(StaffRole.CARER, True)] * carers
        needed, full_time = _health_staff(enrolled)
        if rng.random() < 0.03:
            needed, full_time = max(needed - 1, 1), False
        roles += [(StaffRole.HEALTH_CARE, full_time or rng.random() < 0.6) for _ in range(needed)]
        if plan.values.get("licensed_guard"):
            roles.append((StaffRole.SECURITY_GUARD, True))
        if plan.values.get("meals_served") and plan.form != FacilityForm.FAMILY_POINT:
            roles.append((StaffRole.OTHER, True))
            if enrolled >= 60:
                roles.append((StaffRole.OTHER, rng.random() < 0.5))
        return roles

    def _roles_on_seed_day(self, plan: _Plan) -> list[tuple[str, bool]]:
        rng = self.rng
        count = plan.staff_seed_day
        needed, full_time = _health_staff(plan.enrolled_open)
        extra: list[tuple[str, bool]] = []
        if plan.values.get("licensed_guard") and count >= 5:
            extra.append((StaffRole.SECURITY_GUARD, True))
        if plan.values.get("meals_served") and count >= 7:
            extra.append((StaffRole.OTHER, True))
        if count >= 12:
            extra.append((StaffRole.OTHER, False))
        fixed = [(StaffRole.DIRECTOR, True)] + [
            (StaffRole.HEALTH_CARE, full_time or rng.random() < 0.6) for _ in range(needed)
        ]
        while extra and count - len(fixed) - len(extra) < 1:
            extra.pop()
        carers = count - len(fixed) - len(extra)
        return fixed + extra + [(StaffRole.CARER, True)] * carers

    def plan_employments(self) -> None:
        """Employment periods: the seed day's roster exactly, turnover and growth afterwards."""
        rng, today = self.rng, self.today
        for plan in self.plans:
            horizon = plan.closed_on or today
            now = self._roles_now(plan)
            first = self._roles_on_seed_day(plan) if plan.group == "seed" else now
            by_role_first: dict[str, list[bool]] = defaultdict(list)
            by_role_now: dict[str, list[bool]] = defaultdict(list)
            for role, full_time in first:
                by_role_first[role].append(full_time)
            for role, full_time in now if plan.closed_on is None else first:
                by_role_now[role].append(full_time)
            ramp = plan.enrolled_update_on
            carers_at_opening = len(by_role_now[StaffRole.CARER])
            if plan.group != "seed" and ramp and plan.enrolled:
                carers_at_opening = max(1, math.ceil(carers_at_opening * plan.enrolled_open / plan.enrolled))
            for role in (
                StaffRole.DIRECTOR,
                StaffRole.CARER,
                StaffRole.HEALTH_CARE,
                StaffRole.SECURITY_GUARD,
                StaffRole.OTHER,
            ):
                before, after = by_role_first.get(role, []), by_role_now.get(role, [])
                for i in range(max(len(before), len(after))):
                    full_time = (after or before)[min(i, len(after or before) - 1)]
                    if plan.group == "seed":
                        self._seed_position(plan, role, full_time, i, len(before), len(after), horizon)
                    else:
                        start = plan.opened_on - timedelta(days=rng.randint(0, 25))
                        if role == StaffRole.CARER and i >= carers_at_opening and ramp:
                            start = ramp
                        self._position(plan, role, full_time, start, horizon, turnover=0.2)

    def _seed_position(self, plan, role, full_time, i, before, after, horizon) -> None:
        rng = self.rng
        if i >= before:  # a post created after 2021-05-31, as enrolment grew
            first = plan.enrolled_update_on or SEED_DAY + timedelta(days=7)
            start = _between(rng, first, min(horizon - timedelta(days=7), first + timedelta(days=3 * 365)))
            if start < horizon:
                self._position(plan, role, full_time, max(start, SEED_DAY + timedelta(days=1)), horizon, turnover=0.15)
            return
        latest = SEED_DAY - timedelta(days=10)
        if rng.random() < 0.5 or plan.opened_on >= latest:
            start = min(plan.opened_on - timedelta(days=rng.randint(0, 20)), SEED_DAY)
        else:
            start = _between(rng, plan.opened_on, latest)
        if start - plan.opened_on > timedelta(days=60) and rng.random() < 0.25:  # a predecessor left before
            self._employ(plan, role, full_time, plan.opened_on - timedelta(days=rng.randint(0, 20)), start)
        if i >= after:  # the post went after 2021-05-31
            self._employ(
                plan, role, full_time, start, _between(rng, SEED_DAY + timedelta(days=7), horizon - timedelta(days=1))
            )
            return
        self._position(plan, role, full_time, start, horizon, turnover=0.3, earliest_leave=SEED_DAY + timedelta(days=7))

    def _position(self, plan, role, full_time, start, horizon, *, turnover: float, earliest_leave: date | None = None):
        """A post held from `start` until the facility closes (or on), perhaps by two people in turn."""
        rng = self.rng
        earliest = max(earliest_leave or start, start + timedelta(days=120))
        if rng.random() < turnover and earliest < horizon - timedelta(days=30):
            left = _between(rng, earliest, horizon - timedelta(days=30))
            self._employ(plan, role, full_time, start, left)
            start = left + timedelta(days=rng.randint(0, 14))
        self._employ(plan, role, full_time, start, plan.closed_on)

    def _employ(self, plan, role, full_time, start: date, end: date | None) -> None:
        plan.employments.append((role, full_time, start, end))

    # -- people --

    def _person(self, role: str, start: date) -> tuple[str, str]:
        rng = self.rng
        female = rng.random() < {
            StaffRole.DIRECTOR: 0.85,
            StaffRole.CARER: 0.97,
            StaffRole.HEALTH_CARE: 0.9,
            StaffRole.SECURITY_GUARD: 0.1,
        }.get(role, 0.7)
        given = FEMALE_GIVEN if female else MALE_GIVEN
        name = rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice([1, 2, 2])))
        first_year, last_year = {
            StaffRole.DIRECTOR: (1968, 1992),
            StaffRole.CARER: (1975, 2000),
            StaffRole.HEALTH_CARE: (1965, 1998),
            StaffRole.SECURITY_GUARD: (1960, 1985),
        }.get(role, (1962, 1995))
        last_year = min(last_year, start.year - 18)
        while True:
            born = _between(rng, date(first_year, 1, 1), date(max(first_year, last_year), 12, 31))
            sequence = rng.randint(0, 499) * 2 + (0 if female else 1)  # odd for men (GB 11643-1999)
            region = ID_REGION if born.year >= 1983 else ID_REGION_BEFORE_1983
            body = f"{region}{born:%Y%m%d}{sequence:03d}"
            number = body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit
            if born not in RESERVED_BIRTH_DATES and number not in self.used_ids:
                index = blind_index(number, purpose=PERSON_ID_PURPOSE)
                if index not in self.used_indexes:
                    self.used_ids.add(number)
                    self.used_indexes.add(index)
                    return name, number

    def _staff_facts(self, plan: _Plan, role: str, full_time: bool, start: date, end: date | None) -> dict:
        rng, today = self.rng, self.today
        facts = {"role": role, "full_time": full_time, "employed_from": start, "employed_to": end}
        if role == StaffRole.DIRECTOR:
            facts["education"] = rng.choices(
                [Education.BACHELOR, Education.COLLEGE, Education.BELOW_COLLEGE], weights=[40, 57, 3]
            )[0]
            facts["years_of_experience"] = rng.randint(1, 2) if rng.random() < 0.03 else rng.randint(3, 15)
            facts["post_training_done"] = rng.random() < 0.9
            facts["qualification"] = rng.choice(["托育机构负责人岗位培训合格证", "幼儿园园长任职资格培训证书"])
        elif role == StaffRole.CARER:
            facts["education"] = rng.choices(
                [Education.BACHELOR, Education.COLLEGE, Education.BELOW_COLLEGE], weights=[15, 50, 35]
            )[0]
            facts["qualification"] = rng.choice(
                ["保育师（四级）", "育婴员（四级）", "保育师（三级）", "幼儿园教师资格证"]
            )
            facts["post_training_done"] = rng.random() < 0.85
        elif role == StaffRole.HEALTH_CARE:
            facts["education"] = rng.choice([Education.COLLEGE, Education.BACHELOR])
            facts["qualification"] = "托幼机构卫生保健人员岗位培训合格证"
            facts["post_training_done"] = True
        elif role == StaffRole.SECURITY_GUARD:
            facts["education"] = Education.BELOW_COLLEGE
            facts["qualification"] = "保安员证"
            if rng.random() < 0.99:
                facts["guard_licence_number"] = f"苏{start.year}{rng.randint(10**7, 10**8 - 1)}"
        else:
            facts["qualification"] = rng.choice(["炊事员（健康证）", "保洁员", "财务"])
        if end is None:
            expired = rng.random() < 0.01
            facts["health_certificate_expires_on"] = today + timedelta(
                days=-rng.randint(1, 60) if expired else rng.randint(15, 360)
            )
        else:
            facts["health_certificate_expires_on"] = end + timedelta(days=rng.randint(0, 300))
        facts["no_criminal_record_on_file"] = rng.random() < 0.992
        return facts

    # -- checks --

    def check(self) -> None:
        """The figures the history promises, computed from the plan before anything is written."""

        def in_force(day: date) -> list[tuple[_Plan, dict]]:
            rows = []
            for plan in self.plans:
                if not plan.operating(day):
                    continue
                current = [state for valid_from, state in plan.versions if valid_from <= day]
                if current:
                    rows.append((plan, current[-1]))
            return rows

        seed = in_force(SEED_DAY)
        kindergarten = sum(1 for p, _s in seed if p.category == Category.KINDERGARTEN_CLASS)
        staff = Counter(
            p.category
            for p, _s in seed
            for _r, _f, start, end in p.employments
            if start <= SEED_DAY and (end is None or end > SEED_DAY)
        )
        got = {
            "facilities": len(seed),
            "facilities_kindergarten_class": kindergarten,
            "facilities_social": len(seed) - kindergarten,
            "slots": sum(s["slots"] for _p, s in seed),
            "enrolled": sum(s["enrolled"] for _p, s in seed),
            "staff": sum(staff.values()),
            "staff_kindergarten_class": staff[Category.KINDERGARTEN_CLASS],
            "staff_social": staff[Category.SOCIAL],
        }
        statuses = {s["filing_status"] for _p, s in seed}
        filed_seed_day = sum(1 for _p, s in seed if s["filing_status"] in IN_FORCE)
        filed_end_2022 = sum(1 for _p, s in in_force(END_2022) if s["filing_status"] in IN_FORCE)
        slots_january = sum(s["slots"] for _p, s in in_force(JANUARY_2022))
        problems = [f"{key}: {got[key]} != {value}" for key, value in SEED_FIGURES.items() if got[key] != value]
        if not statuses <= {
            FilingStatus.KNOWN,
            FilingStatus.DRAFT,
            FilingStatus.SUBMITTED,
            FilingStatus.FILED,
            FilingStatus.VERIFIED,
        }:
            problems.append(f"statuses on {SEED_DAY}: {sorted(statuses)}")
        if filed_seed_day != FILED_ON_SEED_DAY:
            problems.append(f"filed on {SEED_DAY}: {filed_seed_day}")
        if filed_end_2022 != FILED_END_2022:
            problems.append(f"filed on {END_2022}: {filed_end_2022}")
        if slots_january != SLOTS_JANUARY_2022:
            problems.append(f"slots on {JANUARY_2022}: {slots_january}")
        if problems:
            raise RuntimeError("the demo history does not add up: " + "; ".join(problems))

    # -- writing --

    def write(self) -> None:
        facilities: dict[int, Facility] = {}
        for sites in (False, True):
            batch = []
            for plan in self.plans:
                if (plan.hub is not None) != sites:
                    continue
                values = {k: v for k, v in plan.values.items() if k != "street"}
                final = {k: v for k, v in plan.state.items() if k not in ("slots", "enrolled")}
                facility = Facility(
                    **values,
                    **final,
                    street=plan.values.get("street"),
                    category=plan.category,
                    form=plan.form,
                    hub=facilities[plan.hub.key] if plan.hub else None,
                    district_id=plan.district,
                    slots=plan.state["slots"],
                    enrolled=plan.state["enrolled"],
                    opened_on=plan.opened_on,
                )
                facilities[plan.key] = facility
                batch.append(facility)
            Facility.objects.bulk_create(batch, batch_size=BATCH)
        versions, classes, offerings = [], [], []
        for plan in self.plans:
            facility = facilities[plan.key]
            base = audit_snapshot(facility)
            for i, (valid_from, state) in enumerate(plan.versions):
                valid_to = plan.versions[i + 1][0] if i + 1 < len(plan.versions) else None
                snapshot = dict(base)
                snapshot.update({k: (v.isoformat() if isinstance(v, date) else v) for k, v in state.items()})
                versions.append(
                    FacilityVersion(
                        facility=facility,
                        valid_from=valid_from,
                        valid_to=valid_to,
                        opened_on=plan.opened_on,
                        closed_on=state["closed_on"],
                        district_id=plan.district,
                        category=plan.category,
                        form=plan.form,
                        filing_status=state["filing_status"],
                        slots=state["slots"],
                        enrolled=state["enrolled"],
                        snapshot=snapshot,
                    )
                )
            classes += [FacilityClass(facility=facility, **row) for row in plan.classes]
            offerings += [
                ServiceOffering(facility=facility, service_form=form, monthly_fee=fee.quantize(Decimal("0.01")))
                for form, fee in plan.offerings.items()
            ]
        FacilityVersion.objects.bulk_create(versions, batch_size=BATCH)
        FacilityClass.objects.bulk_create(classes, batch_size=BATCH)
        ServiceOffering.objects.bulk_create(offerings, batch_size=BATCH)
        persons, staff = [], []
        for plan in self.plans:
            for role, full_time, start, end in plan.employments:
                name, number = self._person(role, start)
                person = Person(
                    name=name, id_number=number, id_number_index=blind_index(number, purpose=PERSON_ID_PURPOSE)
                )
                persons.append(person)
                staff.append(
                    StaffMember(
                        facility=facilities[plan.key],
                        person=person,
                        name=name,
                        **self._staff_facts(plan, role, full_time, start, end),
                    )
                )
        Person.objects.bulk_create(persons, batch_size=BATCH)
        StaffMember.objects.bulk_create(staff, batch_size=BATCH)
        self.facilities = facilities

    def write_sequences(self, last: dict[tuple[str, int], int]) -> None:
        existing = {(row.district_id, row.year): row for row in FilingSequence.objects.all()}
        new = []
        for (unit, year), number in sorted(last.items()):
            row = existing.get((unit, year))
            if row is None:
                new.append(FilingSequence(district_id=unit, year=year, last_number=number))
            elif row.last_number < number:
                row.last_number = number
                row.save(update_fields=["last_number"])
        FilingSequence.objects.bulk_create(new)

    def attach_operator(self) -> int:
        """The demo operator runs a draft, a filed and a verified facility in 姑苏区."""
        operator = User.objects.filter(username="operator", role=Role.OPERATOR).first()
        if operator is None:
            return 0
        picked = []
        for status in (FilingStatus.DRAFT, FilingStatus.FILED, FilingStatus.VERIFIED):
            plan = next(
                (p for p in self.plans if _operator_candidate(p) and p.state["filing_status"] == status),
                None,
            )
            if plan is not None:
                picked.append(plan)
        through = Facility.operators.through
        through.objects.bulk_create(
            [through(facility_id=self.facilities[p.key].pk, user_id=operator.pk) for p in picked]
        )
        return len(picked)

    def prepare_operator_draft(self) -> None:
        """The operator's draft is incomplete: the lease end is missing (and no material is uploaded yet)."""
        for plan in self.plans:
            if _operator_candidate(plan) and plan.filing == "draft":
                plan.values["premises_tenure"] = PremisesTenure.LEASED
                plan.values["lease_start"] = plan.opened_on
                plan.values["lease_end"] = None
                return


def _demo_facilities():
    return Facility.objects.filter(uscc__regex=DEMO_USCC_PATTERN)


def demo_history_counts(*, today: date) -> dict:
    """What the demo history holds (the same figures whether just loaded or already there)."""
    ids = _demo_facilities().values("pk")
    return {
        "synthetic": True,
        "note": SYNTHETIC_NOTE,
        "facilities": _demo_facilities().count(),
        "operating_today": versions_as_of(today).filter(facility__in=ids).count(),
        "versions": FacilityVersion.objects.filter(facility__in=ids).count(),
        "classes": FacilityClass.objects.filter(facility__in=ids).count(),
        "offerings": ServiceOffering.objects.filter(facility__in=ids).count(),
        "staff": StaffMember.objects.filter(facility__in=ids).count(),
        "persons": Person.objects.filter(employments__facility__in=ids).distinct().count(),
        "operator_facilities": Facility.operators.through.objects.filter(
            facility__in=ids, user__username="operator"
        ).count(),
    }


def plan_demo_history(*, today: date, seed: int = 2021) -> _Builder:
    """The whole history in memory, checked against the promised figures; reads the database, writes nothing."""
    if today < EARLIEST_TODAY:
        raise ValueError(f"the demo history runs to today and needs today >= {EARLIEST_TODAY}")
    builder = _Builder(today=today, seed=seed)
    builder.plan_facilities()
    builder.choose_early_filings()
    builder.choose_closures()
    builder.plan_capacity()
    builder.plan_staff_on_seed_day()
    builder.choose_filings()
    builder.build_events()
    builder.last_numbers = builder.issue_filing_numbers()
    builder.fold_versions()
    builder.fill_records()
    builder.prepare_operator_draft()
    builder.plan_employments()
    builder.check()
    return builder


def load_demo_history(*, today: date, seed: int = 2021) -> dict:
    """Load the synthetic history (see the module docstring) unless it is there; return its counts.

    `created` says whether this call wrote it. Deterministic for a given `seed` and `today`.
    """
    if today < EARLIEST_TODAY:
        raise ValueError(f"the demo history runs to today and needs today >= {EARLIEST_TODAY}")
    with transaction.atomic():
        if _demo_facilities().exists():
            return {**demo_history_counts(today=today), "created": False}
        builder = plan_demo_history(today=today, seed=seed)
        builder.write()
        builder.write_sequences(builder.last_numbers)
        builder.attach_operator()
        write_demo_materials(today=today)
    return {**demo_history_counts(today=today), "created": True}


DEMO_MATERIAL = "materials/demo/sample.pdf"
SAMPLE_PDF = b"%PDF-1.4\n% demo material of the synthetic history\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def write_demo_materials(*, today: date) -> int:
    """Every demo filing past the draft has its required materials, so the queues show real completeness.

    One small sample file serves every row (stored once); the rows carry kind and expiry like uploads do.
    """
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from .models import Material
    from .rules import required_material_kinds

    uploader = User.objects.order_by("pk").first()
    if uploader is None:
        return 0
    if not default_storage.exists(DEMO_MATERIAL):
        default_storage.save(DEMO_MATERIAL, ContentFile(SAMPLE_PDF))
    past_draft = [
        FilingStatus.SUBMITTED,
        FilingStatus.FILED,
        FilingStatus.VERIFIED,
        FilingStatus.NONCONFORMING,
        FilingStatus.CHANGE_PENDING,
    ]
    rows = []
    for facility in _demo_facilities().filter(filing_status__in=past_draft).only("pk", "meals_served"):
        for index, kind in enumerate(required_material_kinds(meals_served=facility.meals_served)):
            rows.append(
                Material(
                    facility_id=facility.pk,
                    kind=kind,
                    file=DEMO_MATERIAL,
                    original_name=f"{kind}.pdf",
                    content_type="application/pdf",
                    size=len(SAMPLE_PDF),
                    sha256=hashlib.sha256(SAMPLE_PDF).hexdigest(),
                    expires_on=_add_years(today, 1 + (facility.pk + index) % 3),
                    uploaded_by=uploader,
                )
            )
    Material.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)
