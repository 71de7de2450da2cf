"""Pure rules of supervision: the inspection checklist from the standards in force, and rectification deadlines.

Plain functions over plain values, no ORM; tested without a database. The checklist follows the setting
standards (`facilities.standards_seed`, versioned `StandardRule` rows): an item cites the clause of its row
when one is in force, and a fixed clause (the text the requirement comes from) when none is. A yes/no
requirement whose row is in force but switched off (value false) gives no item.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext, gettext_noop

from facilities.models import ClassType
from facilities.rules import RuleValue, required_health_staff

SETTING = "托育机构设置标准（试行）（国卫人口发〔2019〕58号）"
MANAGEMENT = "托育机构管理规范（试行）（国卫人口发〔2019〕58号）"
FILING = "托育机构登记和备案办法（试行）第八条（国卫办人口发〔2019〕25号）"
HEALTH_CARE_RULES = "托儿所幼儿园卫生保健管理办法（卫生部 教育部令第76号）"

# Fallbacks for when no standard row of the code is in force: the figure and the clause it comes from.
DEFAULT_RETENTION_DAYS = 90
DEFAULT_CHILDREN_PER_FULL_TIME_HEALTH_STAFF = 150
FIXED_CLAUSES: dict[str, str] = {
    "safety.min_surveillance_retention_days": f"{MANAGEMENT} 第三十二条 视频监控24小时设防，录像资料保存不少于90日",
    "safety.one_click_alarm_required": "WS/T 821—2023 安全保障 一键报警",
    "safety.licensed_guard_required": f"{SETTING} 安保人员持保安员证",
    "safety.infant_insurance_required": "婴幼儿意外伤害保险全覆盖（苏府办〔2020〕233号）",
    "health_staff.children_per_full_time": f"{SETTING} 卫生保健人员配备",
    "health.morning_checks_required": f"{MANAGEMENT} 卫生保健 晨午检和全日健康观察",
    "filing.fire_safety_required": f"{FILING} 消防安全检查合格证明",
    "filing.health_evaluation_required": f"{FILING} 卫生评价报告（合格）",
    "filing.food_licence_required": f"{FILING} 提供餐饮服务的，食品经营许可证",
    "staff.health_certificate_required": f"{HEALTH_CARE_RULES} 工作人员上岗前经健康检查合格，在岗每年健康检查1次",
    "class.size_and_ratio": f"{SETTING} 班级规模与保育人员配比",
    "family.size_and_ratio": "家庭托育点管理办法（试行）（2023）收托人数与照护人员配比",
}
CLASS_ORDER = (ClassType.INFANT, ClassType.TODDLER, ClassType.OLDER, ClassType.MIXED)


def _render(template: str, values: Mapping[str, object]) -> str:
    text = gettext(template)
    return text % values if values else text


_lazy_render = lazy(_render, str)


def lazy_label(template: str, **values: object) -> Promise:
    """A label translated when shown (in the language active then), with its values filled in.

    `template` is an English source string marked with `gettext_noop` so the catalogue picks it up.
    """
    return _lazy_render(template, dict(values))


@dataclass(frozen=True)
class ItemSpec:
    """One line of a checklist: a stable code, what to check (lazily translated), the clause it rests on."""

    code: str
    label: str | Promise
    clause: str


def _clause(standards: Mapping[str, RuleValue], code: str) -> str:
    rule = standards.get(code)
    return rule.clause if rule is not None and rule.clause else FIXED_CLAUSES[code]


def _required(standards: Mapping[str, RuleValue], code: str) -> bool:
    """A yes/no requirement applies unless its row is in force and switched off."""
    rule = standards.get(code)
    return rule is None or bool(rule.value)


def _figure(standards: Mapping[str, RuleValue], code: str, default: int) -> int:
    rule = standards.get(code)
    try:
        return int(rule.value) if rule is not None else default
    except (TypeError, ValueError):
        return default


def _joined(*clauses: str) -> str:
    seen: list[str] = []
    for clause in clauses:
        if clause and clause not in seen:
            seen.append(clause)
    return "；".join(seen)


def _class_items(standards: Mapping[str, RuleValue], class_types: Iterable[str]) -> list[ItemSpec]:
    present = set(class_types)
    items = []
    for kind in CLASS_ORDER:
        if kind.value not in present:
            continue
        size = standards.get(f"class.{kind.value}.max_size")
        ratio = standards.get(f"class.{kind.value}.children_per_carer")
        if size and ratio:
            label = lazy_label(
                gettext_noop(
                    "%(type)s: class sizes of at most %(size)s children and one carer for at most %(ratio)s "
                    "children, as observed on the day"
                ),
                type=kind.label,
                size=size.value,
                ratio=ratio.value,
            )
        else:
            label = lazy_label(
                gettext_noop("%(type)s: class sizes and carer ratios as observed on the day"), type=kind.label
            )
        clause = (
            _joined(size.clause if size else "", ratio.clause if ratio else "") or FIXED_CLAUSES["class.size_and_ratio"]
        )
        items.append(ItemSpec(f"class.{kind.value}", label, clause))
    return items


def _family_point_item(standards: Mapping[str, RuleValue]) -> ItemSpec:
    size = standards.get("family.max_children")
    ratio = standards.get("family.children_per_carer")
    if size and ratio:
        label = lazy_label(
            gettext_noop("Family childcare point: at most %(size)s children and one carer for at most %(ratio)s"),
            size=size.value,
            ratio=ratio.value,
        )
    else:
        label = lazy_label(gettext_noop("Family childcare point: number of children and carers as observed"))
    clause = (
        _joined(size.clause if size else "", ratio.clause if ratio else "") or FIXED_CLAUSES["family.size_and_ratio"]
    )
    return ItemSpec("family_point.size_and_ratio", label, clause)


def checklist_for(
    standards: Mapping[str, RuleValue],
    *,
    class_types: Iterable[str] = (),
    meals_served: bool = False,
    enrolled: int = 0,
    family_point: bool = False,
) -> list[ItemSpec]:
    """The checklist of an inspection, in the order an inspector walks the facility.

    `standards` are those in force on the day of the inspection; the facility facts decide which items
    apply: one class item per class type present (a family point has one item for its size and carers),
    and a food licence only where meals are served.
    """
    items: list[ItemSpec] = []
    code = "safety.min_surveillance_retention_days"
    surveillance_clause = _clause(standards, code)
    days = _figure(standards, code, DEFAULT_RETENTION_DAYS)
    items.append(
        ItemSpec(
            "surveillance_coverage",
            lazy_label(gettext_noop("Video surveillance covers every infants' area, 24 hours a day")),
            surveillance_clause,
        )
    )
    items.append(
        ItemSpec(
            "surveillance_retention",
            lazy_label(gettext_noop("Surveillance footage is kept for at least %(days)s days"), days=days),
            surveillance_clause,
        )
    )
    for code, item_code, template in (
        (
            "safety.one_click_alarm_required",
            "one_click_alarm",
            gettext_noop("A one-click alarm (一键报警) is installed and works"),
        ),
        (
            "safety.licensed_guard_required",
            "licensed_guard",
            gettext_noop("A security guard with a guard licence (保安员证) is on duty"),
        ),
        (
            "safety.infant_insurance_required",
            "infant_insurance",
            gettext_noop("Every infant is covered by accident insurance"),
        ),
    ):
        if _required(standards, code):
            items.append(ItemSpec(item_code, lazy_label(template), _clause(standards, code)))

    if family_point:
        items.append(_family_point_item(standards))
    else:
        items.extend(_class_items(standards, class_types))

    code = "health_staff.children_per_full_time"
    threshold = _figure(standards, code, DEFAULT_CHILDREN_PER_FULL_TIME_HEALTH_STAFF)
    required, full_time = required_health_staff(max(int(enrolled), 0), threshold)
    if full_time:
        label = lazy_label(
            gettext_noop("Health-care staff present: %(required)s full-time for %(children)s children"),
            required=required,
            children=enrolled,
        )
    else:
        label = lazy_label(gettext_noop("Health-care staff present: at least one, full- or part-time"))
    items.append(ItemSpec("health_staff", label, _clause(standards, code)))

    for code, item_code, template in (
        (
            "health.morning_checks_required",
            "morning_checks",
            gettext_noop("Morning and noon health checks are carried out and recorded"),
        ),
        (
            "filing.fire_safety_required",
            "fire_safety",
            gettext_noop("Fire-safety inspection passed, the certificate is on file"),
        ),
        (
            "filing.health_evaluation_required",
            "health_evaluation",
            gettext_noop("Health evaluation report rated conforming (合格) is on file"),
        ),
    ):
        if _required(standards, code):
            items.append(ItemSpec(item_code, lazy_label(template), _clause(standards, code)))
    code = "filing.food_licence_required"
    if meals_served and _required(standards, code):
        items.append(
            ItemSpec(
                "food_licence",
                lazy_label(gettext_noop("A valid food business licence covers the meals served")),
                _clause(standards, code),
            )
        )
    code = "staff.health_certificate_required"
    if _required(standards, code):
        items.append(
            ItemSpec(
                "staff_health_certificates",
                lazy_label(gettext_noop("Every staff member holds a health certificate of this year")),
                _clause(standards, code),
            )
        )
    return items


DeadlineRule = tuple[str, int, date]


def deadline_working_days(weight: str, rules: Sequence[DeadlineRule], on: date) -> int:
    """Working days to rectify a finding of `weight` recorded `on`: the latest rule of that weight in force.

    `rules` are (weight, working days, effective from) rows. Raises LookupError when none is in force:
    the table is reference data, and a missing row is a configuration error, not user input.
    """
    in_force = [(start, days) for rule_weight, days, start in rules if rule_weight == weight and start <= on]
    if not in_force:
        raise LookupError(f"No rectification deadline rule for {weight!r} in force on {on.isoformat()}")
    return max(in_force, key=lambda rule: rule[0])[1]
