"""Pages of the recognition workflow (普惠 / 示范认定) for staff and operators.

Applying (operator of the facility, the unit's officer nominating, the city) with the criteria check shown
live; the unit and city queues by deadline; an application's page with the forms its reader may use; the
recognitions with their Excel export, their page (suspend, reinstate, revoke for the city) and the printable
certificate whose QR code opens the live public record. Every object comes through a scoped selector; the
services decide and their refusals are shown on the page, never as a 500.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from io import BytesIO
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import ApplicationError, NotFound, ValidationFailed
from suzhou_childcare.permissions import sees_whole_city
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from .. import selectors, services
from .. import selectors_recognition as rec_selectors
from ..forms_recognition import (
    ApplicationFilterForm,
    DecideForm,
    RecognitionApplyForm,
    RecognitionFilterForm,
    RecognitionReasonForm,
    ReviewForm,
    WithdrawForm,
    initial_from_query,
)
from ..models import (
    INCLUSIVE_KINDS,
    OPEN_APPLICATION_STATUSES,
    OPEN_RECOGNITION_STATUSES,
    ApplicationStatus,
    Recognition,
    RecognitionApplication,
    RecognitionKind,
    RecognitionStatus,
)
from .officer import _cell
from .receipt import qr_svg

PAGE_SIZE = 50
READERS = (Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR, Role.OPERATOR)
# The live check's endpoint (facilities.api_recognition); the page works without it.
CHECK_API_NAME = "api:recognition-application-check"
CHECK_API_PATH = "/api/v1/recognition-applications/check/"
PROVINCIAL_KINDS = (RecognitionKind.PROVINCIAL_INCLUSIVE, RecognitionKind.PROVINCIAL_MODEL)


def _require_reader(user) -> None:
    if user.role not in READERS:
        raise NotFound


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _last_day(recognition: Recognition) -> date:
    """`valid_to` is exclusive; people read the last day the recognition is valid."""
    return recognition.valid_to - timedelta(days=1)


def _error_text(exc: ApplicationError) -> str:
    parts = [str(exc.message)]
    if exc.clause:
        parts.append(f"（{exc.clause}）")
    return "".join(parts)


def _add_error(form, exc: ApplicationError) -> None:
    """The service's error on the form; a broken rule also says which criterion failed and under which clause."""
    form_add_application_error(form, exc)
    if any(name not in form.fields for name in exc.fields):
        # The per-criterion messages are the evidence only: put the sentence naming the criterion first.
        form.add_error(None, _error_text(exc))


def _refused(response: HttpResponse, exc: ApplicationError | None) -> HttpResponse:
    """A refused form answers 4xx: the service's own status (422 for a broken rule), else 400."""
    response = invalid_form_status(response)
    if exc is not None and 400 <= exc.status_code < 500:
        response.status_code = exc.status_code
    return response


# --- applying, with the criteria check live -------------------------------------------------------------


def _check_context(facility, values: dict) -> dict:
    criteria_set, _facts, results = rec_selectors.recognition_check(facility, on=timezone.localdate(), **values)
    return {
        "criteria_set": criteria_set,
        "results": results,
        "check_passed": criteria_set is not None and all(result.passed for result in results),
    }


def _check_url() -> str:
    try:
        return reverse(CHECK_API_NAME)
    except NoReverseMatch:
        return CHECK_API_PATH


def _renewable(facility):
    return facility.recognitions.filter(status=RecognitionStatus.ACTIVE).order_by("kind", "-valid_from")


@login_required
def application_new(request: HttpRequest, facility_pk: int) -> HttpResponse:
    """Operator of the facility (applies), the unit's officer (nominates), the city admin (nominates)."""
    facility = selectors.facility_get_for(user=request.user, pk=facility_pk)
    if not rec_selectors.applicant_may_apply(request.user):
        raise NotFound
    renewable = _renewable(facility)
    refusal = None
    if request.method == "POST":
        form = RecognitionApplyForm(request.POST, renewable=renewable)
        if request.POST.get("op") != "check" and form.is_valid():
            data = form.cleaned_data
            try:
                application = services.recognition_apply(
                    actor=request.user,
                    facility=facility,
                    kind=data["kind"],
                    agreement_signed_on=data["agreement_signed_on"],
                    agreement_reference=data["agreement_reference"],
                    guidance_accepted=data["guidance_accepted"],
                    statement=data["statement"],
                    renews=data["renews"],
                )
            except NotFound:
                raise
            except ApplicationError as exc:
                refusal = exc
                _add_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The application has been submitted. The unit reviews it by %(date)s.")
                    % {"date": application.unit_deadline.isoformat()},
                )
                return redirect("recognitions:application", pk=application.pk)
    else:
        form = RecognitionApplyForm(initial=initial_from_query(request.GET, renewable=renewable), renewable=renewable)
    values = form.check_values()
    context = {
        "facility": facility,
        "form": form,
        "check_values": values,
        "check_url": _check_url(),
        # A renewal is of its recognition's kind: the script follows the choice.
        "renews_kinds": json.dumps({str(r.pk): r.kind for r in renewable}),
        "open_applications": rec_selectors.facility_open_applications(facility),
        **_check_context(facility, values),
    }
    response = render(request, "facilities/recognitions/application_form.html", context)
    checking = request.method == "POST" and request.POST.get("op") == "check"
    if request.method == "POST" and not checking:
        return _refused(response, refusal)
    return response


# --- applications: the queues and an application's page -------------------------------------------------

STAGES = [
    ("unit", gettext_lazy("Awaiting unit review")),
    ("city", gettext_lazy("Awaiting city decision")),
    ("all", gettext_lazy("All applications")),
]


def _default_stage(user) -> str:
    return {Role.DISTRICT_OFFICER: "unit", Role.CITY_ADMIN: "city"}.get(user.role, "all")


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request.user)
    stage = request.GET.get("stage") or _default_stage(request.user)
    if stage not in dict(STAGES):
        stage = "all"
    form = ApplicationFilterForm(request.GET)
    if not sees_whole_city(request.user):
        del form.fields["district"]
    if stage != "all":
        del form.fields["status"]
    filters = form.filters()
    if stage != "all":
        filters["stage"] = stage
    page = Paginator(rec_selectors.application_list_for(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    for application in page.object_list:
        application.deadline = (
            application.unit_deadline
            if application.status == ApplicationStatus.SUBMITTED
            else application.city_deadline
            if application.status == ApplicationStatus.FORWARDED
            else None
        )
        application.overdue = application.deadline is not None and application.deadline < today
    return render(
        request,
        "facilities/recognitions/application_list.html",
        {
            "page": page,
            "form": form,
            "stage": stage,
            "stages": STAGES,
            "query": _query_without_page(request),
            "today": today,
        },
    )


def _application_forms(user, application: RecognitionApplication) -> dict:
    """Which forms this reader may use on this application, and why the decision is not theirs."""
    status = application.status
    is_open = status in OPEN_APPLICATION_STATUSES
    may_review = status == ApplicationStatus.SUBMITTED and user.role in (Role.DISTRICT_OFFICER, Role.CITY_ADMIN)
    decide_note = ""
    may_decide = False
    if status == ApplicationStatus.FORWARDED:
        # Maker-checker: whoever submitted or reviewed never sees a decide form, and is told why.
        if user.pk == application.unit_reviewer_id:
            decide_note = _("You reviewed this application; another person decides.")
        elif user.pk == application.submitted_by_id and user.role != Role.OPERATOR:
            decide_note = _("You submitted this application; another person decides.")
        else:
            may_decide = user.role == Role.CITY_ADMIN
    may_withdraw = is_open and (user.role in (Role.OPERATOR, Role.CITY_ADMIN) or user.pk == application.submitted_by_id)
    return {
        "review_form": ReviewForm() if may_review else None,
        "decide_form": DecideForm() if may_decide else None,
        "withdraw_form": WithdrawForm() if may_withdraw else None,
        "decide_note": decide_note,
    }


def _application_page(request, application, *, forms: dict | None = None, error=None, status=None) -> HttpResponse:
    declared = {
        "agreement_signed_on": application.agreement_signed_on,
        "agreement_reference": application.agreement_reference,
        "guidance_accepted": application.guidance_accepted,
    }
    criteria_set, _facts, results_today = rec_selectors.recognition_check(
        application.facility, kind=application.kind, on=timezone.localdate(), **declared
    )
    context = {
        "application": application,
        "results_today": results_today,
        "criteria_set_today": criteria_set,
        "results_stored": rec_selectors.stored_check(application.criteria_set, application.facts),
        "recognition": Recognition.objects.filter(application=application).first()
        if application.status == ApplicationStatus.GRANTED
        else None,
        "error": error,
        **_application_forms(request.user, application),
        **(forms or {}),
    }
    response = render(request, "facilities/recognitions/application_detail.html", context)
    if status:
        response.status_code = status
    return response


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request.user)
    application = rec_selectors.application_get_for(user=request.user, pk=pk)
    return _application_page(request, application)


def _form_error(form) -> ValidationFailed:
    return ValidationFailed(fields={name: [str(e) for e in errors] for name, errors in form.errors.items()})


def _refused_action(request, application, key: str, form, exc: ApplicationError, *, status: int) -> HttpResponse:
    """The page again with the refused form, when the reader may use it; else the error above the page (a
    reviewer forcing a decision sees why, never a decide form)."""
    if _application_forms(request.user, application).get(key) is not None:
        return _application_page(request, application, forms={key: form}, status=status)
    return _application_page(request, application, error=exc, status=status)


APPLICATION_ACTIONS = {"review": ReviewForm, "decide": DecideForm, "withdraw": WithdrawForm}


@login_required
@require_POST
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _require_reader(request.user)
    if action not in APPLICATION_ACTIONS:
        raise NotFound
    application = rec_selectors.application_get_for(user=request.user, pk=pk)
    key = f"{action}_form"
    form = APPLICATION_ACTIONS[action](request.POST)
    if not form.is_valid():
        return _refused_action(request, application, key, form, _form_error(form), status=400)
    data = form.cleaned_data
    try:
        if action == "review":
            done = services.recognition_unit_review(
                actor=request.user, application=application, approve=data["approve"], opinion=data["opinion"]
            )
            text = (
                _("The application has been forwarded to the city for decision.")
                if done.status == ApplicationStatus.FORWARDED
                else _("The application has been rejected.")
            )
        elif action == "decide":
            done = services.recognition_decide(
                actor=request.user,
                application=application,
                grant=data["grant"],
                opinion=data["opinion"],
                decision_reference=data["decision_reference"],
            )
            text = (
                _("The recognition has been granted.")
                if done.status == ApplicationStatus.GRANTED
                else _("The application has been rejected.")
            )
        else:
            services.recognition_withdraw(actor=request.user, application=application, reason=data["reason"])
            text = _("The application has been withdrawn.")
    except NotFound:
        raise
    except ApplicationError as exc:
        # Re-read: the page shows the application as it is now; the refused form keeps what was typed.
        application = rec_selectors.application_get_for(user=request.user, pk=pk)
        _add_error(form, exc)
        return _refused_action(request, application, key, form, exc, status=exc.status_code)
    messages.success(request, text)
    return redirect("recognitions:application", pk=pk)


# --- recognitions: list, export, page, actions, certificate ---------------------------------------------


def _recognition_filters(request: HttpRequest) -> tuple[RecognitionFilterForm, dict]:
    form = RecognitionFilterForm(request.GET)
    if not sees_whole_city(request.user):
        del form.fields["district"]
    return form, form.filters()


@login_required
def recognition_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request.user)
    form, filters = _recognition_filters(request)
    page = Paginator(rec_selectors.recognition_list_for(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for recognition in page.object_list:
        recognition.last_day = _last_day(recognition)
    return render(
        request,
        "facilities/recognitions/list.html",
        {"page": page, "form": form, "query": _query_without_page(request)},
    )


EXPORT_COLUMNS = [
    (gettext_lazy("Certificate number"), lambda r: r.number),
    (gettext_lazy("Facility"), lambda r: r.facility.name),
    (gettext_lazy("County-level unit"), lambda r: r.facility.district.name),
    (gettext_lazy("Recognition"), lambda r: r.get_kind_display()),
    (gettext_lazy("Status"), lambda r: r.get_status_display()),
    (gettext_lazy("Valid from"), lambda r: r.valid_from),
    (gettext_lazy("Last day of validity"), _last_day),
    (gettext_lazy("Granted on"), lambda r: r.granted_on),
    (gettext_lazy("Decision document"), lambda r: r.decision_reference),
    (gettext_lazy("Criteria"), lambda r: r.criteria_set.edition),
    (gettext_lazy("Revoked on"), lambda r: r.revoked_on),
    (gettext_lazy("Reason for revocation"), lambda r: r.revocation_reason),
]


@login_required
def recognition_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as an Excel workbook (facilities and certificates only: no personal data)."""
    _require_reader(request.user)
    _form, filters = _recognition_filters(request)
    rows = rec_selectors.recognition_list_for(user=request.user, filters=filters)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Recognitions"))
    sheet.append([str(title) for title, _value in EXPORT_COLUMNS])
    for recognition in rows.iterator(chunk_size=500):
        sheet.append([_cell(value(recognition)) for _title, value in EXPORT_COLUMNS])
    buffer = BytesIO()
    workbook.save(buffer)
    name = _("recognitions-%(date)s.xlsx") % {"date": timezone.localdate().isoformat()}
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename=\"recognitions.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


def _recognition_forms(user, recognition: Recognition) -> dict:
    """The city admin suspends an active recognition, lifts a suspension, revokes either."""
    city = user.role == Role.CITY_ADMIN
    status = recognition.status
    return {
        "suspend_form": RecognitionReasonForm(prefix="suspend")
        if city and status == RecognitionStatus.ACTIVE
        else None,
        "reinstate_form": RecognitionReasonForm(prefix="reinstate")
        if city and status == RecognitionStatus.SUSPENDED
        else None,
        "revoke_form": RecognitionReasonForm(prefix="revoke") if city and status in OPEN_RECOGNITION_STATUSES else None,
    }


def _recognition_page(request, recognition, *, forms: dict | None = None, error=None, status=None) -> HttpResponse:
    user = request.user
    renewal_open = recognition.renewal_applications.filter(status__in=OPEN_APPLICATION_STATUSES).first()
    context = {
        "recognition": recognition,
        "last_day": _last_day(recognition),
        "suspensions": recognition.suspensions.select_related("suspended_by", "lifted_by").order_by(
            "suspended_on", "id"
        ),
        "results": rec_selectors.stored_check(recognition.criteria_set, recognition.facts),
        "renewed_by": Recognition.objects.filter(renewed_from=recognition).only("pk", "number").first(),
        "renewal_open": renewal_open,
        "may_renew": recognition.status == RecognitionStatus.ACTIVE
        and renewal_open is None
        and rec_selectors.applicant_may_apply(user),
        "error": error,
        **_recognition_forms(user, recognition),
        **(forms or {}),
    }
    response = render(request, "facilities/recognitions/detail.html", context)
    if status:
        response.status_code = status
    return response


@login_required
def recognition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request.user)
    recognition = rec_selectors.recognition_get_for(user=request.user, pk=pk)
    return _recognition_page(request, recognition)


RECOGNITION_ACTIONS = {
    "suspend": (services.recognition_suspend, gettext_lazy("The recognition has been suspended.")),
    "reinstate": (services.recognition_reinstate, gettext_lazy("The suspension has been lifted.")),
    "revoke": (services.recognition_revoke, gettext_lazy("The recognition has been revoked.")),
}


@login_required
@require_POST
def recognition_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The city's suspension, reinstatement and revocation, each with a reason."""
    _require_reader(request.user)
    if action not in RECOGNITION_ACTIONS:
        raise NotFound
    recognition = rec_selectors.recognition_get_for(user=request.user, pk=pk)
    key = f"{action}_form"
    form = RecognitionReasonForm(request.POST, prefix=action)
    service, text = RECOGNITION_ACTIONS[action]
    if form.is_valid():
        try:
            service(actor=request.user, recognition=recognition, reason=form.cleaned_data["reason"])
        except NotFound:
            raise
        except ApplicationError as exc:
            _add_error(form, exc)
            error, status = exc, exc.status_code
        else:
            messages.success(request, str(text))
            return redirect("recognitions:detail", pk=pk)
    else:
        error, status = _form_error(form), 400
    # Re-read: the page shows the recognition as it is now; the refused form (if offered) keeps its input.
    recognition = rec_selectors.recognition_get_for(user=request.user, pk=pk)
    if _recognition_forms(request.user, recognition).get(key) is not None:
        return _recognition_page(request, recognition, forms={key: form}, status=status)
    return _recognition_page(request, recognition, error=error, status=status)


BANNER_STATUSES = (RecognitionStatus.SUSPENDED, RecognitionStatus.REVOKED, RecognitionStatus.EXPIRED)


@login_required
def recognition_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable certificate (A4 landscape) whose QR code opens the live public record."""
    _require_reader(request.user)
    recognition = rec_selectors.recognition_get_for(user=request.user, pk=pk)
    record_url = request.build_absolute_uri(reverse("recognitions_public:record", args=[recognition.number]))
    provincial = recognition.kind in PROVINCIAL_KINDS
    context = {
        "recognition": recognition,
        "last_day": _last_day(recognition),
        "inclusive": recognition.kind in INCLUSIVE_KINDS,
        "authority": _("Jiangsu Provincial Health Commission")
        if provincial
        else _("Suzhou Municipal Health Commission"),
        "banner": recognition.status in BANNER_STATUSES,
        "record_url": record_url,
        "qr_svg": qr_svg(record_url),
    }
    return render(request, "facilities/recognitions/certificate.html", context)
