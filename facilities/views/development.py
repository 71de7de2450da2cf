"""Pages of development targets, build projects and guidance activities (/recognitions/targets|projects|guidance).

Targets and projects are for the city, the units' officers and inspectors (others: 404); the city admin sets
targets, officers and the city work projects. Guidance activities are read in the user's scope; model
facilities' operators, their unit's officers and the city record them.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.audit.registry import history_scope
from suzhou_childcare.errors import ApplicationError, NotFound, PermissionDenied
from suzhou_childcare.permissions import Capability, can, scope_to_jurisdiction, sees_whole_city
from suzhou_childcare.regions.models import District, Street
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from ..models import BuildProject, GuidanceKind, ProjectStatus, TargetIndicator
from ..selectors_development import (
    guidance_counts,
    guidance_facility_choices,
    guidance_kind_totals,
    guidance_list_for,
    may_read_development,
    mentoring_candidates,
    project_cancel_reason,
    project_facility_choices,
    project_get_for,
    project_list_for,
    project_status_counts,
    target_list_for,
    target_progress,
)
from ..services import development as services
from ..services.development import NEXT_STEP, may_record_guidance, may_work_projects

PAGE_SIZE = 50
YEAR_MIN, YEAR_MAX = services.YEAR_RANGE


def _require_reader(user) -> None:
    if not may_read_development(user):
        raise NotFound


def _units_for(user):
    return scope_to_jurisdiction(District.objects.order_by("code"), user=user, district_field="code")


def _year(value, default: int) -> int | None:
    """A year from the query string; None when it is not a plausible year."""
    if value in (None, ""):
        return default
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if YEAR_MIN <= year <= YEAR_MAX else None


def _cell(value):
    """Text a spreadsheet would run as a formula (=, +, -, @) is written as plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- targets ---


class TargetForm(forms.Form):
    district = forms.ChoiceField(label=gettext_lazy("County-level unit"), required=False)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    from_year = forms.IntegerField(
        label=gettext_lazy("Counted from year"),
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        required=False,
        help_text=gettext_lazy("For a target over several years (e.g. 2021 for 2021–2025); empty for one year."),
    )
    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"), choices=TargetIndicator.choices)
    value = forms.DecimalField(label=gettext_lazy("Target"), max_digits=9, decimal_places=2, min_value=0)
    source = forms.CharField(label=gettext_lazy("Source"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [
            ("", _("Whole city")),
            *((d.code, d.name) for d in District.objects.order_by("code")),
        ]


@login_required
def target_progress_page(request: HttpRequest) -> HttpResponse:
    """Each unit's targets for a year against what was achieved; the city admin sets targets here."""
    user = request.user
    _require_reader(user)
    today = timezone.localdate()
    year = _year(request.GET.get("year"), today.year)
    year_error = year is None
    year = year or today.year
    editor = user.role == Role.CITY_ADMIN
    form = TargetForm(initial={"year": year}) if editor else None
    if request.method == "POST":
        if not editor:
            raise PermissionDenied(_("Only the city admin sets development targets."))
        form = TargetForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                target = services.target_set(
                    actor=user,
                    district_code=data["district"] or None,
                    year=data["year"],
                    indicator=data["indicator"],
                    value=data["value"],
                    source=data["source"],
                    from_year=data["from_year"],
                )
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, _("The target has been saved."))
                return redirect(f"{reverse('recognitions:target_progress')}?year={target.year}")
    progress = target_progress(year=year, user=user, today=today)
    response = render(
        request,
        "facilities/development/targets.html",
        {
            "progress": progress,
            "year": year,
            "year_error": year_error,
            "years": list(range(min(2021, year), max(today.year + 5, year) + 1)),
            "targets": target_list_for(user=user, filters={"year": year}),
            "form": form,
            "editor": editor,
        },
    )
    return invalid_form_status(response) if request.method == "POST" else response


@login_required
def target_export(request: HttpRequest) -> HttpResponse:
    """The progress table of a year as an Excel workbook."""
    user = request.user
    _require_reader(user)
    today = timezone.localdate()
    year = _year(request.GET.get("year"), today.year) or today.year
    progress = target_progress(year=year, user=user, today=today)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(year))
    header = [_("County-level unit")]
    for _code, label in progress["indicators"]:
        header += [f"{label} · {_('target')}", f"{label} · {_('actual')}", f"{label} · {_('completion (%)')}"]
    header += [_("Slots"), _("Resident population"), _("Population year"), _("Population estimated")]
    sheet.append([str(title) for title in header])
    for row in progress["rows"]:
        values = [_("Whole city") if row["is_city"] else row["name"]]
        for cell in row["indicators"]:
            values += [cell["target"], cell["actual"], cell["percent"]]
        values += [
            row["slots"],
            row["population"],
            row["population_year"],
            _("yes") if row["population_estimated"] else "",
        ]
        sheet.append([_cell(value) for value in values])
    sheet.append([])
    sheet.append([_cell(_("As of %(day)s") % {"day": progress["as_of"].isoformat()})])
    targets = workbook.create_sheet(_("Targets"))
    targets.append([_("County-level unit"), _("Indicator"), _("Target"), _("Counted from year"), _("Source")])
    for target in target_list_for(user=user, filters={"year": year}):
        targets.append(
            [
                _cell(value)
                for value in (
                    target.district.name if target.district else _("Whole city"),
                    target.get_indicator_display(),
                    target.value,
                    target.from_year,
                    target.source,
                )
            ]
        )
    buffer = BytesIO()
    workbook.save(buffer)
    name = _("development-targets-%(year)s.xlsx") % {"year": year}
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f"attachment; filename=\"development-targets-{year}.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    return response


# --- build projects ---


class ProjectForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    programme = forms.CharField(
        label=gettext_lazy("Programme"),
        max_length=200,
        help_text=gettext_lazy("e.g. 2021年市政府民生实事项目"),
    )
    district = forms.ChoiceField(label=gettext_lazy("County-level unit"))
    street = forms.TypedChoiceField(label=gettext_lazy("Street or town"), coerce=int, required=False, empty_value=None)
    target_year = forms.IntegerField(label=gettext_lazy("Target year"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    planned_slots = forms.IntegerField(label=gettext_lazy("Planned slots"), min_value=1, max_value=services.MAX_SLOTS)
    planned_opening_on = forms.DateField(label=gettext_lazy("Planned opening"), required=False, widget=DATE_INPUT)
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=services.NOTE_MAX, required=False, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = list(_units_for(user))
        self.fields["district"].choices = [(d.code, d.name) for d in units]
        streets = Street.objects.filter(district__in=units).select_related("district").order_by("district_id", "name")
        self.fields["street"].choices = [("", "—"), *((s.pk, f"{s.district.name} · {s.name}") for s in streets)]

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["street"] = data.get("street") or None
        return data


class AdvanceForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Step"))
    on = forms.DateField(label=gettext_lazy("Date"), widget=DATE_INPUT)
    facility = forms.TypedChoiceField(
        label=gettext_lazy("Facility that opened"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=gettext_lazy("Only when the project opens: a facility of the project's unit."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=services.REASON_MAX,
        required=False,
        widget=forms.Textarea({"rows": 2}),
        help_text=gettext_lazy("Required when the project is cancelled."),
    )

    def __init__(self, *args, project: BuildProject, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        steps = []
        following = NEXT_STEP.get(project.status)
        if following:
            steps.append((following, ProjectStatus(following).label))
        steps.append((ProjectStatus.CANCELLED, ProjectStatus.CANCELLED.label))
        self.fields["status"].choices = steps
        self.fields["on"].initial = timezone.localdate()
        self.fields["on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["facility"].choices = [("", "—"), *facilities]


def _project_filters(request: HttpRequest, user) -> tuple[dict, dict]:
    raw = {key: request.GET.get(key, "").strip() for key in ("year", "district", "status", "q")}
    filters: dict = {}
    year = _year(raw["year"], 0) if raw["year"] else None
    if year:
        filters["year"] = year
    if raw["district"] and _units_for(user).filter(code=raw["district"]).exists():
        filters["district"] = raw["district"]
    if raw["status"] in ProjectStatus.values:
        filters["status"] = raw["status"]
    if raw["q"]:
        filters["q"] = raw["q"][:100]
    return filters, raw


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    """Build projects in the user's scope, filtered by target year, unit and status; officers add projects."""
    user = request.user
    _require_reader(user)
    writer = may_work_projects(user)
    form = ProjectForm(user=user, initial={"target_year": timezone.localdate().year}) if writer else None
    if request.method == "POST":
        if not writer:
            raise PermissionDenied(_("Only the unit's officers and the city admin work build projects."))
        form = ProjectForm(request.POST, user=user)
        if form.is_valid():
            try:
                project = services.project_create(actor=user, data=form.data_for_service())
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, _("The build project has been added."))
                return redirect("recognitions:project_detail", pk=project.pk)
    filters, raw = _project_filters(request, user)
    page = Paginator(project_list_for(user=user, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    response = render(
        request,
        "facilities/development/project_list.html",
        {
            "page": page,
            "raw": raw,
            "statuses": ProjectStatus.choices,
            "status_counts": project_status_counts(user=user, filters=filters),
            "districts": _units_for(user) if sees_whole_city(user) else [],
            "form": form,
        },
    )
    return invalid_form_status(response) if request.method == "POST" else response


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A project with its steps; officers of its unit and the city advance, cancel or edit it."""
    user = request.user
    _require_reader(user)
    project = project_get_for(user=user, pk=pk)
    writer = may_work_projects(user)
    is_open = project.status not in services.CLOSED_STATUSES
    facilities = []
    if writer and project.status == ProjectStatus.COMPLETED:
        facilities = list(project_facility_choices(user=user, project=project).values_list("pk", "name"))
    advance_form = AdvanceForm(project=project, facilities=facilities, prefix="advance") if writer and is_open else None
    edit_form = None
    if writer:
        edit_form = ProjectForm(
            user=user,
            prefix="edit",
            initial={
                "name": project.name,
                "programme": project.programme,
                "district": project.district_id,
                "street": project.street_id,
                "target_year": project.target_year,
                "planned_slots": project.planned_slots,
                "planned_opening_on": project.planned_opening_on,
                "note": project.note,
            },
        )
    if request.method == "POST":
        if not writer:
            raise PermissionDenied(_("Only the unit's officers and the city admin work build projects."))
        if request.POST.get("form") == "edit":
            edit_form = ProjectForm(request.POST, user=user, prefix="edit")
            if edit_form.is_valid():
                data = edit_form.data_for_service()
                if not is_open:
                    data = {"note": data["note"]}
                try:
                    services.project_update(actor=user, project=project, data=data)
                except ApplicationError as exc:
                    form_add_application_error(edit_form, exc)
                else:
                    messages.success(request, _("The project has been updated."))
                    return redirect("recognitions:project_detail", pk=project.pk)
        else:
            if advance_form is None:
                raise PermissionDenied(_("This project takes no further step."))
            advance_form = AdvanceForm(request.POST, project=project, facilities=facilities, prefix="advance")
            if advance_form.is_valid():
                data = advance_form.cleaned_data
                facility = None
                if data["facility"]:
                    facility = project_facility_choices(user=user, project=project).filter(pk=data["facility"]).first()
                try:
                    services.project_advance(
                        actor=user,
                        project=project,
                        status=data["status"],
                        on=data["on"],
                        facility=facility,
                        reason=data["reason"],
                    )
                except ApplicationError as exc:
                    form_add_application_error(advance_form, exc)
                else:
                    messages.success(request, _("The project's step has been recorded."))
                    return redirect("recognitions:project_detail", pk=project.pk)
    response = render(
        request,
        "facilities/development/project_detail.html",
        {
            "project": project,
            "advance_form": advance_form,
            "edit_form": edit_form,
            "is_open": is_open,
            "cancel_reason": project_cancel_reason(project),
            "show_history": can(user, Capability.VIEW_AUDIT_HISTORY)
            and history_scope("facilities.buildproject") is not None,
        },
    )
    return invalid_form_status(response) if request.method == "POST" else response


# --- guidance activities ---


class GuidanceForm(forms.Form):
    facility = forms.TypedChoiceField(label=gettext_lazy("Model facility"), coerce=int)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=GuidanceKind.choices)
    held_on = forms.DateField(label=gettext_lazy("Held on"), widget=DATE_INPUT)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    participants = forms.IntegerField(
        label=gettext_lazy("Participants"), min_value=0, max_value=services.MAX_PARTICIPANTS, initial=0
    )
    mentored_facility = forms.TypedChoiceField(
        label=gettext_lazy("Facility mentored"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=gettext_lazy("Required for mentoring."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=services.NOTE_MAX, required=False, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, facilities, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].choices = facilities
        self.fields["mentored_facility"].choices = [("", "—"), *candidates]
        self.fields["held_on"].initial = timezone.localdate()
        self.fields["held_on"].widget.attrs["max"] = timezone.localdate().isoformat()


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def guidance_list(request: HttpRequest) -> HttpResponse:
    """Guidance activities in the user's scope with counts per facility and kind; model facilities record."""
    user = request.user
    if not (may_read_development(user) or user.role == Role.OPERATOR):
        raise NotFound
    today = timezone.localdate()
    recorder = may_record_guidance(user)
    facilities = list(guidance_facility_choices(user=user).values_list("pk", "name")) if recorder else []
    form = None
    if recorder and facilities:
        candidates = [
            (pk, f"{name} · {district}")
            for pk, name, district in mentoring_candidates(user=user).values_list("pk", "name", "district__name")
        ]
        form = GuidanceForm(facilities=facilities, candidates=candidates)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Only a model facility's operator, its unit's officer or the city record this."))
        form = GuidanceForm(request.POST, facilities=facilities, candidates=candidates)
        if form.is_valid():
            data = form.cleaned_data
            facility = guidance_facility_choices(user=user).get(pk=data["facility"])
            mentored = None
            if data["mentored_facility"]:
                mentored = mentoring_candidates(user=user).get(pk=data["mentored_facility"])
            try:
                services.guidance_record(
                    actor=user,
                    facility=facility,
                    kind=data["kind"],
                    held_on=data["held_on"],
                    title=data["title"],
                    participants=data["participants"],
                    mentored_facility=mentored,
                    note=data["note"],
                )
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, _("The guidance activity has been recorded."))
                return redirect("recognitions:guidance_list")
    raw = {key: request.GET.get(key, "").strip() for key in ("date_from", "date_to", "kind", "district")}
    date_from = _date(raw["date_from"]) or date(today.year, 1, 1)
    date_to = _date(raw["date_to"]) or today
    filters = {"date_from": date_from, "date_to": date_to}
    if raw["kind"] in GuidanceKind.values:
        filters["kind"] = raw["kind"]
    district = ""
    if raw["district"] and sees_whole_city(user) and _units_for(user).filter(code=raw["district"]).exists():
        district = raw["district"]
    if district:
        filters["district"] = district
    page = Paginator(guidance_list_for(user=user, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = guidance_counts(user=user, date_from=date_from, date_to=date_to, district=district or None)
    totals = guidance_kind_totals(counts)
    response = render(
        request,
        "facilities/development/guidance.html",
        {
            "page": page,
            "raw": raw,
            "date_from": date_from,
            "date_to": date_to,
            "kinds": GuidanceKind.choices,
            "counts": [{**row, "cells": [row["kinds"][kind] for kind in GuidanceKind.values]} for row in counts],
            "totals": [(label, totals[kind]) for kind, label in GuidanceKind.choices],
            "districts": _units_for(user) if sees_whole_city(user) else [],
            "form": form,
            "recorder": recorder,
        },
    )
    return invalid_form_status(response) if request.method == "POST" else response
