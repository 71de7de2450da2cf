"""Pages for complaints (social supervision, 社会监督).

Public, without an account (public layout, never cached: the form carries a CSRF token): the complaint form,
rate-limited per client address; the receipt with the tracking code; the status page (status and reply date
only). Staff of the unit: the list (never the complainant's contact), intake (12345 hotline, letter or
visit, in person), and a complaint's page with triage, linking an inspection, reply, closure and revealing
the contact (a permission, a reason, an audit entry).

Rate limit: at most `RATE_LIMIT_PUBLIC_COMPLAINT` submissions (a setting, "5/hour") per client address,
counted by the shared limiter (`suzhou_childcare.ratelimit`, which says where and how it counts).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from facilities.models import Facility
from facilities.selectors import facility_scope_for
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import ApplicationError, NotFound, PermissionDenied
from suzhou_childcare.permissions import Capability, can, sees_whole_city
from suzhou_childcare.ratelimit import parse_rate, take_slot
from suzhou_childcare.regions.models import District
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from ..models import ComplaintChannel, ComplaintStatus, InspectionKind, Weight
from ..selectors.complaints import (
    complaint_contact_masked,
    complaint_get_for,
    complaint_inspections_for,
    complaint_list_for,
    complaint_public_status,
    normalise_tracking_code,
)
from ..services import complaints as services
from ..services.complaints import STAFF_CHANNELS, handles

PAGE_SIZE = 50
READERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR})
WEIGHT_LABELS = dict(Weight.choices)


def _styled(form: forms.Form) -> forms.Form:
    for name, field in form.fields.items():
        widget = field.widget
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        if form.is_bound and name in form.errors:
            css += " is-invalid"
        widget.attrs["class"] = css
    return form


def _districts():
    return District.objects.order_by("code")


# --- public pages -------------------------------------------------------------------------------------------


class PublicComplaintForm(forms.Form):
    service_required = ("facility_name", "subject", "description")

    district = forms.ModelChoiceField(
        label=gettext_lazy("County-level unit where the facility is"),
        queryset=District.objects.none(),
        to_field_name="code",
        empty_label="—",
    )
    facility_name = forms.CharField(label=gettext_lazy("Facility name"), max_length=200, required=False)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200, required=False)
    description = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=services.DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("When and where, what you saw; please do not name the infants."),
    )
    complainant_name = forms.CharField(
        label=gettext_lazy("Your name (optional)"),
        max_length=services.NAME_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    complainant_phone = forms.CharField(
        label=gettext_lazy("Your telephone (optional)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=gettext_lazy(
            "Only for the unit to contact you. Stored encrypted; staff see it masked unless they state a reason."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _districts()


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def public_form(request: HttpRequest) -> HttpResponse:
    """The public complaint form (no account). Never cached: it carries the visitor's CSRF token."""
    form = PublicComplaintForm(request.POST or None)
    if request.method == "POST":
        rate = settings.RATE_LIMIT_PUBLIC_COMPLAINT
        slot = take_slot(request, scope="complaints.public", rate=rate)
        if slot is None:
            response = render(
                request,
                "inspections/complaint_public_form.html",
                {"form": _styled(PublicComplaintForm()), "limited": True},
                status=429,
            )
            response["Retry-After"] = str(parse_rate(rate).seconds)
            return response
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = services.complaint_submit_public(
                    district=data["district"],
                    facility_name=data["facility_name"],
                    subject=data["subject"],
                    description=data["description"],
                    complainant_name=data["complainant_name"],
                    complainant_phone=data["complainant_phone"],
                )
            except ApplicationError as exc:
                slot.give_back()
                form_add_application_error(form, exc)
            else:
                return redirect("complaints_public:done", code=complaint.tracking_code)
        else:
            slot.give_back()
        return invalid_form_status(render(request, "inspections/complaint_public_form.html", {"form": _styled(form)}))
    return render(request, "inspections/complaint_public_form.html", {"form": _styled(form)})


@never_cache
@require_safe
def public_done(request: HttpRequest, code: str) -> HttpResponse:
    """The receipt: the tracking code to keep (it shows the status later), nothing of the content."""
    status = complaint_public_status(tracking_code=code)
    if status is None:
        raise NotFound
    return render(request, "inspections/complaint_public_done.html", {"status": status})


@never_cache
@require_safe
def public_status(request: HttpRequest) -> HttpResponse:
    """Status and reply date of a complaint by its tracking code; an unknown code says so, nothing more."""
    code = normalise_tracking_code(request.GET.get("code", ""))
    status = complaint_public_status(tracking_code=code) if code else None
    response = render(
        request, "inspections/complaint_public_status.html", {"code": code, "status": status, "asked": bool(code)}
    )
    if code and status is None:
        response.status_code = 404
    return response


# --- staff pages --------------------------------------------------------------------------------------------


def _require_reader(user) -> None:
    if user.role not in READERS:
        raise NotFound


def _may_take_in(user) -> bool:
    """Officers and inspectors of a unit take in its complaints; the city's inspectors any unit's."""
    citywide_inspector = user.role == Role.INSPECTOR and sees_whole_city(user)
    return citywide_inspector or handles(user.district_id, user)


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=[("", gettext_lazy("All")), *ComplaintStatus.choices], required=False
    )


@login_required
@require_safe
def complaint_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_reader(user)
    form = ComplaintFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else None
    page = Paginator(complaint_list_for(user=user, status=status or None), PAGE_SIZE).get_page(request.GET.get("page"))
    for complaint in page.object_list:
        complaint.weight_label = WEIGHT_LABELS.get(complaint.weight, "")
    may_take_in = _may_take_in(user)
    return render(
        request,
        "inspections/complaint_list.html",
        {"form": _styled(form), "page": page, "may_take_in": may_take_in},
    )


class ComplaintIntakeForm(forms.Form):
    service_required = ("subject", "description")

    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[(value, label) for value, label in ComplaintChannel.choices if value in STAFF_CHANNELS],
    )
    hotline_ticket = forms.CharField(
        label=gettext_lazy("12345 ticket number"),
        max_length=50,
        required=False,
        help_text=gettext_lazy("Required for a complaint from the 12345 hotline."),
    )
    received_at = forms.DateTimeField(
        label=gettext_lazy("Received at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("Now, when left empty."),
    )
    district = forms.ModelChoiceField(
        label=gettext_lazy("County-level unit"), queryset=District.objects.none(), to_field_name="code"
    )
    facility = forms.ModelChoiceField(
        label=gettext_lazy("Facility (when known)"), queryset=Facility.objects.none(), required=False
    )
    facility_name = forms.CharField(
        label=gettext_lazy("Facility named by the complainant"), max_length=200, required=False
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200, required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=services.DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    complainant_name = forms.CharField(
        label=gettext_lazy("Complainant's name"), max_length=services.NAME_MAX, required=False
    )
    complainant_phone = forms.CharField(
        label=gettext_lazy("Complainant's telephone"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("Stored encrypted; shown masked."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        districts = _districts()
        facilities = facility_scope_for(user=user).order_by("name", "id")
        if not sees_whole_city(user):
            districts = districts.filter(pk=user.district_id)
            facilities = facilities.filter(district_id=user.district_id)
            self.fields["district"].initial = user.district.code if user.district_id else None
        self.fields["district"].queryset = districts
        self.fields["facility"].queryset = facilities


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def complaint_intake(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_reader(user)
    if not _may_take_in(user):
        raise NotFound
    form = ComplaintIntakeForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = services.complaint_intake(actor=user, **data)
            except (NotFound, PermissionDenied):
                raise
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, _("The complaint has been recorded."))
                return redirect("inspections:complaint_detail", pk=complaint.pk)
        return invalid_form_status(render(request, "inspections/complaint_intake.html", {"form": _styled(form)}))
    return render(request, "inspections/complaint_intake.html", {"form": _styled(form)})


class TriageForm(forms.Form):
    weight = forms.ChoiceField(label=gettext_lazy("Weight"), choices=Weight.choices)
    facility = forms.ModelChoiceField(
        label=gettext_lazy("Facility the complaint is about"), queryset=Facility.objects.none(), required=False
    )

    def __init__(self, *args, user, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = (
            facility_scope_for(user=user).filter(district_id=complaint.district_id).order_by("name", "id")
        )
        self.fields["facility"].initial = complaint.facility_id
        self.fields["weight"].initial = complaint.weight or None


class LinkForm(forms.Form):
    inspection = forms.TypedChoiceField(label=gettext_lazy("Complaint inspection"), coerce=int)

    def __init__(self, *args, inspections, **kwargs):
        super().__init__(*args, **kwargs)
        self.inspections = {i.pk: i for i in inspections}
        self.fields["inspection"].choices = [
            (i.pk, f"{i.inspected_on:%Y-%m-%d} · {i.get_status_display()}") for i in self.inspections.values()
        ]


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=gettext_lazy("Reply to the complainant"),
        max_length=services.REPLY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for viewing the complainant's contact"), max_length=500, required=False
    )


ACTIONS = ("triage", "link", "reply", "close", "reveal")


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A complaint with its contact masked, and the forms of the next steps (one POST `action` each).

    Never cached: after a reveal the response holds the full contact.
    """
    user = request.user
    _require_reader(user)
    complaint = complaint_get_for(user=user, pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    if request.method == "POST" and action not in ACTIONS:
        raise NotFound
    post = request.POST if request.method == "POST" else None
    inspections = list(complaint_inspections_for(user=user, complaint=complaint))
    forms_ = {
        "triage": TriageForm(post if action == "triage" else None, user=user, complaint=complaint),
        "link": LinkForm(post if action == "link" else None, inspections=inspections),
        "reply": ReplyForm(post if action == "reply" else None),
        "reveal": RevealForm(post if action == "reveal" else None),
    }
    revealed = None
    failed = False
    error_status = 400
    if action:
        form = forms_.get(action)
        try:
            if form is not None and not form.is_valid():
                failed = True
            elif action == "triage":
                services.complaint_triage(
                    actor=user,
                    complaint=complaint,
                    weight=form.cleaned_data["weight"],
                    facility=form.cleaned_data["facility"],
                )
            elif action == "link":
                inspection = form.inspections[form.cleaned_data["inspection"]]
                services.complaint_link_inspection(actor=user, complaint=complaint, inspection=inspection)
            elif action == "reply":
                services.complaint_reply(actor=user, complaint=complaint, reply=form.cleaned_data["reply"])
            elif action == "close":
                services.complaint_close(actor=user, complaint=complaint)
            elif action == "reveal":
                revealed = services.complaint_reveal_contact(
                    actor=user, complaint=complaint, reason=form.cleaned_data["reason"]
                )
        except (NotFound, PermissionDenied):
            raise
        except ApplicationError as exc:
            failed = True
            error_status = exc.status_code
            if form is not None:
                form_add_application_error(form, exc)
            else:
                messages.error(request, str(exc.message))
        if not failed and action != "reveal":
            messages.success(request, _("The complaint has been updated."))
            return redirect("inspections:complaint_detail", pk=complaint.pk)
    may_handle = handles(complaint.district_id, user)
    complaint.weight_label = WEIGHT_LABELS.get(complaint.weight, "")
    status = complaint.status
    context = {
        "complaint": complaint,
        "contact": complaint_contact_masked(complaint),
        "revealed": revealed,
        "forms": {name: _styled(f) for name, f in forms_.items()},
        "may_handle": may_handle,
        "may_reveal": can(user, Capability.UNMASK_PERSONAL_DATA),
        "may_triage": may_handle and status in (ComplaintStatus.RECEIVED, ComplaintStatus.TRIAGED),
        "may_link": may_handle and status == ComplaintStatus.TRIAGED and complaint.facility_id is not None,
        "may_reply": may_handle and status not in (ComplaintStatus.REPLIED, ComplaintStatus.CLOSED),
        "may_close": may_handle and status == ComplaintStatus.REPLIED,
        "has_inspections": bool(inspections),
        "complaint_kind": InspectionKind.COMPLAINT,
    }
    response = render(request, "inspections/complaint_detail.html", context)
    if failed:
        response.status_code = error_status
    return response
