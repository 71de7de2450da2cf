"""Payment batches for units and the city: the list, preparing one, a batch with its statements, its second-review
sample and its approvals (the decision form only for a person who may take the next step), paying it, and the
approved batch as Excel. Calculating a month is a job, queued through the outbox."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import ApplicationError, Conflict
from suzhou_childcare.outbox.services import enqueue, job_create
from suzhou_childcare.regions.models import District
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from .. import selectors
from ..forms import BatchDecideForm, BatchFilterForm, BatchPrepareForm, CalculateForm, format_period, last_month
from ..models import BatchStatus, PaymentBatch
from ..services import batches as services
from ..tasks import calculate_period_task
from .common import PAGE_SIZE, STAFF, decision_state, query_without_page, require_role, role_label, statements_workbook

CALCULATION_JOB_KIND = "subsidies.calculate"


@login_required
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, STAFF)
    form = BatchFilterForm(request.GET or None, with_district=request.user.role == Role.CITY_ADMIN)
    if form.is_bound and not form.is_valid():
        return invalid_form_status(render(request, "subsidies/batch_list.html", {"form": form, "page": None}))
    filters = form.filters() if form.is_bound else {}
    page = Paginator(selectors.batch_list_for(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "subsidies/batch_list.html", {"form": form, "page": page, "query": query_without_page(request)}
    )


def _payment_periods(user) -> list[dict]:
    """Each unit the user prepares for, with the payment period of the rules in force (ten units at most)."""
    districts = District.objects.order_by("code")
    if user.role != Role.CITY_ADMIN:
        districts = districts.filter(code=user.district_id)
    on = last_month()
    rows = []
    for district in districts:
        rule_set = selectors.rule_set_for(district_code=district.code, on=on)
        rows.append(
            {
                "district": district,
                "rule_set": rule_set,
                "payment_period": rule_set.get_payment_period_display() if rule_set else "—",
                "chain": [role_label(r) for r in rule_set.approval_chain] if rule_set else [],
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def batch_new(request: HttpRequest) -> HttpResponse:
    require_role(request.user, STAFF)
    form = BatchPrepareForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial={"period_start": last_month(), "period_end": last_month()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_prepare(
                actor=request.user,
                district_code=form.district_code(),
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(
                request,
                _("The batch was prepared: %(count)d statements, ¥%(total)s.")
                % {"count": batch.statement_count, "total": batch.total},
            )
            return redirect("subsidies:batch_detail", pk=batch.pk)
    response = render(request, "subsidies/batch_new.html", {"form": form, "units": _payment_periods(request.user)})
    return invalid_form_status(response) if form.is_bound and form.errors else response


def _detail(request: HttpRequest, batch: PaymentBatch, *, form=None, status: int = 200) -> HttpResponse:
    approvals = list(batch.approvals.all())
    state = decision_state(request.user, batch, approvals)
    if form is None and state["may_decide"]:
        form = BatchDecideForm()
    statements = selectors.statement_list_for(user=request.user, filters={"batch": batch.pk})
    page = Paginator(statements, PAGE_SIZE).get_page(request.GET.get("page"))
    sample_ids = set(batch.sample or [])
    sample = list(selectors.statement_list_for(user=request.user).filter(pk__in=sample_ids))
    return render(
        request,
        "subsidies/batch_detail.html",
        {
            "batch": batch,
            "approvals": approvals,
            "state": state,
            "form": form if state["may_decide"] else None,
            "page": page,
            "sample": sample,
            "sample_ids": sample_ids,
            "can_pay": batch.status == BatchStatus.APPROVED,
            "can_export": batch.status in (BatchStatus.APPROVED, BatchStatus.PAID),
            "chain": [role_label(r) for r in batch.approval_chain],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, STAFF)
    batch = selectors.batch_get_for(user=request.user, pk=pk)
    if request.method == "GET":
        return _detail(request, batch)
    form = BatchDecideForm(request.POST)
    if form.is_valid():
        try:
            services.batch_decide(
                actor=request.user,
                batch=batch,
                approve=form.cleaned_data["approve"],
                opinion=form.cleaned_data["opinion"],
            )
        except ApplicationError as exc:
            if not exc.fields:  # maker–checker, wrong step, already decided: the page says why
                raise
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("subsidies:batch_detail", pk=batch.pk)
    return _detail(request, batch, form=form, status=400)


@login_required
@require_POST
def batch_paid(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, STAFF)
    batch = selectors.batch_get_for(user=request.user, pk=pk)
    services.batch_mark_paid(actor=request.user, batch=batch)
    messages.success(request, _("The batch is marked as paid and locked."))
    return redirect("subsidies:batch_detail", pk=batch.pk)


@login_required
@require_GET
def batch_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The approved (or paid) batch for the finance office: one row per statement, formula-safe."""
    require_role(request.user, STAFF)
    batch = selectors.batch_get_for(user=request.user, pk=pk)
    if batch.status not in (BatchStatus.APPROVED, BatchStatus.PAID):
        raise Conflict(_("Only an approved or paid batch is exported for payment."), code="invalid_transition")
    rows = selectors.statement_list_for(user=request.user, filters={"batch": batch.pk}).prefetch_related("lines")
    name = _("subsidy-batch-%(unit)s-%(start)s-%(end)s.xlsx") % {
        "unit": batch.district_id,
        "start": format_period(batch.period_start),
        "end": format_period(batch.period_end),
    }
    return statements_workbook(rows, title=_("Batch %(pk)d") % {"pk": batch.pk}, filename=name)


@login_required
@require_http_methods(["GET", "POST"])
def calculate(request: HttpRequest) -> HttpResponse:
    """Calculate a month now (the nightly run does last month anyway): a job the next page follows."""
    require_role(request.user, STAFF)
    form = CalculateForm(
        request.POST if request.method == "POST" else None, user=request.user, initial={"period": last_month()}
    )
    if request.method == "POST" and form.is_valid():
        period, district_code = form.cleaned_data["period"], form.district_code()
        unit = District.objects.filter(code=district_code).first() if district_code else None
        title = _("Subsidy calculation %(period)s · %(unit)s") % {
            "period": format_period(period),
            "unit": unit.name if unit else _("all units"),
        }
        with transaction.atomic():
            job = job_create(kind=CALCULATION_JOB_KIND, title=title[:200], owner=request.user)
            enqueue(
                calculate_period_task,
                period=period.isoformat(),
                district_code=district_code,
                job_id=str(job.id),
            )
        return redirect("jobs:detail", job_id=job.id)
    response = render(request, "subsidies/calculate.html", {"form": form, "today": timezone.localdate()})
    return invalid_form_status(response) if form.is_bound and form.errors else response
