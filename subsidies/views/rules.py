"""Subsidy rule sets, for the city admin: the versions, one version's terms in words and as JSON, drafting and
editing drafts (rules in force are never edited), activating, and the what-if simulator against the rules in
force. Everyone else finds no such pages (404)."""

from __future__ import annotations

import json
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from facilities.models import ClassType, RecognitionKind
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import ApplicationError, NotFound
from suzhou_childcare.regions.models import District
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from ..forms import RuleSetForm, SimulateForm, format_period, last_month
from ..models import RuleSet, RuleSetStatus
from ..rules import TermsError, parse_terms
from ..services import rule_sets as services
from .common import AWARD_LABELS, PAGE_SIZE, query_without_page, require_role, role_label


def rule_sets_for(user):
    """Rule sets are the city admin's reference data: nobody else reaches these pages."""
    require_role(user, (Role.CITY_ADMIN,))
    return RuleSet.objects.select_related("district", "created_by", "activated_by")


def rule_set_get(user, pk) -> RuleSet:
    rule_set = rule_sets_for(user).filter(pk=pk).first()
    if rule_set is None:
        raise NotFound
    return rule_set


def _percent(share) -> str:
    """0.20 → "20 %"."""
    return f"{(share * 100).normalize():f} %"


def readable_terms(raw) -> dict:
    """The terms as labelled rows for the page; an unreadable set shows its problems instead."""
    try:
        terms = parse_terms(raw)
    except TermsError as exc:
        return {"problems": exc.problems}
    recognitions = dict(RecognitionKind.choices)
    classes = dict(ClassType.choices)
    categories = {"social": _("Socially-run"), "kindergarten_class": _("Kindergarten class")}
    yes, no = _("yes"), _("no")
    return {
        "eligibility": [
            (_("Must be filed"), yes if terms.require_filed else no),
            (_("Categories"), ", ".join(str(categories.get(c, c)) for c in terms.categories) or "—"),
            (_("Full-day fee within the reference fee"), yes if terms.fee_within_reference else no),
            (
                _("Recognition required (any of)"),
                ", ".join(str(recognitions.get(r, r)) for r in terms.recognitions_any) or "—",
            ),
            (
                _("Minimum occupancy (%)"),
                terms.min_occupancy_percent if terms.min_occupancy_percent is not None else "—",
            ),
        ],
        "basis": _("Enrolled infants (monthly report)") if terms.basis == "enrolled" else _("Recognised slots"),
        "base_rates": [
            (recognitions.get(r, _("Any eligible facility")) if r else _("Any eligible facility"), a)
            for r, a in terms.base_rates
        ],
        "class_supplements": [(classes.get(c, c), a) for c, a in terms.class_supplements],
        "recognition_supplements": [(recognitions.get(r, r), a) for r, a in terms.recognition_supplements],
        "deductions": [
            (_("Share deducted for a month with an open serious violation"), _percent(terms.serious_violation_share)),
            (_("Share deducted per decided penalty"), _percent(terms.per_penalty_share)),
        ],
        "caps": [
            (_("Per facility and month (yuan)"), terms.cap_per_facility_month or "—"),
            (_("Per slot and month (yuan)"), terms.cap_per_slot_month or "—"),
        ],
        "deadline": terms.report_deadline_working_days,
        "awards": [
            {
                "label": AWARD_LABELS.get(a.code, a.code),
                "amount": a.amount,
                "per_slot": a.per_slot,
                "conditions": "; ".join(
                    part
                    for part in (
                        _("at least %(n)d infants enrolled") % {"n": a.min_enrolled} if a.min_enrolled else "",
                        _("at least %(n)d sites") % {"n": a.min_sites} if a.min_sites else "",
                        ", ".join(str(recognitions.get(r, r)) for r in a.recognitions_any),
                    )
                    if part
                ),
            }
            for a in terms.awards
        ],
    }


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    rows = rule_sets_for(request.user).order_by(F("district_id").asc(nulls_first=True), "-effective_from", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for rule_set in page.object_list:
        rule_set.chain_labels = [role_label(r) for r in rule_set.approval_chain]
    return render(request, "subsidies/rule_list.html", {"page": page, "query": query_without_page(request)})


def _detail(request: HttpRequest, rule_set: RuleSet, *, error: dict | None = None, status: int = 200):
    return render(
        request,
        "subsidies/rule_detail.html",
        {
            "rule_set": rule_set,
            "terms": readable_terms(rule_set.terms),
            "raw": json.dumps(rule_set.terms, ensure_ascii=False, indent=2),
            "chain": [role_label(r) for r in rule_set.approval_chain],
            "error": error,
            "is_draft": rule_set.status == RuleSetStatus.DRAFT,
            "simulate_period": format_period(last_month()),
        },
        status=status,
    )


@login_required
@require_GET
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, rule_set_get(request.user, pk))


def _next_month(today: date) -> date:
    return date(today.year + (today.month == 12), today.month % 12 + 1, 1)


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    """A draft, its terms copied from an existing set (`?copy=<pk>`, else the city-wide rules in force)."""
    rule_sets = rule_sets_for(request.user)
    copy = request.GET.get("copy", "")
    if copy:
        template = rule_set_get(request.user, copy) if copy.isdigit() else None
        if template is None:
            raise NotFound
    else:
        template = (
            rule_sets.filter(district__isnull=True, status=RuleSetStatus.ACTIVE).order_by("-effective_from").first()
        )
    initial = {
        "effective_from": _next_month(timezone.localdate()),
        "payment_period": template.payment_period if template else "monthly",
        "approval_chain": ", ".join(template.approval_chain) if template else "district_officer, city_admin",
        "terms": json.dumps(template.terms, ensure_ascii=False, indent=2) if template else "{}",
        "district": template.district_id or "" if template else "",
        "source": template.source if template else "",
    }
    form = RuleSetForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rule_set = services.rule_set_draft(
                actor=request.user,
                district_code=data["district"] or None,
                edition=data["edition"],
                effective_from=data["effective_from"],
                terms=data["terms"],
                payment_period=data["payment_period"],
                approval_chain=data["approval_chain"],
                source=data["source"],
                note=data["note"],
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The draft was saved. It pays nothing until it is activated."))
            return redirect("subsidies:rule_detail", pk=rule_set.pk)
    response = render(request, "subsidies/rule_form.html", {"form": form, "template": template, "rule_set": None})
    return invalid_form_status(response) if form.is_bound and form.errors else response


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule_set = rule_set_get(request.user, pk)
    if rule_set.status != RuleSetStatus.DRAFT:
        messages.error(
            request, _("Rules in force are never edited, so every paid amount can be explained: draft a new version.")
        )
        return redirect("subsidies:rule_detail", pk=rule_set.pk)
    initial = {
        "edition": rule_set.edition,
        "effective_from": rule_set.effective_from,
        "payment_period": rule_set.payment_period,
        "approval_chain": ", ".join(rule_set.approval_chain),
        "source": rule_set.source,
        "note": rule_set.note,
        "terms": json.dumps(rule_set.terms, ensure_ascii=False, indent=2),
    }
    form = RuleSetForm(request.POST if request.method == "POST" else None, initial=initial, with_district=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rule_set_update(
                actor=request.user,
                rule_set=rule_set,
                edition=data["edition"],
                effective_from=data["effective_from"],
                terms=data["terms"],
                payment_period=data["payment_period"],
                approval_chain=data["approval_chain"],
                source=data["source"],
                note=data["note"],
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The draft was saved."))
            return redirect("subsidies:rule_detail", pk=rule_set.pk)
    response = render(request, "subsidies/rule_form.html", {"form": form, "template": None, "rule_set": rule_set})
    return invalid_form_status(response) if form.is_bound and form.errors else response


@login_required
@require_POST
def rule_activate(request: HttpRequest, pk: int) -> HttpResponse:
    rule_set = rule_set_get(request.user, pk)
    try:
        services.rule_set_activate(actor=request.user, rule_set=rule_set)
    except ApplicationError as exc:
        rule_set.refresh_from_db()
        return _detail(request, rule_set, error=exc.as_dict(), status=exc.status_code)
    messages.success(
        request, _("The rules are in force from %(month)s.") % {"month": format_period(rule_set.effective_from)}
    )
    return redirect("subsidies:rule_detail", pk=rule_set.pk)


@login_required
@require_GET
def rule_simulate(request: HttpRequest, pk: int) -> HttpResponse:
    """The set applied to a month's data beside the rules in force: per unit, then per facility (paginated)."""
    rule_set = rule_set_get(request.user, pk)
    form = SimulateForm(request.GET if "period" in request.GET else None, initial={"period": last_month()})
    context = {"rule_set": rule_set, "form": form, "result": None}
    if not form.is_bound:
        return render(request, "subsidies/rule_simulate.html", context)
    if not form.is_valid():
        return invalid_form_status(render(request, "subsidies/rule_simulate.html", context))
    try:
        result = services.simulate(actor=request.user, draft=rule_set, period=form.cleaned_data["period"])
    except ApplicationError as exc:
        form_add_application_error(form, exc)
        return invalid_form_status(render(request, "subsidies/rule_simulate.html", context))
    names = dict(District.objects.values_list("code", "name"))
    units = [
        {**unit, "name": names.get(unit["district"], unit["district"]), "difference": unit["draft"] - unit["active"]}
        for unit in result["units"]
    ]
    facilities = [
        {
            **row,
            "district_name": names.get(row["district"], row["district"]),
            "difference": row["draft"] - row["active"],
        }
        for row in result["facilities"]
    ]
    context.update(
        {
            "result": result,
            "units": units,
            "difference": result["draft_total"] - result["active_total"],
            "page": Paginator(facilities, PAGE_SIZE).get_page(request.GET.get("page")),
            "query": query_without_page(request),
        }
    )
    return render(request, "subsidies/rule_simulate.html", context)
