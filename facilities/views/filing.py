"""The facility page every role sees (scoped), its actions, and the operator's step-by-step filing form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.crypto import mask_identifier
from suzhou_childcare.errors import ApplicationError, NotFound
from suzhou_childcare.web import form_add_application_error, invalid_form_status
from suzhou_childcare.workdays.selectors import incomplete_years_among

from .. import forms, selectors, selectors_recognition, services
from ..models import FacilityClass, FilingStatus
from ..services import lifecycle
from .public_recognition import last_day

STEPS = [
    ("basic", gettext_lazy("Basic information")),
    ("premises", gettext_lazy("Premises and safety")),
    ("capacity", gettext_lazy("Classes and fees")),
    ("staff", gettext_lazy("Staff")),
    ("materials", gettext_lazy("Materials")),
    ("submit", gettext_lazy("Commitment and submission")),
]
STEP_NAMES = [name for name, _label in STEPS]
# Which findings each step shows next to its fields (by the finding's field prefix).
STEP_FIELDS = {
    "basic": ("name", "registration_route", "uscc", "category", "form", "district", "street", "address", "opened_on"),
    "premises": (
        "premises_tenure",
        "lease",
        "lowest_floor",
        "highest_floor",
        "floor",
        "observation_room_area",
        "surveillance",
        "one_click_alarm",
        "licensed_guard",
        "insurance",
        "policy",
    ),
    "capacity": ("slots", "enrolled", "classes", "full_day_fee", "offerings"),
    "staff": ("staff", "director", "health"),
    "materials": ("materials",),
}


def _findings_for_step(findings, step: str):
    prefixes = STEP_FIELDS.get(step)
    if prefixes is None:
        return list(findings)
    return [f for f in findings if (f.field or "").split(".")[0].startswith(prefixes)]


def _actions_for(facility, user) -> list[str]:
    actions = []
    for action, states in lifecycle.TRANSITIONS.items():
        if facility.filing_status in states and lifecycle.allowed(action, facility.filing_status, user.role):
            actions.append(action)
    return actions


def _can_edit(facility, user) -> bool:
    if user.role == Role.OPERATOR:
        return facility.filing_status in lifecycle.OPERATOR_EDITABLE | {FilingStatus.CHANGE_PENDING}
    return user.role == Role.DISTRICT_OFFICER and facility.filing_status in lifecycle.OFFICER_EDITABLE


@login_required
def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    facility = selectors.facility_get_for(user=request.user, pk=pk)
    review = selectors.facility_review(facility)
    staff = [(m, mask_identifier(m.person.id_number)) for m in selectors.current_staff(facility)]
    years = {d.year for d in (facility.record_deadline, facility.notice_deadline) if d}
    return render(
        request,
        "facilities/facility_detail.html",
        {
            "facility": facility,
            "review": review,
            "staff": staff,
            "materials": facility.materials.all(),
            "actions": _actions_for(facility, request.user),
            "can_edit": _can_edit(facility, request.user),
            "assumed_years": incomplete_years_among(years),
            "reason_form": forms.ReasonForm(),
            "verify_form": forms.VerifyForm(),
            # Two queries whatever the count: the status shown is the stored one, so no suspensions prefetch.
            "recognitions": [
                (recognition, last_day(recognition))
                for recognition in selectors_recognition.facility_recognitions(facility).prefetch_related(None)
            ],
            "open_applications": list(selectors_recognition.facility_open_applications(facility)),
            "may_apply": selectors_recognition.applicant_may_apply(request.user),
        },
    )


ACTION_LABELS = {
    "start_draft": gettext_lazy("The filing has been started."),
    "submit": gettext_lazy("The filing has been submitted. The unit records it within 5 working days."),
    "record": gettext_lazy("The filing has been recorded; the receipt can be printed."),
    "reject": gettext_lazy("The filing has been returned for completion."),
    "verify": gettext_lazy("The result of the verification has been recorded."),
    "start_change": gettext_lazy("A change filing has been opened; edit the record and submit it."),
    "cancel": gettext_lazy("The filing has been cancelled."),
}


@login_required
@require_POST
def facility_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    facility = selectors.facility_get_for(user=request.user, pk=pk)
    user = request.user
    try:
        if action == "reject":
            form = forms.ReasonForm(request.POST)
            if not form.is_valid():
                raise_form(form)
            services.facility_reject(actor=user, facility=facility, reason=form.cleaned_data["reason"])
        elif action == "verify":
            form = forms.VerifyForm(request.POST)
            if not form.is_valid():
                raise_form(form)
            services.facility_verify(
                actor=user,
                facility=facility,
                conforming=form.cleaned_data["conforming"],
                reasons=form.cleaned_data["reasons"],
            )
        elif action == "cancel":
            services.facility_cancel(actor=user, facility=facility, reason=request.POST.get("reason", ""))
        elif action == "submit":
            commitment = forms.CommitmentForm(request.POST)
            if not commitment.is_valid():
                raise_form(commitment)
            services.facility_submit(actor=user, facility=facility)
        elif action in ("record", "start_draft", "start_change"):
            {
                "record": services.facility_record,
                "start_draft": services.facility_start_draft,
                "start_change": services.facility_start_change,
            }[action](actor=user, facility=facility)
        else:
            raise NotFound
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
        if action == "submit":
            return redirect("facilities:filing_step", pk=pk, step="submit")
        return redirect("facilities:detail", pk=pk)
    messages.success(request, str(ACTION_LABELS[action]))
    return redirect("facilities:detail", pk=pk)


def raise_form(form) -> None:
    from suzhou_childcare.errors import ValidationFailed

    raise ValidationFailed(fields={k: [str(e) for e in v] for k, v in form.errors.items()})


def _error_text(exc: ApplicationError) -> str:
    parts = [str(exc.message)]
    for messages_ in exc.fields.values():
        parts.extend(messages_)
    if exc.clause:
        parts.append(f"（{exc.clause}）")
    return " ".join(parts)


# --- the operator's filing form --------------------------------------------------------------------------


@login_required
def facility_new(request: HttpRequest) -> HttpResponse:
    """An operator starts a new filing: the first step creates the draft."""
    if request.user.role != Role.OPERATOR:
        raise NotFound
    form = forms.BasicStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            facility = services.facility_create(actor=request.user, data=dict(form.cleaned_data))
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The draft has been saved."))
            return redirect("facilities:filing_step", pk=facility.pk, step="premises")
    response = render(
        request, "facilities/filing_step.html", {"form": form, "step": "basic", "steps": STEPS, "facility": None}
    )
    return invalid_form_status(response) if request.method == "POST" else response


@login_required
def filing_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    facility = selectors.facility_get_for(user=request.user, pk=pk)
    if step not in STEP_NAMES:
        raise NotFound
    if not _can_edit(facility, request.user):
        messages.info(request, _("The filing cannot be edited in its current state."))
        return redirect("facilities:detail", pk=pk)
    handler = STEP_HANDLERS.get(step, _record_step)
    response, done = handler(request, facility, step)
    if done:
        messages.success(request, _("Saved."))
        following = STEP_NAMES[min(STEP_NAMES.index(step) + 1, len(STEP_NAMES) - 1)]
        # Adding a row (class, staff member, material) stays on the step: there are usually several.
        adds_rows = step in ("staff", "materials") or request.POST.get("op") in ("add_class", "delete_class")
        target = step if request.POST.get("stay") or adds_rows else following
        return redirect("facilities:filing_step", pk=pk, step=target)
    return response


STEP_FORMS = {"basic": forms.BasicStepForm, "premises": forms.PremisesStepForm, "capacity": forms.CapacityStepForm}


def _page(request, facility, step, context, *, failed: bool = False) -> HttpResponse:
    review = selectors.facility_review(facility)
    response = render(
        request,
        "facilities/filing_step.html",
        {
            "facility": facility,
            "step": step,
            "steps": STEPS,
            "blocking": _findings_for_step(review.blocking, step),
            "warnings": _findings_for_step(review.warnings, step),
            "all_blocking": review.blocking,
            **context,
        },
    )
    return invalid_form_status(response) if failed else response


def _record_step(request, facility, step):
    """Steps that edit the record's own fields (basic, premises, capacity with its class table)."""
    form_class = STEP_FORMS[step]
    op = request.POST.get("op", "save")
    form = form_class(instance=facility)
    class_form = forms.ClassForm(prefix="class")
    if request.method == "POST":
        try:
            if op == "add_class":
                class_form = forms.ClassForm(request.POST, prefix="class")
                if not class_form.is_valid():
                    return _page(request, facility, step, {"form": form, "class_form": class_form}, failed=True), False
                services.facility_class_set(actor=request.user, facility=facility, **class_form.cleaned_data)
                return None, True
            if op == "delete_class":
                class_id = request.POST.get("class_id", "")
                row = (
                    FacilityClass.objects.filter(facility=facility, pk=int(class_id)).first()
                    if class_id.isdigit()
                    else None
                )
                if row is None:
                    messages.error(request, _("That class is not part of this facility."))
                    return None, True
                try:
                    services.facility_class_remove(actor=request.user, facility=facility, facility_class=row)
                except ApplicationError as exc:
                    messages.error(request, _error_text(exc))
                return None, True
            form = form_class(request.POST, instance=facility)
            if form.is_valid():
                if step == "capacity":
                    data, offerings = form.split()
                    services.facility_update(actor=request.user, facility=facility, data=data, offerings=offerings)
                else:
                    data = {k: v for k, v in form.cleaned_data.items() if not form.fields[k].disabled}
                    services.facility_update(actor=request.user, facility=facility, data=data)
                return None, True
        except ApplicationError as exc:
            form_add_application_error(class_form if op == "add_class" else form, exc)
        return _page(request, facility, step, {"form": form, "class_form": class_form}, failed=True), False
    return _page(request, facility, step, {"form": form, "class_form": class_form}), False


def _staff_step(request, facility, step):
    form = forms.StaffForm(prefix="staff")
    if request.method == "POST":
        form = forms.StaffForm(request.POST, prefix="staff")
        if form.is_valid():
            try:
                services.staff_add(actor=request.user, facility=facility, **form.cleaned_data)
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                return None, True
    staff = [(m, mask_identifier(m.person.id_number)) for m in selectors.current_staff(facility)]
    return _page(request, facility, step, {"form": form, "staff": staff}, failed=request.method == "POST"), False


def _materials_step(request, facility, step):
    form = forms.MaterialForm()
    if request.method == "POST":
        form = forms.MaterialForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.material_upload(
                    actor=request.user,
                    facility=facility,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    expires_on=form.cleaned_data.get("expires_on"),
                )
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                return None, True
    context = {"form": form, "materials": facility.materials.all(), "multipart": True}
    return _page(request, facility, step, context, failed=request.method == "POST"), False


def _submit_step(request, facility, step):
    # Submission itself posts to facility_action("submit"); this page shows everything that is still missing.
    context = {"form": forms.CommitmentForm(), "submit_url": reverse("facilities:action", args=[facility.pk, "submit"])}
    return _page(request, facility, step, context), False


STEP_HANDLERS = {"staff": _staff_step, "materials": _materials_step, "submit": _submit_step}
