"""The setting standards the portal ships with, as data rows for `StandardRule`.

Sources: 托育机构设置标准（试行）and 托育机构管理规范（试行）(国卫人口发〔2019〕58号), the 2022 health
evaluation standard, WS/T 821—2023, and the family childcare point rules of 2023. Figures not found in a
public text are marked `is_default` and are the city's editable defaults. The migration seeds these; the city
admin edits them as new versions (a new row with a later `effective_from`), never in place.
"""

from datetime import date

NATIONAL_2019 = "国卫人口发〔2019〕58号"
SETTING = "托育机构设置标准（试行）"
MANAGEMENT = "托育机构管理规范（试行）"
EFFECTIVE = date(2019, 10, 8)

SEED: list[dict] = [
    # Classes: size and carers (设置标准 第十条/第十一条 as published with 58号).
    {"code": "class.infant.max_size", "value": 10, "clause": f"{SETTING} 乳儿班 6–12个月 10人以下"},
    {"code": "class.infant.children_per_carer", "value": 3, "clause": f"{SETTING} 乳儿班 保育人员与婴幼儿比例 1:3"},
    {"code": "class.toddler.max_size", "value": 15, "clause": f"{SETTING} 托小班 12–24个月 15人以下"},
    {"code": "class.toddler.children_per_carer", "value": 5, "clause": f"{SETTING} 托小班 比例 1:5"},
    {"code": "class.older.max_size", "value": 20, "clause": f"{SETTING} 托大班 24–36个月 20人以下"},
    {"code": "class.older.children_per_carer", "value": 7, "clause": f"{SETTING} 托大班 比例 1:7"},
    {"code": "class.mixed.max_size", "value": 18, "clause": f"{SETTING} 18个月以上可混合编班 每个班不超过18人"},
    {"code": "class.mixed.min_age_months", "value": 18, "clause": f"{SETTING} 18个月以上可混合编班"},
    {
        "code": "class.mixed.children_per_carer",
        "value": 5,
        "clause": "混合班 保育人员比例（本市默认值）",
        "is_default": True,
        "note": "No ratio for mixed classes was found in the national text; 1:5 is the city's default.",
    },
    # Health-care staff.
    {
        "code": "health_staff.children_per_full_time",
        "value": 150,
        "clause": f"{SETTING} 卫生保健人员：150名以下至少1名，150名及以上每150名配备1名专职",
    },
    # Premises.
    {"code": "premises.min_lease_years", "value": 3, "clause": f"{SETTING} 租赁场地租期不少于3年"},
    {"code": "premises.max_floor", "value": 3, "clause": f"{SETTING} 婴幼儿生活用房设在3层及以下，不得设在地下室"},
    {
        "code": "premises.min_observation_room_m2",
        "value": 6,
        "clause": "托育机构卫生评价标准（2022）观察室面积不小于6平方米并设观察床",
    },
    # Safety.
    {
        "code": "safety.min_surveillance_retention_days",
        "value": 90,
        "clause": f"{MANAGEMENT} 第三十二条 视频监控24小时设防，录像资料保存不少于90日",
    },
    {"code": "safety.one_click_alarm_required", "value": True, "clause": "WS/T 821—2023 安全保障 一键报警"},
    {"code": "safety.licensed_guard_required", "value": True, "clause": f"{SETTING} 安保人员持保安员证"},
    {
        "code": "safety.infant_insurance_required",
        "value": True,
        "clause": "婴幼儿意外伤害保险全覆盖（苏府办〔2020〕233号）",
    },
    # Director (负责人).
    {"code": "director.min_education", "value": "college", "clause": f"{SETTING} 负责人具有大专以上学历"},
    {"code": "director.min_years_experience", "value": 3, "clause": f"{SETTING} 负责人有3年以上相关工作经历"},
    {
        "code": "director.min_post_training_hours",
        "value": 60,
        "clause": "WS/T 821—2023 托育机构负责人岗位培训不少于60学时",
        "source": "WS/T 821—2023",
    },
    # Family childcare points (2023).
    {
        "code": "family.max_children",
        "value": 5,
        "clause": "家庭托育点管理办法（试行）（2023）每个家庭托育点收托人数不超过5人",
    },
    {
        "code": "family.children_per_carer",
        "value": 3,
        "clause": "家庭托育点管理办法（试行）（2023）照护人员与婴幼儿比例不低于1:3",
    },
]


def seed_rows() -> list[dict]:
    """Complete rows for StandardRule (edition, effective date, source filled in)."""
    rows = []
    for spec in SEED:
        source = spec.get("source", NATIONAL_2019)
        note = spec.get("note", "")
        if spec["code"].startswith("family."):
            source, edition, effective = "家庭托育点管理办法（试行）", "2023", date(2023, 1, 1)
            note = note or "Effective date set to the start of the year of issue."
        else:
            edition, effective = "2019", EFFECTIVE
        rows.append(
            {
                "code": spec["code"],
                "value": spec["value"],
                "edition": edition,
                "effective_from": effective,
                "clause": spec["clause"],
                "source": source,
                "is_default": spec.get("is_default", False),
                "note": note,
            }
        )
    return rows
