"""The default retention schedule, loaded by a data migration. Every period here is a local default: no
national or Suzhou text found fixes how long a supervision portal keeps these records, so the periods are the
portal's choice under PIPL's "shortest time necessary" and are editable by the city admin."""

from datetime import date

from . import rules

# PIPL in force from 2021-11-01: the schedule applies from then.
VALID_FROM = date(2021, 11, 1)

PIPL = (
    "《个人信息保护法》第十九条（保存期限为实现处理目的所必要的最短时间）、"
    "第四十七条（保存期限已届满的，应当主动删除或匿名化）"
)

DEFAULT_RULES = [
    {
        "kind": rules.Kind.STAFF_OF_CLOSED_FACILITIES,
        "period_value": 5,
        "period_unit": rules.Unit.YEARS,
        "counted_from": rules.Basis.FACILITY_CLOSED_ON,
        "action": rules.Action.ANONYMISE,
        "source": PIPL
        + "；期限为本门户本地默认值：参照《行政处罚法》第三十六条，"
        + "涉及公民生命健康安全的违法行为五年内未被发现的不再处罚。"
        + "终身禁业人员（《人口与计划生育法》第四十一条）不匿名化。",
        "is_default": True,
    },
    {
        "kind": rules.Kind.STAFF_DOCUMENTS_OF_CLOSED_FACILITIES,
        "period_value": 5,
        "period_unit": rules.Unit.YEARS,
        "counted_from": rules.Basis.FACILITY_CLOSED_ON,
        "action": rules.Action.PURGE,
        "source": PIPL + "；期限为本门户本地默认值（与从业人员信息相同）。",
        "is_default": True,
    },
    {
        "kind": rules.Kind.COMPLAINANT_CONTACTS,
        "period_value": 3,
        "period_unit": rules.Unit.YEARS,
        "counted_from": rules.Basis.COMPLAINT_CLOSED_ON,
        "action": rules.Action.ANONYMISE,
        "source": PIPL + "；期限为本门户本地默认值：办结后行政复议、行政诉讼期限均已届满。",
        "is_default": True,
    },
    {
        "kind": rules.Kind.INCIDENT_DETAILS,
        "period_value": 5,
        "period_unit": rules.Unit.YEARS,
        "counted_from": rules.Basis.INCIDENT_OCCURRED_ON,
        "action": rules.Action.ANONYMISE,
        "source": PIPL
        + "、第二十八条（不满十四周岁未成年人的个人信息为敏感个人信息）；"
        + "期限为本门户本地默认值：参照《行政处罚法》第三十六条五年期限。",
        "is_default": True,
    },
]


def load_retention_rules(rule_model) -> None:
    for row in DEFAULT_RULES:
        rule_model.objects.get_or_create(
            kind=row["kind"], valid_from=VALID_FROM, defaults={k: v for k, v in row.items() if k != "kind"}
        )
