"""Shortfalls against the setting standards (国卫人口发〔2019〕58号 and related): warnings, never blocking.

Figures come from `Standards` (versioned `StandardRule` rows, see `standards_seed`); a check whose figure is
absent from the standards is skipped rather than guessed. Requirements that carry no figure (a health
certificate, a no-criminal-record proof, enrolled within slots) cite `_FALLBACK` unless the standards hold a
row of that code.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from facilities.models import ClassType, Education, FacilityForm, InsuranceMode, PremisesTenure, StaffRole

from .facts import FacilityFacts, Finding, RuleValue, Standards, choice_label
from .filing import FILING_CLAUSE, FILING_SOURCE

EDUCATION_RANK = {"": 0, Education.BELOW_COLLEGE: 0, Education.COLLEGE: 1, Education.BACHELOR: 2}

_FALLBACK: dict[str, RuleValue] = {
    "capacity.enrolled_within_slots": RuleValue(True, f"{FILING_CLAUSE} 备案书 托位数", FILING_SOURCE),
    "staff.health_certificate_required": RuleValue(
        True, "托儿所幼儿园卫生保健管理办法 工作人员上岗前经健康检查合格，在岗每年健康检查1次", "卫生部 教育部令第76号"
    ),
    "staff.no_criminal_record_required": RuleValue(
        True, "托育机构设置标准（试行） 工作人员无虐待儿童记录，无犯罪记录", "国卫人口发〔2019〕58号"
    ),
}


def required_health_staff(children: int, children_per_full_time: int = 150) -> tuple[int, bool]:
    """Health-care staff (卫生保健人员) needed: below the threshold one, full- or part-time; from it one
    full-time per started block (149 → 1 any; 150 → 1 full-time; 300 → 2; 301 → 3)."""
    if children < children_per_full_time:
        return 1, False
    return math.ceil(children / children_per_full_time), True


def _rule(standards: Standards, *codes: str) -> RuleValue | None:
    for code in codes:
        if code in standards:
            return standards[code]
    return next((_FALLBACK[code] for code in codes if code in _FALLBACK), None)


def _warning(code: str, field: str, rule: RuleValue, message: str) -> Finding:
    if rule.is_default:
        message = _("%(message)s (a city default figure, not a national one)") % {"message": message}
    return Finding(code, field, message, rule.clause, rule.source, blocking=False, is_default=rule.is_default)


def _required_by(standards: Standards, code: str) -> RuleValue | None:
    """A yes/no requirement: the rule when it is in force and switched on."""
    rule = _rule(standards, code)
    return rule if rule is not None and rule.value else None


def _class_findings(facts: FacilityFacts, standards: Standards) -> list[Finding]:
    findings = []
    for index, group in enumerate(facts.classes):
        prefix, kind = f"classes.{index}", group.class_type
        name = group.label or _("%(type)s no. %(number)s") % {
            "type": choice_label(ClassType, kind),
            "number": index + 1,
        }
        values = {"class": name, "enrolled": group.enrolled, "carers": group.carers}
        if (rule := _rule(standards, f"class.{kind}.max_size")) and group.enrolled > int(rule.value):
            message = _("%(class)s has %(enrolled)s children; at most %(limit)s are allowed.")
            findings.append(
                _warning("class_oversize", f"{prefix}.enrolled", rule, message % {**values, "limit": rule.value})
            )
        rule = _rule(standards, f"class.{kind}.children_per_carer")
        if rule and group.carers * int(rule.value) < group.enrolled:
            message = _(
                "%(class)s has %(enrolled)s children and %(carers)s carers; one carer may look after at most %(limit)s."
            )
            findings.append(
                _warning("class_ratio", f"{prefix}.carers", rule, message % {**values, "limit": rule.value})
            )
        rule = _rule(standards, f"class.{kind}.min_age_months") if kind == ClassType.MIXED else None
        if rule and group.youngest_months is not None and group.youngest_months < int(rule.value):
            message = _("%(class)s is mixed but its youngest child is %(months)s months old; the minimum is %(limit)s.")
            values |= {"months": group.youngest_months, "limit": rule.value}
            findings.append(_warning("class_mixed_too_young", f"{prefix}.youngest_months", rule, message % values))
    return findings


def _family_point_findings(facts: FacilityFacts, standards: Standards) -> list[Finding]:
    findings = []
    if (rule := _rule(standards, "family.max_children")) and facts.enrolled > int(rule.value):
        message = _("A family childcare point may take at most %(limit)s children; %(enrolled)s are enrolled.")
        findings.append(
            _warning(
                "family_point_limit", "enrolled", rule, message % {"limit": rule.value, "enrolled": facts.enrolled}
            )
        )
    carers = sum(1 for person in facts.staff if person.role == StaffRole.CARER)
    if (rule := _rule(standards, "family.children_per_carer")) and carers * int(rule.value) < facts.enrolled:
        message = _("%(enrolled)s children and %(carers)s carers: one carer may look after at most %(limit)s.")
        values = {"enrolled": facts.enrolled, "carers": carers, "limit": rule.value}
        findings.append(_warning("family_point_limit", "staff", rule, message % values))
    return findings


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _premises_findings(facts: FacilityFacts, standards: Standards, today: date) -> list[Finding]:
    findings = []
    rule = _rule(standards, "premises.min_lease_years")
    if rule and facts.premises_tenure == PremisesTenure.LEASED and facts.lease_end is not None:
        start = facts.lease_start or today
        if _add_years(start, int(rule.value)) > facts.lease_end:
            message = _("The lease runs from %(start)s to %(end)s, shorter than %(limit)s years.")
            values = {"start": start.isoformat(), "end": facts.lease_end.isoformat(), "limit": rule.value}
            findings.append(_warning("lease_too_short", "lease_end", rule, message % values))
    if rule := _rule(standards, "premises.max_floor"):
        if facts.highest_floor is not None and facts.highest_floor > int(rule.value):
            message = _("Infants' rooms are on floor %(floor)s; they must be on floor %(limit)s or below.")
            values = {"floor": facts.highest_floor, "limit": rule.value}
            findings.append(_warning("floor_too_high", "highest_floor", rule, message % values))
        lowest = facts.lowest_floor if facts.lowest_floor is not None else facts.highest_floor
        if lowest is not None and lowest < 1:
            message = _("Infants' rooms may not be underground (floor %(floor)s).") % {"floor": lowest}
            findings.append(_warning("floor_underground", "lowest_floor", rule, message))
    if rule := _rule(standards, "premises.min_observation_room_m2"):
        area, minimum = facts.observation_room_area, Decimal(str(rule.value))
        if area is None:
            message = _("No observation room recorded; it must have at least %(limit)s m².") % {"limit": rule.value}
            findings.append(_warning("observation_room_small", "observation_room_area", rule, message))
        elif Decimal(str(area)) < minimum:
            message = _("The observation room has %(area)s m²; at least %(limit)s m² are required.")
            values = {"area": area, "limit": rule.value}
            findings.append(_warning("observation_room_small", "observation_room_area", rule, message % values))
    return findings


def _safety_findings(facts: FacilityFacts, standards: Standards, today: date) -> list[Finding]:
    findings = []
    if rule := _rule(standards, "safety.min_surveillance_retention_days"):
        if not facts.surveillance_covers_infant_areas:
            message = _("Video surveillance does not cover all infants' areas.")
            findings.append(_warning("surveillance", "surveillance_covers_infant_areas", rule, message))
        days = facts.surveillance_retention_days
        if days is None or days < int(rule.value):
            if days is None:
                message = _("How long footage is kept is not recorded; at least %(limit)s days are required.")
            else:
                message = _("Footage is kept %(days)s days; at least %(limit)s are required.")
            values = {"days": days, "limit": rule.value}
            findings.append(_warning("surveillance", "surveillance_retention_days", rule, message % values))
    if (rule := _required_by(standards, "safety.one_click_alarm_required")) and not facts.one_click_alarm:
        findings.append(_warning("one_click_alarm", "one_click_alarm", rule, _("No one-click alarm (一键报警).")))
    if rule := _required_by(standards, "safety.licensed_guard_required"):
        guards = [p for p in facts.staff if p.role == StaffRole.SECURITY_GUARD and p.guard_licence_number.strip()]
        if not facts.licensed_guard:
            findings.append(_warning("licensed_guard", "licensed_guard", rule, _("No licensed security guard.")))
        elif not guards:
            message = _(
                "A licensed guard is declared, but no security guard on the roster has a guard licence (保安员证)."
            )
            findings.append(_warning("licensed_guard", "staff", rule, message))
    if rule := _required_by(standards, "safety.infant_insurance_required"):
        if facts.insurance_mode in ("", InsuranceMode.NONE):
            message = _("Not every infant is covered by accident insurance.")
            findings.append(_warning("infant_insurance", "insurance_mode", rule, message))
        elif (
            facts.insurance_mode == InsuranceMode.OWN_POLICY
            and facts.policy_expires_on is not None
            and facts.policy_expires_on < today
        ):
            message = _("The accident insurance policy expired on %(date)s.") % {
                "date": facts.policy_expires_on.isoformat()
            }
            findings.append(_warning("infant_insurance", "policy_expires_on", rule, message))
    return findings


def _staff_findings(facts: FacilityFacts, standards: Standards, today: date) -> list[Finding]:
    findings = []
    if rule := _rule(standards, "health_staff.children_per_full_time"):
        required, full_time = required_health_staff(facts.enrolled, int(rule.value))
        present = sum(1 for p in facts.staff if p.role == StaffRole.HEALTH_CARE and (p.full_time or not full_time))
        if present < required:
            if full_time:
                message = _(
                    "%(children)s children need %(required)s full-time health-care staff; %(present)s on the roster."
                )
            else:
                message = _("%(children)s children need at least one health-care staff member, full- or part-time.")
            values = {"children": facts.enrolled, "required": required, "present": present}
            findings.append(_warning("health_staff_short", "staff", rule, message % values))
    directors = [(index, p) for index, p in enumerate(facts.staff) if p.role == StaffRole.DIRECTOR]
    education = _rule(standards, "director.min_education")
    experience = _rule(standards, "director.min_years_experience")
    if not directors and (rule := _rule(standards, "director.required", "director.min_education")):
        findings.append(_warning("director_missing", "staff", rule, _("No director (负责人) on the roster.")))
    for index, director in directors:
        who = director.name or _("the director")
        if education and EDUCATION_RANK.get(director.education, 0) < EDUCATION_RANK.get(str(education.value), 1):
            message = _("The education of %(name)s is below the required %(level)s.")
            values = {"name": who, "level": choice_label(Education, str(education.value))}
            findings.append(_warning("director_qualification", f"staff.{index}.education", education, message % values))
        years = director.years_of_experience
        if experience and (years is None or years < int(experience.value)):
            if years is None:
                message = _(
                    "The relevant experience of %(name)s is not recorded; at least %(limit)s years are required."
                )
            else:
                message = _("%(name)s has %(years)s years of relevant experience; at least %(limit)s are required.")
            values = {"name": who, "years": years, "limit": experience.value}
            field = f"staff.{index}.years_of_experience"
            findings.append(_warning("director_qualification", field, experience, message % values))
    certificate = _required_by(standards, "staff.health_certificate_required")
    record = _required_by(standards, "staff.no_criminal_record_required")
    for index, person in enumerate(facts.staff):
        who = person.name or _("staff member no. %(number)s") % {"number": index + 1}
        expires = person.health_certificate_expires_on
        if certificate and (expires is None or expires < today):
            if expires is None:
                message = _("No health certificate on file for %(name)s.") % {"name": who}
            else:
                message = _("The health certificate of %(name)s expired on %(date)s.") % {
                    "name": who,
                    "date": expires.isoformat(),
                }
            field = f"staff.{index}.health_certificate_expires_on"
            findings.append(_warning("health_certificate", field, certificate, message))
        if record and not person.no_criminal_record_on_file:
            message = _("No no-criminal-record proof on file for %(name)s.") % {"name": who}
            findings.append(
                _warning("no_criminal_record", f"staff.{index}.no_criminal_record_on_file", record, message)
            )
    return findings


def standards_findings(facts: FacilityFacts, standards: Standards, *, today: date) -> list[Finding]:
    """Shortfalls against the setting standards: warnings for the operator, findings for the verifying officer."""
    findings = []
    if facts.form == FacilityForm.FAMILY_POINT:
        findings += _family_point_findings(facts, standards)
    else:
        findings += _class_findings(facts, standards)
    if (rule := _required_by(standards, "capacity.enrolled_within_slots")) and facts.enrolled > facts.slots:
        message = _("%(enrolled)s children are enrolled for %(slots)s slots.")
        findings.append(
            _warning(
                "enrolled_over_slots", "enrolled", rule, message % {"enrolled": facts.enrolled, "slots": facts.slots}
            )
        )
    findings += _staff_findings(facts, standards, today)
    findings += _premises_findings(facts, standards, today)
    findings += _safety_findings(facts, standards, today)
    return findings
