"""The city admin's reference pages for recognitions: criteria sets as versions, and the full-day fee references.

Staff (the city admin, district officers, inspectors) read them; only the city admin writes, through
`services.recognition_reference`, which checks the role again. Anyone else gets a 404, like an object outside
their scope; a reader's POST is refused with 403 and changes nothing.

A draft is edited criterion by criterion, then activated from a date that is not in the past; an active set is
never edited (a new version replaces it), so every decision can be re-evaluated under the rules it was taken.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.errors import ApplicationError, NotFound
from suzhou_childcare.regions.models import District
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from .. import selectors_recognition as selectors
from ..models import CriteriaSet, CriteriaSetStatus, FeeReference, RecognitionKind
from ..rules.recognition import CHECKS
from ..services import recognition_reference as services

READERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR})
DATE_WIDGET = forms.DateInput(attrs={"type": "date"})
PARAMS_MAX_LENGTH = 500
PARAM_KIND_HELP = {
    int: gettext_lazy("a whole number"),
    Decimal: gettext_lazy("a number from 0 to 100"),
    list: gettext_lazy("a list of grades among A, B, C, D"),
}
PARAM_EXAMPLES = {int: 12, Decimal: 80, list: ["A", "B"]}


def _require_reader(user: User) -> None:
    if user.role not in READERS:
        raise NotFound


def _is_editor(user: User) -> bool:
    return user.role == Role.CITY_ADMIN


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def check_label(code: str) -> str:
    check = CHECKS.get(code)
    return str(check.label) if check else code


def checks_reference() -> list[dict]:
    """Each registered check with its parameters and an example, for the editor's help table."""
    rows = []
    for code, check in CHECKS.items():
        params = [{"name": name, "kind": PARAM_KIND_HELP.get(kind, "")} for name, kind in check.params.items()]
        example = {name: PARAM_EXAMPLES.get(kind) for name, kind in check.params.items()}
        rows.append({"code": code, "label": check.label, "params": params, "example": json.dumps(example)})
    return rows


# --- forms ---


class DraftForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("recognition"), choices=RecognitionKind.choices)
    edition = forms.CharField(label=gettext_lazy("edition"), max_length=100)
    effective_from = forms.DateField(
        label=gettext_lazy("effective from"),
        widget=DATE_WIDGET,
        help_text=gettext_lazy("Today or later: a version cannot be activated from a day in the past."),
    )
    source = forms.CharField(label=gettext_lazy("source"), max_length=300)
    validity_years = forms.IntegerField(label=gettext_lazy("validity (years)"), min_value=1, max_value=10, initial=3)
    unit_review_working_days = forms.IntegerField(
        label=gettext_lazy("unit review within (working days)"), min_value=1, max_value=120, initial=15
    )
    city_decision_working_days = forms.IntegerField(
        label=gettext_lazy("city decision within (working days)"), min_value=1, max_value=120, initial=20
    )
    expiry_notice_days = forms.IntegerField(
        label=gettext_lazy("expiry notice (days ahead)"), min_value=1, max_value=365, initial=60
    )
    note = forms.CharField(label=gettext_lazy("note"), max_length=500, required=False)
    copy_criteria = forms.BooleanField(
        label=gettext_lazy("Start from the criteria of the version in force on that day"), required=False, initial=True
    )


class CriterionForm(forms.Form):
    check_code = forms.ChoiceField(
        label=gettext_lazy("check"), choices=[(code, check.label) for code, check in CHECKS.items()]
    )
    params = forms.CharField(
        label=gettext_lazy("parameters"),
        required=False,
        max_length=PARAMS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "class": "font-monospace"}),
        help_text=gettext_lazy('A JSON object, e.g. {"months": 12}; leave empty for a check without parameters.'),
    )
    clause = forms.CharField(label=gettext_lazy("clause"), max_length=200)
    source = forms.CharField(label=gettext_lazy("source"), max_length=300)
    is_default = forms.BooleanField(label=gettext_lazy("local default (not found in a published text)"), required=False)
    position = forms.IntegerField(
        label=gettext_lazy("position"),
        min_value=0,
        max_value=999,
        required=False,
        help_text=gettext_lazy("Empty: keep the position of the criterion it replaces, or add it at the end."),
    )

    def clean_params(self) -> dict:
        text = (self.cleaned_data.get("params") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise forms.ValidationError(_('Enter the parameters as a JSON object, e.g. {"months": 12}.')) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_('Enter the parameters as a JSON object, e.g. {"months": 12}.'))
        return value


class FeeReferenceForm(forms.Form):
    district = forms.ChoiceField(label=gettext_lazy("county-level unit"))
    year = forms.IntegerField(label=gettext_lazy("year"), min_value=2019, max_value=2100)
    # Text, not a DecimalField: the service owns the rule (more than 0, under 1,000,000, fen) and its message.
    fee = forms.CharField(
        label=gettext_lazy("full-day fee reference (yuan a month)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    source = forms.CharField(label=gettext_lazy("source"), max_length=300)

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [(d.code, d.name) for d in districts]


# --- criteria ---


def _criteria_set(pk: int) -> CriteriaSet:
    criteria_set = selectors.criteria_sets_for_admin().filter(pk=pk).first()
    if criteria_set is None:
        raise NotFound
    return criteria_set


def _in_force_today(criteria_set: CriteriaSet, today) -> bool:
    return (
        criteria_set.status != CriteriaSetStatus.DRAFT
        and criteria_set.effective_from <= today
        and (criteria_set.effective_to is None or criteria_set.effective_to > today)
    )


def _criteria_rows(criteria_set: CriteriaSet) -> list[dict]:
    return [
        {
            "criterion": criterion,
            "label": check_label(criterion.check_code),
            "params": json.dumps(criterion.params, ensure_ascii=False) if criterion.params else "",
        }
        for criterion in sorted(criteria_set.criteria.all(), key=lambda c: (c.position, c.id))
    ]


@login_required
@require_safe
def criteria_list(request: HttpRequest) -> HttpResponse:
    """Every version of the criteria of each recognition, newest first, with its criteria (two queries)."""
    _require_reader(request.user)
    today = timezone.localdate()
    by_kind: dict[str, list] = {kind: [] for kind in RecognitionKind.values}
    for criteria_set in selectors.criteria_sets_for_admin():
        by_kind.setdefault(criteria_set.kind, []).append(
            {
                "set": criteria_set,
                "in_force": _in_force_today(criteria_set, today),
                "criteria": _criteria_rows(criteria_set),
            }
        )
    sections = [
        {"kind": kind, "label": label, "sets": by_kind.get(kind, [])} for kind, label in RecognitionKind.choices
    ]
    return render(
        request,
        "facilities/recognitions/reference/criteria_list.html",
        {"sections": sections, "editor": _is_editor(request.user), "today": today},
    )


@login_required
@require_http_methods(["GET", "POST"])
def criteria_new(request: HttpRequest) -> HttpResponse:
    """The city admin drafts a new version of a recognition's criteria."""
    _require_reader(request.user)
    if not _is_editor(request.user):
        raise NotFound
    template = "facilities/recognitions/reference/criteria_new.html"
    if request.method == "POST":
        form = DraftForm(request.POST)
        if form.is_valid():
            try:
                draft = services.criteria_set_draft(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(
                    request, _("The draft has been created; add or change its criteria, then activate it.")
                )
                return redirect("recognitions:criteria_detail", pk=draft.pk)
        return invalid_form_status(render(request, template, {"form": form}))
    kind = request.GET.get("kind", "")
    initial = {"effective_from": timezone.localdate()}
    if kind in RecognitionKind.values:
        initial["kind"] = kind
    return render(request, template, {"form": DraftForm(initial=initial)})


def _criteria_detail_page(
    request: HttpRequest,
    criteria_set: CriteriaSet,
    *,
    form: CriterionForm | None = None,
    error: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    editor = _is_editor(request.user)
    editable = editor and criteria_set.status == CriteriaSetStatus.DRAFT
    if form is None and editable:
        initial = {}
        editing = request.GET.get("edit", "")
        for criterion in criteria_set.criteria.all():
            if criterion.check_code == editing:
                initial = {
                    "check_code": criterion.check_code,
                    "params": json.dumps(criterion.params, ensure_ascii=False) if criterion.params else "",
                    "clause": criterion.clause,
                    "source": criterion.source,
                    "is_default": criterion.is_default,
                    "position": criterion.position,
                }
        form = CriterionForm(initial=initial)
    today = timezone.localdate()
    context = {
        "criteria_set": criteria_set,
        "criteria": _criteria_rows(criteria_set),
        "in_force": _in_force_today(criteria_set, today),
        "editor": editor,
        "editable": editable,
        "form": form,
        "error": error.as_dict() if error else None,
        "checks": checks_reference(),
        "today": today,
    }
    return render(request, "facilities/recognitions/reference/criteria_detail.html", context, status=status)


@login_required
@require_safe
def criteria_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A version of the criteria; a draft is the city admin's editor, an active set is read-only."""
    _require_reader(request.user)
    return _criteria_detail_page(request, _criteria_set(pk))


def _editor_set(request: HttpRequest, pk: int) -> CriteriaSet | HttpResponse:
    """The set a write targets: 404 outside the staff, 403 for a reader (checked before anything is read)."""
    _require_reader(request.user)
    if not _is_editor(request.user):
        return _forbidden(request)
    return _criteria_set(pk)


@login_required
@require_POST
def criterion_set(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a criterion to a draft, or replace the one with the same check."""
    criteria_set = _editor_set(request, pk)
    if isinstance(criteria_set, HttpResponse):
        return criteria_set
    form = CriterionForm(request.POST)
    if form.is_valid():
        try:
            services.criterion_set(actor=request.user, criteria_set=criteria_set, **form.cleaned_data)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
            # A draft shows the error next to the fields; an active set has no form, so the error goes on top.
            shown = None if criteria_set.status == CriteriaSetStatus.DRAFT else exc
            return _criteria_detail_page(request, criteria_set, form=form, error=shown, status=exc.status_code)
        messages.success(request, _("The criterion has been saved in the draft."))
        return redirect("recognitions:criteria_detail", pk=criteria_set.pk)
    return _criteria_detail_page(request, criteria_set, form=form, status=400)


@login_required
@require_POST
def criterion_remove(request: HttpRequest, pk: int) -> HttpResponse:
    criteria_set = _editor_set(request, pk)
    if isinstance(criteria_set, HttpResponse):
        return criteria_set
    try:
        services.criterion_remove(
            actor=request.user, criteria_set=criteria_set, check_code=request.POST.get("check_code", "")[:50]
        )
    except ApplicationError as exc:
        return _criteria_detail_page(request, criteria_set, error=exc, status=exc.status_code)
    messages.success(request, _("The criterion has been removed from the draft."))
    return redirect("recognitions:criteria_detail", pk=criteria_set.pk)


@login_required
@require_POST
def criteria_activate(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a draft in force from its start date; the version it replaces ends that day."""
    criteria_set = _editor_set(request, pk)
    if isinstance(criteria_set, HttpResponse):
        return criteria_set
    try:
        services.criteria_set_activate(actor=request.user, criteria_set=criteria_set)
    except ApplicationError as exc:
        return _criteria_detail_page(request, criteria_set, error=exc, status=exc.status_code)
    messages.success(
        request,
        _("The criteria are active from %(date)s.") % {"date": criteria_set.effective_from.isoformat()},
    )
    return redirect("recognitions:criteria_detail", pk=criteria_set.pk)


# --- fee references ---


@login_required
@require_http_methods(["GET", "POST"])
def fee_references(request: HttpRequest) -> HttpResponse:
    """The full-day fee reference per unit and year, and the city admin's form to set one."""
    _require_reader(request.user)
    editor = _is_editor(request.user)
    if request.method == "POST" and not editor:
        return _forbidden(request)
    districts = list(District.objects.order_by("code").only("code", "name"))
    form = None
    if request.method == "POST":
        form = FeeReferenceForm(request.POST, districts=districts)
        if form.is_valid():
            data = form.cleaned_data
            try:
                reference = services.fee_reference_set(
                    actor=request.user,
                    district_code=data["district"],
                    year=data["year"],
                    fee=data["fee"],
                    source=data["source"],
                )
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The fee reference of %(unit)s for %(year)s is now ¥%(fee)s a month.")
                    % {
                        "unit": reference.district.name,
                        "year": reference.year,
                        "fee": reference.full_day_monthly_fee,
                    },
                )
                return redirect("recognitions:fee_references")
    elif editor:
        initial = {"year": timezone.localdate().year}
        if request.GET.get("district") in {d.code for d in districts}:
            initial["district"] = request.GET["district"]
        if (request.GET.get("year") or "").isdigit() and len(request.GET["year"]) == 4:
            initial["year"] = int(request.GET["year"])
        form = FeeReferenceForm(initial=initial, districts=districts)

    # Reference data, the same for every reader (not scoped): one query for the whole grid.
    references = list(FeeReference.objects.order_by("year", "district_id"))
    years = sorted({reference.year for reference in references})
    sources = list(dict.fromkeys(reference.source for reference in references))
    footnote = {source: index for index, source in enumerate(sources, start=1)}
    grid = {(reference.district_id, reference.year): reference for reference in references}

    def cell(district: District, year: int) -> dict:
        reference = grid.get((district.code, year))
        return {"year": year, "reference": reference, "note": footnote[reference.source] if reference else None}

    rows = [{"district": district, "cells": [cell(district, year) for year in years]} for district in districts]
    response = render(
        request,
        "facilities/recognitions/reference/fee_references.html",
        {"rows": rows, "years": years, "sources": sources, "editor": editor, "form": form},
    )
    return invalid_form_status(response) if request.method == "POST" else response
