"""Pages for talent awards and competitions: the list of applications, applying (operators), an
application's page with the decision form (the city or the unit's officer, never the applicant), and the
competitions with the entries the user may see. Persons appear under their roster name; no ID number is shown.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from facilities.selectors import current_staff, facility_get_for
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import ApplicationError, NotFound
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from ..models import ApplicationStatus
from ..selectors.awards import (
    SUPERVISING,
    award_application_get_for,
    award_application_list_for,
    award_rules_in_force,
    competition_entries_for,
    competition_get_for,
    competition_list_for,
)
from ..services import awards as services
from ..services.awards import may_decide

PAGE_SIZE = 50


def _require_reader(user) -> None:
    if user.role not in SUPERVISING:
        raise NotFound


class AwardApplyForm(forms.Form):
    rule = forms.ChoiceField(label=gettext_lazy("Award"))
    staff_member = forms.TypedChoiceField(label=gettext_lazy("Staff member"), coerce=int)

    def __init__(self, *args, rules, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [(r.code, f"{r.title} · ¥{r.amount}") for r in rules]
        self.fields["staff_member"].choices = [(m.pk, f"{m.name} · {m.get_role_display()}") for m in staff]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"


class AwardDecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("1", gettext_lazy("Approve")), ("0", gettext_lazy("Reject"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        label=gettext_lazy("Reasons"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


@login_required
def award_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request.user)
    status = request.GET.get("status", "")
    filters = {"status": status} if status in ApplicationStatus.values else {}
    page = Paginator(award_application_list_for(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "training/award_list.html",
        {
            "page": page,
            "statuses": ApplicationStatus.choices,
            "status": status,
            "rules": award_rules_in_force(),
            "can_apply": request.user.role == Role.OPERATOR,
            "facilities": request.user.facilities.order_by("name") if request.user.role == Role.OPERATOR else [],
        },
    )


@login_required
def award_apply(request: HttpRequest, facility_pk: int) -> HttpResponse:
    if request.user.role != Role.OPERATOR:
        raise NotFound
    facility = facility_get_for(user=request.user, pk=facility_pk)
    rules = award_rules_in_force()
    staff = list(current_staff(facility).order_by("role", "name", "id"))
    form = AwardApplyForm(request.POST or None, rules=rules, staff=staff)
    if request.method == "POST" and form.is_valid():
        rule = next(r for r in rules if r.code == form.cleaned_data["rule"])
        member = next(m for m in staff if m.pk == form.cleaned_data["staff_member"])
        try:
            application = services.award_apply(actor=request.user, rule=rule, facility=facility, staff_member=member)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The application was submitted."))
            return redirect("training:award_detail", pk=application.pk)
    response = render(request, "training/award_apply.html", {"form": form, "facility": facility, "rules": rules})
    return invalid_form_status(response) if form.is_bound and form.errors else response


@login_required
def award_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request.user)
    application = award_application_get_for(user=request.user, pk=pk)
    deciding = may_decide(request.user, application)
    form = AwardDecideForm(request.POST or None) if deciding else None
    if request.method == "POST":
        if form is None:
            raise NotFound
        if form.is_valid():
            try:
                services.award_decide(
                    actor=request.user,
                    application=application,
                    approve=form.cleaned_data["approve"],
                    reasons=form.cleaned_data["reasons"],
                )
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, _("The decision was recorded."))
                return redirect("training:award_detail", pk=pk)
    response = render(
        request, "training/award_detail.html", {"application": application, "form": form, "today": timezone.localdate()}
    )
    return invalid_form_status(response) if form is not None and form.is_bound and form.errors else response


@login_required
def competition_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request.user)
    page = Paginator(competition_list_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "training/competition_list.html", {"page": page})


@login_required
def competition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request.user)
    competition = competition_get_for(user=request.user, pk=pk)
    entries = competition_entries_for(user=request.user, competition=competition)
    return render(request, "training/competition_detail.html", {"competition": competition, "entries": entries})
