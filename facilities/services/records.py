"""Writing the facility record: creation, edits, classes, service forms, staff, and its versioned history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.crypto import blind_index
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from suzhou_childcare.regions.models import District, Street

from .. import rules
from ..models import (
    Category,
    ClassType,
    Facility,
    FacilityClass,
    FacilityForm,
    FacilityVersion,
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
from . import lifecycle

PERSON_ID_PURPOSE = "cn_ric"

# What the operator (or a unit officer, for a `known` facility) may write. Everything else — filing status,
# number, dates, deadlines, reviewer — only the lifecycle services write.
WRITABLE_FIELDS = (
    "name",
    "registration_route",
    "uscc",
    "category",
    "form",
    "hub",
    "medical_integration",
    "elderly_child_integration",
    "district",
    "street",
    "address",
    "slots",
    "enrolled",
    "meals_served",
    "premises_tenure",
    "lease_start",
    "lease_end",
    "lowest_floor",
    "highest_floor",
    "floor_area",
    "observation_room_area",
    "surveillance_covers_infant_areas",
    "surveillance_retention_days",
    "one_click_alarm",
    "licensed_guard",
    "insurance_mode",
    "insurer",
    "policy_number",
    "policy_expires_on",
    "opened_on",
)
# Fixed once a filing number has been issued: the number belongs to the unit.
FIXED_AFTER_FILING = ("district",)


def _choice(errors: dict, field: str, value, choices) -> None:
    if value not in choices:
        errors.setdefault(field, []).append(_("Choose one of the offered values."))


def _validate(facility: Facility, changes: dict[str, Any]) -> None:
    """Format and consistency of the record; standards are judged by `rules`, not here."""
    errors: dict[str, list[str]] = {}
    values = {field: changes.get(field, getattr(facility, field, None)) for field in WRITABLE_FIELDS}
    if not (values["name"] or "").strip():
        errors["name"] = [_("Enter the facility's name.")]
    if "category" in changes or not facility.pk:
        _choice(errors, "category", values["category"], Category.values)
    if "form" in changes:
        _choice(errors, "form", values["form"], FacilityForm.values)
    if values["registration_route"]:
        _choice(errors, "registration_route", values["registration_route"], RegistrationRoute.values)
    if values["premises_tenure"]:
        _choice(errors, "premises_tenure", values["premises_tenure"], PremisesTenure.values)
    if "insurance_mode" in changes:
        _choice(errors, "insurance_mode", values["insurance_mode"], InsuranceMode.values)
    for field in ("slots", "enrolled"):
        value = values[field]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[field] = [_("Enter a whole number, 0 or more.")]
    uscc = (values["uscc"] or "").strip().upper()
    if uscc:
        problem = rules.uscc_problem(uscc, values["registration_route"] or "")
        if problem:
            errors["uscc"] = [problem]
    street, district = values["street"], values["district"]
    if street is not None and district is not None and street.district_id != district.pk:
        errors["street"] = [_("This street or town is not in the chosen county-level unit.")]
    hub = values["hub"]
    if hub is not None and district is not None and hub.district_id != district.pk:
        errors["hub"] = [_("A “1+N” site and its hub are in the same county-level unit.")]
    elif hub is not None and (hub.form != FacilityForm.COMPREHENSIVE_CENTER or hub.pk == facility.pk):
        errors["hub"] = [_("A “1+N” site's hub must be a comprehensive service centre.")]
    if values["lease_start"] and values["lease_end"] and values["lease_end"] <= values["lease_start"]:
        errors["lease_end"] = [_("The lease must end after it starts.")]
    if uscc and "uscc" not in errors:
        clash = Facility.objects.filter(uscc=uscc).exclude(pk=facility.pk)
        # A "1+N" site may share its hub's code (and its sibling sites').
        if hub is not None:
            clash = clash.exclude(Q(pk=hub.pk) | Q(hub=hub))
        if clash.exists():
            errors["uscc"] = [_("Another facility is already registered with this credit code.")]
    # Lengths, ranges and digits as the columns define them, so bad input is a field error, never a
    # database error.
    for field_name, value in changes.items():
        if field_name in errors or value is None or hasattr(value, "pk"):
            continue
        try:
            Facility._meta.get_field(field_name).run_validators(value)
        except DjangoValidationError as exc:
            errors[field_name] = list(exc.messages)
    if errors:
        raise ValidationFailed(fields=errors)
    if uscc:
        changes["uscc"] = uscc


def _coerce(data: dict[str, Any], actor: User | None = None) -> dict[str, Any]:
    """Accept only writable fields; turn ids into objects; refuse what is not known."""
    unknown = set(data) - set(WRITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            fields={field: [_("This field cannot be changed here.")] for field in sorted(unknown)}, code="read_only"
        )
    changes = dict(data)
    if "district" in changes and not isinstance(changes["district"], District):
        district = District.objects.filter(pk=changes["district"]).first()
        if district is None:
            raise ValidationFailed(fields={"district": [_("Unknown county-level unit.")]})
        changes["district"] = district
    if "street" in changes and changes["street"] is not None and not isinstance(changes["street"], Street):
        street = Street.objects.filter(pk=changes["street"]).first()
        if street is None:
            raise ValidationFailed(fields={"street": [_("Unknown street or town.")]})
        changes["street"] = street
    if "hub" in changes and changes["hub"] is not None and not isinstance(changes["hub"], Facility):
        from ..selectors import facility_scope_for

        # Only a hub the actor can see, in the same unit: a foreign id is as unknown as a missing one.
        hub = facility_scope_for(user=actor).filter(pk=changes["hub"]).first() if actor else None
        if hub is None:
            raise ValidationFailed(fields={"hub": [_("Unknown hub facility.")]})
        changes["hub"] = hub
    return changes


def _save_unique(facility: Facility) -> None:
    """Save; a credit code taken by a concurrent transaction a moment ago is a field error, not a 500."""
    try:
        with transaction.atomic():
            facility.save()
    except IntegrityError as exc:
        raise ValidationFailed(
            fields={"uscc": [_("Another facility is already registered with this credit code.")]}, code="duplicate"
        ) from exc


def _today() -> date:
    return timezone.localdate()


def version_write(facility: Facility, *, actor: User | None, day: date | None = None) -> FacilityVersion:
    """Close the version in force and open one from `day` (same-day changes replace that day's version)."""
    day = day or _today()
    current = FacilityVersion.objects.select_for_update().filter(facility=facility, valid_to__isnull=True).first()
    values = {
        "opened_on": facility.opened_on,
        "closed_on": facility.closed_on,
        "district_id": facility.district_id,
        "category": facility.category,
        "form": facility.form,
        "filing_status": facility.filing_status,
        "slots": facility.slots,
        "enrolled": facility.enrolled,
        "snapshot": audit_snapshot(facility),
        "changed_by": actor if actor is not None and actor.is_authenticated else None,
    }
    if current is not None and current.valid_from >= day:
        for field, value in values.items():
            setattr(current, field, value)
        current.save()
        return current
    if current is not None:
        current.valid_to = day
        current.save(update_fields=["valid_to"])
    return FacilityVersion.objects.create(facility=facility, valid_from=day, **values)


def require_role_on(facility: Facility, actor: User, *, roles: frozenset[str]) -> None:
    """The actor holds one of `roles` for this facility: its operator, or an officer of its unit."""
    if actor.role not in roles:
        raise PermissionDenied
    if actor.role == Role.OPERATOR and not facility.operators.filter(pk=actor.pk).exists():
        raise NotFound
    if actor.role == Role.DISTRICT_OFFICER and facility.district_id != actor.district_id:
        raise NotFound


@transaction.atomic
def facility_create(*, actor: User, data: dict[str, Any], offerings: dict[str, Decimal] | None = None) -> Facility:
    """An operator creates a draft and becomes its operator; a unit officer enters a `known` facility."""
    if actor.role == Role.OPERATOR:
        status = FilingStatus.DRAFT
    elif actor.role in (Role.DISTRICT_OFFICER, Role.CITY_ADMIN):
        status = FilingStatus.KNOWN
    else:
        raise PermissionDenied(_("Your role may not create facilities."))
    changes = _coerce({"slots": 0, "enrolled": 0, **data}, actor)
    if "district" not in changes:
        raise ValidationFailed(fields={"district": [_("Choose the county-level unit.")]})
    if actor.role == Role.DISTRICT_OFFICER and changes["district"].pk != actor.district_id:
        raise ValidationFailed(fields={"district": [_("You can only enter facilities of your own unit.")]})
    facility = Facility(filing_status=status)
    _validate(facility, changes)
    for field, value in changes.items():
        setattr(facility, field, value)
    _save_unique(facility)
    if actor.role == Role.OPERATOR:
        facility.operators.add(actor)
    if offerings:
        _offerings_write(facility, offerings)
    # A facility already operating when first entered has been so since it opened.
    opened = facility.opened_on
    version_write(facility, actor=actor, day=opened if opened and opened < _today() else None)
    audit_record(actor=actor, action="facility.create", target=facility, after=audit_snapshot(facility))
    return facility


def _offerings_clean(offerings: dict[str, Any]) -> dict[str, Decimal]:
    """Fees per service form, checked (raises ValidationFailed); `None` means the form is not offered."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Decimal] = {}
    for form, fee in offerings.items():
        if form not in ServiceForm.values:
            errors[f"offerings.{form}"] = [_("Unknown service form.")]
            continue
        if fee is None:
            continue
        try:
            amount = Decimal(str(fee))
        except (InvalidOperation, ValueError):
            errors[f"offerings.{form}"] = [_("Enter the monthly fee in yuan, e.g. 2800.00.")]
            continue
        if amount < 0 or amount.as_tuple().exponent < -2 or amount >= Decimal("10000000"):
            errors[f"offerings.{form}"] = [_("Enter the monthly fee in yuan, e.g. 2800.00.")]
            continue
        clean[form] = amount
    if errors:
        raise ValidationFailed(fields=errors)
    return clean


def _offerings_write(facility: Facility, offerings: dict[str, Any]) -> None:
    clean = _offerings_clean(offerings)
    for form, amount in clean.items():
        ServiceOffering.objects.update_or_create(facility=facility, service_form=form, defaults={"monthly_fee": amount})
    removed = [form for form, fee in offerings.items() if fee is None]
    if removed:
        facility.offerings.filter(service_form__in=removed).delete()


@transaction.atomic
def facility_update(
    *, actor: User, facility: Facility, data: dict[str, Any], offerings: dict[str, Any] | None = None
) -> Facility:
    """Edit the record where the lifecycle allows it. During a change filing, edits wait in `pending_changes`."""
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    require_role_on(facility, actor, roles=lifecycle.OPERATOR | lifecycle.OFFICER)
    changes = _coerce(data, actor)
    if actor.role == Role.DISTRICT_OFFICER and "district" in changes and changes["district"].pk != actor.district_id:
        raise ValidationFailed(fields={"district": [_("You can only enter facilities of your own unit.")]})
    if facility.filing_number and any(field in changes for field in FIXED_AFTER_FILING):
        changed = [f for f in FIXED_AFTER_FILING if f in changes and changes[f] != getattr(facility, f)]
        if changed:
            raise ValidationFailed(
                fields={f: [_("This cannot change after filing; cancel and file again.")] for f in changed},
                code="read_only",
            )
    status = facility.filing_status
    if actor.role == Role.OPERATOR and status == FilingStatus.CHANGE_PENDING:
        # Judge the proposal against the record as the earlier proposed changes would leave it.
        _validate(_with_pending(facility, actor), changes)
        if offerings is not None:
            _offerings_clean(offerings)
        pending = dict(facility.pending_changes)
        for field, value in changes.items():
            pending[field] = (
                value.pk if hasattr(value, "pk") else (str(value) if isinstance(value, (date, Decimal)) else value)
            )
        if offerings is not None:
            pending["offerings"] = {k: (str(v) if v is not None else None) for k, v in offerings.items()}
        facility.pending_changes = pending
        facility.save(update_fields=["pending_changes", "updated_at"])
        audit_record(actor=actor, action="facility.change_proposed", target=facility, after=pending)
        return facility
    editable = lifecycle.OPERATOR_EDITABLE if actor.role == Role.OPERATOR else lifecycle.OFFICER_EDITABLE
    if status not in editable:
        raise Conflict(
            _("A facility in the state “%(state)s” cannot be edited; start a change filing instead.")
            % {"state": facility.get_filing_status_display()},
            clause=lifecycle.CLAUSE,
        )
    before = audit_snapshot(facility)
    _validate(facility, changes)
    for field, value in changes.items():
        setattr(facility, field, value)
    _save_unique(facility)
    if offerings is not None:
        _offerings_write(facility, offerings)
    version_write(facility, actor=actor)
    audit_record(actor=actor, action="facility.update", target=facility, before=before, after=audit_snapshot(facility))
    return facility


def _with_pending(facility: Facility, actor: User) -> Facility:
    """An unsaved copy of the facility with its pending change-filing values applied."""
    copy = Facility.objects.get(pk=facility.pk)
    pending = {k: v for k, v in facility.pending_changes.items() if k != "offerings"}
    for field, value in _coerce(pending, actor).items():
        model_field = Facility._meta.get_field(field)
        if isinstance(value, str) and model_field.get_internal_type() in ("DateField", "DecimalField"):
            value = model_field.to_python(value)
        setattr(copy, field, value)
    return copy


def _editable_by(facility: Facility, actor: User) -> Facility:
    """The facility, locked, when the actor may edit its rows now (a concurrent submit waits or wins)."""
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    require_role_on(facility, actor, roles=lifecycle.OPERATOR | lifecycle.OFFICER)
    editable = lifecycle.OPERATOR_EDITABLE if actor.role == Role.OPERATOR else lifecycle.OFFICER_EDITABLE
    if facility.filing_status not in editable:
        raise Conflict(_("The record cannot be edited in its current state."), clause=lifecycle.CLAUSE)
    return facility


@transaction.atomic
def facility_class_set(
    *,
    actor: User,
    facility: Facility,
    class_type: str,
    capacity: int,
    enrolled: int,
    carers: int,
    name: str = "",
    youngest_months: int | None = None,
    facility_class: FacilityClass | None = None,
) -> FacilityClass:
    facility = _editable_by(facility, actor)
    errors: dict[str, list[str]] = {}
    if class_type not in ClassType.values:
        errors["class_type"] = [_("Choose the class type.")]
    for field, value in (("capacity", capacity), ("enrolled", enrolled), ("carers", carers)):
        if not isinstance(value, int) or value < 0:
            errors[field] = [_("Enter a whole number, 0 or more.")]
    if errors:
        raise ValidationFailed(fields=errors)
    row = facility_class or FacilityClass(facility=facility)
    row.class_type, row.capacity, row.enrolled, row.carers = class_type, capacity, enrolled, carers
    row.name, row.youngest_months = name.strip(), youngest_months
    row.save()
    audit_record(actor=actor, action="facility.class_set", target=facility, after=audit_snapshot(row))
    return row


def person_for(*, name: str, id_number: str) -> Person:
    """The registry's person with this ID number (created on first sight), found by keyed hash."""
    from suzhou_childcare.accounts.services import normalise_id_number

    value = normalise_id_number(id_number)
    index = blind_index(value, purpose=PERSON_ID_PURPOSE)
    person, _created = Person.objects.get_or_create(
        id_number_index=index, defaults={"name": name.strip(), "id_number": value}
    )
    return person


@transaction.atomic
def staff_add(
    *, actor: User, facility: Facility, name: str, id_number: str, role: str, employed_from: date, **facts
) -> StaffMember:
    facility = _editable_by(facility, actor)
    if role not in StaffRole.values:
        raise ValidationFailed(fields={"role": [_("Choose the staff role.")]})
    if not (name or "").strip():
        raise ValidationFailed(fields={"name": [_("Enter the person's name.")]})
    errors: dict[str, list[str]] = {}
    for field_name, value in facts.items():
        if value is None or value == "":
            continue
        try:
            StaffMember._meta.get_field(field_name).run_validators(value)
        except DjangoValidationError as exc:
            errors[field_name] = list(exc.messages)
    if errors:
        raise ValidationFailed(fields=errors)
    person = person_for(name=name, id_number=id_number)
    if facility.staff.filter(person=person, employed_to__isnull=True).exists():
        raise ValidationFailed(fields={"id_number": [_("This person is already on the facility's roster.")]})
    if person.banned_on:
        # The same refusal whichever facility asks: the ban follows the person, found by keyed hash.
        raise RuleViolation(
            _("This person is banned from childcare for life and cannot be added to any roster."),
            code="person_banned",
            fields={"id_number": [_("Banned from childcare (人口与计划生育法 Art. 41).")]},
            clause="人口与计划生育法（2021）第四十一条",
        )
    # The roster keeps the name as this facility entered it: the registry's name is not shown across facilities.
    member = StaffMember.objects.create(
        facility=facility, person=person, name=name.strip(), role=role, employed_from=employed_from, **facts
    )
    audit_record(actor=actor, action="facility.staff_add", target=facility, after=audit_snapshot(member))
    return member


@transaction.atomic
def facility_class_remove(*, actor: User, facility: Facility, facility_class: FacilityClass) -> None:
    facility = _editable_by(facility, actor)
    if facility_class.facility_id != facility.pk:
        raise NotFound
    before = audit_snapshot(facility_class)
    facility_class.delete()
    audit_record(actor=actor, action="facility.class_remove", target=facility, before=before)


@transaction.atomic
def facility_link_operator(*, actor: User, facility: Facility, username: str) -> User:
    """The unit's officer links an operator account to a facility the unit knows (the safe way to take one up)."""
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if actor.role != Role.DISTRICT_OFFICER:
        raise PermissionDenied(_("Accounts are linked by the unit's officers."))
    if facility.district_id != actor.district_id:
        raise NotFound
    operator = User.objects.filter(username=(username or "").strip(), role=Role.OPERATOR, is_active=True).first()
    if operator is None:
        raise ValidationFailed(fields={"username": [_("No active operator account has this username.")]})
    facility.operators.add(operator)
    audit_record(actor=actor, action="facility.link_operator", target=facility, after={"operator": operator.username})
    return operator
