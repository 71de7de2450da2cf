"""Pages that write skills competitions: creating one (the city admin, or a unit's officer for their unit),
entering a staff member (an operator, for a facility they run) and recording an entry's rank and award (the
city admin, or the officer of the competition's unit). Invalid input comes back on the competition's page with
status 400 and nothing written; a competition or entry outside the user's reach is 404. Persons appear under
their roster name; no ID number is shown.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from facilities.models import StaffMember
from facilities.selectors import current_staff
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import ApplicationError, NotFound, PermissionDenied
from suzhou_childcare.regions.models import District
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from ..models import Competition
from ..selectors.awards import (
    SUPERVISING,
    competition_entries_for,
    competition_entry_get_for,
    competition_get_for,
)
from ..services import awards as services


class CompetitionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    held_on = forms.DateField(label=gettext_lazy("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    district = forms.ModelChoiceField(
        label=gettext_lazy("County-level unit"),
        queryset=District.objects.order_by("code"),
        required=False,
        empty_label=gettext_lazy("City-wide"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.role != Role.CITY_ADMIN:
            # A unit's officer creates competitions of their own unit only.
            del self.fields["district"]


class CompetitionEnterForm(forms.Form):
    staff_member = forms.TypedChoiceField(label=gettext_lazy("Staff member"), coerce=int)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff_member"].choices = [
            (m.pk, f"{m.name} · {m.facility.name} · {m.get_role_display()}") for m in staff
        ]


class CompetitionResultForm(forms.Form):
    rank = forms.IntegerField(label=gettext_lazy("Rank"), min_value=1, max_value=32767, required=False)
    award = forms.CharField(label=gettext_lazy("Award"), max_length=100, required=False)


def _may_create(user) -> bool:
    return user.role == Role.CITY_ADMIN or (user.role == Role.DISTRICT_OFFICER and bool(user.district_id))


def _enterable_staff(user, competition: Competition) -> list[StaffMember]:
    """The current staff of the user's facilities that the competition is open to."""
    if user.role != Role.OPERATOR:
        return []
    facilities = user.facilities.order_by("name", "id")
    if competition.district_id:
        facilities = facilities.filter(district_id=competition.district_id)
    staff: list[StaffMember] = []
    for facility in facilities:
        staff.extend(current_staff(facility).select_related("facility").order_by("role", "name", "id"))
    return staff


def _render_detail(
    request: HttpRequest,
    competition: Competition,
    *,
    enter_form: CompetitionEnterForm | None = None,
    result_form: CompetitionResultForm | None = None,
    result_entry_pk: int | None = None,
) -> HttpResponse:
    """The competition's page (the same template as the read-only view) with the forms being filled in."""
    context = {
        "competition": competition,
        "entries": competition_entries_for(user=request.user, competition=competition),
        "enter_form": enter_form,
        "result_form": result_form,
        "result_entry_pk": result_entry_pk,
    }
    response = render(request, "training/competition_detail.html", context)
    bound = [form for form in (enter_form, result_form) if form is not None and form.is_bound]
    return invalid_form_status(response) if any(form.errors for form in bound) else response


@login_required
@require_http_methods(["GET", "POST"])
def competition_new(request: HttpRequest) -> HttpResponse:
    if not _may_create(request.user):
        raise NotFound
    form = CompetitionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            competition = services.competition_create(
                actor=request.user,
                title=form.cleaned_data["title"],
                held_on=form.cleaned_data["held_on"],
                district=form.cleaned_data.get("district"),
            )
        except (NotFound, PermissionDenied):
            raise
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The competition was created."))
            return redirect("training:competition_detail", pk=competition.pk)
    response = render(request, "training/competition_form.html", {"form": form})
    return invalid_form_status(response) if form.is_bound and form.errors else response


@login_required
@require_http_methods(["GET", "POST"])
def competition_enter(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the competition's page with the entry form; POST: enter the chosen staff member."""
    if request.user.role != Role.OPERATOR:
        raise NotFound
    competition = competition_get_for(user=request.user, pk=pk)
    staff = _enterable_staff(request.user, competition)
    form = CompetitionEnterForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        member = next(m for m in staff if m.pk == form.cleaned_data["staff_member"])
        try:
            services.competition_enter(actor=request.user, competition=competition, staff_member=member)
        except (NotFound, PermissionDenied):
            raise
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The staff member was entered."))
            return redirect("training:competition_detail", pk=competition.pk)
    return _render_detail(request, competition, enter_form=form)


@login_required
@require_POST
def competition_result(request: HttpRequest, pk: int) -> HttpResponse:
    if request.user.role not in SUPERVISING or request.user.role not in services.DECIDERS:
        raise NotFound
    entry = competition_entry_get_for(user=request.user, pk=pk)
    form = CompetitionResultForm(request.POST, auto_id=f"id_result_{entry.pk}_%s")
    if form.is_valid():
        try:
            services.competition_result(
                actor=request.user, entry=entry, rank=form.cleaned_data["rank"], award=form.cleaned_data["award"]
            )
        except (NotFound, PermissionDenied):
            raise
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The result was recorded."))
            return redirect("training:competition_detail", pk=entry.competition_id)
    return _render_detail(request, entry.competition, result_form=form, result_entry_pk=entry.pk)
