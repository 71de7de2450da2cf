"""Pages for administrative penalties: the list, proposing one from a facility, a penalty's page with the
decide and withdraw forms.

Inspectors and unit officers propose; a different person with the deciding permission decides (the form is
not even shown to the proposer); operators read the penalties of their own facilities. Everything comes
through the scoped selectors: a foreign penalty or facility is a 404.
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
from django.views.decorators.http import require_POST

from facilities.models import FilingStatus
from facilities.selectors import facility_get_for, facility_scope_for
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.crypto import mask_identifier
from suzhou_childcare.errors import ApplicationError, NotFound, PermissionDenied
from suzhou_childcare.permissions import sees_whole_city
from suzhou_childcare.regions.models import District
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from ..models import Penalty, PenaltyKind, PenaltyRule, PenaltyStatus
from ..rules_penalties import yuan
from ..selectors.penalties import penalty_get_for, penalty_list_for
from ..services import penalties as services
from ..services.penalties import PUBLISH_DAYS_MAX, default_publish_days, may_decide, may_propose, may_withdraw

PAGE_SIZE = 50
READERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR, Role.OPERATOR})


def _require_reader(user) -> None:
    if user.role not in READERS:
        raise NotFound


def _styled(form: forms.Form) -> forms.Form:
    """Bootstrap classes on each widget, marked invalid where the form (or the service) found a problem."""
    for name, field in form.fields.items():
        widget = field.widget
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        if form.is_bound and name in form.errors:
            css += " is-invalid"
        widget.attrs["class"] = css
    return form


class PenaltyFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=[("", gettext_lazy("All")), *PenaltyStatus.choices], required=False
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=[("", gettext_lazy("All")), *PenaltyKind.choices], required=False
    )
    district = forms.ModelChoiceField(
        label=gettext_lazy("County-level unit"),
        queryset=District.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("All"),
    )
    q = forms.CharField(label=gettext_lazy("Facility or decision number"), max_length=100, required=False)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = dict(self.cleaned_data)
        data["district"] = data["district"].code if data.get("district") else None
        return {key: value for key, value in data.items() if value}


class PenaltyProposeForm(forms.Form):
    # Checked by the service, so every problem shows at once in its words (with the clause for the amount).
    service_required = ("facts",)

    kind = forms.ChoiceField(label=gettext_lazy("Kind of penalty"), choices=PenaltyKind.choices)
    amount = forms.CharField(
        label=gettext_lazy("Fine (yuan)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=gettext_lazy("Only for a fine or a stop of service, within the legal range shown; to the fen."),
    )
    facts = forms.CharField(
        label=gettext_lazy("Facts"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Internal: the facts are never shown on the public register."),
    )
    inspection = forms.TypedChoiceField(label=gettext_lazy("Inspection"), coerce=int, required=False, empty_value=None)
    person_name = forms.CharField(
        label=gettext_lazy("Banned person's name"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Only for a lifetime ban."),
    )
    person_id_number = forms.CharField(
        label=gettext_lazy("Banned person's ID number"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy("Only for a lifetime ban. Stored encrypted and shown masked."),
    )

    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspection"].choices = [
            ("", "—"),
            *((i.pk, f"{i.inspected_on:%Y-%m-%d} · {i.get_kind_display()}") for i in facility.inspections.all()),
        ]


class PenaltyDecideForm(forms.Form):
    service_required = ("decision_number",)

    decision_number = forms.CharField(label=gettext_lazy("Decision number"), max_length=100, required=False)
    decided_on = forms.DateField(
        label=gettext_lazy("Decided on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    publish_days = forms.IntegerField(
        label=gettext_lazy("Publish on the public register for (days)"),
        min_value=1,
        max_value=PUBLISH_DAYS_MAX,
        help_text=gettext_lazy("The city's default period; change it only when the decision says otherwise."),
    )
    hearing_status = forms.CharField(label=gettext_lazy("Hearing"), max_length=100, required=False)
    appeal_status = forms.CharField(label=gettext_lazy("Reconsideration or appeal"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["decided_on"].initial = today
        self.fields["decided_on"].widget.attrs["max"] = today.isoformat()
        self.fields["publish_days"].initial = default_publish_days()


class PenaltyWithdrawForm(forms.Form):
    service_required = ("reason",)

    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _add_error(form: forms.Form, exc: ApplicationError) -> None:
    """The service's errors next to their fields and, when a rule refused, its clause above the form."""
    form_add_application_error(form, exc)
    if exc.fields and exc.clause:
        form.add_error(None, _("Rule: %(clause)s") % {"clause": exc.clause})


def _rules_in_force() -> list[dict]:
    """The legal range of each kind today, for the propose page (data, not literals)."""
    today = timezone.localdate()
    latest: dict[str, PenaltyRule] = {}
    for rule in PenaltyRule.objects.filter(effective_from__lte=today).order_by("kind", "-effective_from"):
        latest.setdefault(rule.kind, rule)
    rows = []
    for kind, label in PenaltyKind.choices:
        rule = latest.get(kind)
        if rule is None:
            continue
        has_range = rule.min_amount is not None and rule.max_amount is not None
        rows.append(
            {
                "kind": kind,
                "label": label,
                "range": f"¥{yuan(rule.min_amount)}–{yuan(rule.max_amount)}" if has_range else "",
                "serious": rule.serious,
                "clause": rule.clause,
            }
        )
    return rows


@login_required
def penalty_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_reader(user)
    form = PenaltyFilterForm(request.GET or None)
    if not sees_whole_city(user):
        del form.fields["district"]
    page = Paginator(penalty_list_for(user=user, filters=form.filters()), PAGE_SIZE).get_page(request.GET.get("page"))
    facilities = []
    if may_propose(user):
        facilities = list(
            facility_scope_for(user=user)
            .exclude(filing_status=FilingStatus.CANCELLED)
            .order_by("name", "id")
            .values_list("pk", "name")
        )
    return render(
        request,
        "inspections/penalty_list.html",
        {"form": _styled(form), "page": page, "facilities": facilities},
    )


@login_required
def penalty_propose_pick(request: HttpRequest) -> HttpResponse:
    """The list's "propose a penalty" picker sends the chosen facility here."""
    if not may_propose(request.user):
        raise NotFound
    facility = facility_get_for(user=request.user, pk=request.GET.get("facility"))
    return redirect("inspections:penalty_propose", facility_pk=facility.pk)


@login_required
def penalty_propose(request: HttpRequest, facility_pk: int) -> HttpResponse:
    """Propose a penalty on one facility; its earlier penalties are shown beside the form."""
    user = request.user
    if not may_propose(user):
        raise NotFound
    facility = facility_get_for(user=user, pk=facility_pk)
    form = PenaltyProposeForm(facility=facility)
    if request.method == "POST":
        form = PenaltyProposeForm(request.POST, facility=facility)
        if form.is_valid():
            data = form.cleaned_data
            inspection = None
            if data["inspection"] is not None:
                inspection = facility.inspections.filter(pk=data["inspection"]).first()
            try:
                penalty = services.penalty_propose(
                    actor=user,
                    facility=facility,
                    kind=data["kind"],
                    amount=data["amount"],
                    facts=data["facts"],
                    inspection=inspection,
                    person_id_number=data["person_id_number"],
                    person_name=data["person_name"],
                )
            except (NotFound, PermissionDenied):
                raise
            except ApplicationError as exc:
                _add_error(form, exc)
            else:
                messages.success(request, _("The penalty has been proposed; another person decides it."))
                return redirect("inspections:penalty_detail", pk=penalty.pk)
    response = render(
        request,
        "inspections/penalty_propose.html",
        {
            "facility": facility,
            "form": _styled(form),
            "rules": _rules_in_force(),
            "earlier": penalty_list_for(user=user, filters={"facility": facility.pk}),
        },
    )
    return invalid_form_status(response) if request.method == "POST" else response


def _detail(
    request: HttpRequest,
    penalty: Penalty,
    *,
    decide_form: forms.Form | None = None,
    withdraw_form: forms.Form | None = None,
    error: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    can_decide = may_decide(user, penalty)
    can_withdraw = may_withdraw(user, penalty)
    today = timezone.localdate()
    published = (
        penalty.status == PenaltyStatus.DECIDED
        and penalty.publish_from is not None
        and penalty.publish_until is not None
        and penalty.publish_from <= today <= penalty.publish_until
    )
    return render(
        request,
        "inspections/penalty_detail.html",
        {
            "penalty": penalty,
            "person_id_number": mask_identifier(penalty.person.id_number) if penalty.person else "",
            "amount": yuan(penalty.amount) if penalty.amount is not None else "",
            "can_decide": can_decide,
            "can_withdraw": can_withdraw,
            "awaits_another": penalty.status == PenaltyStatus.PROPOSED and penalty.proposed_by_id == user.pk,
            "decide_form": _styled(decide_form or PenaltyDecideForm(prefix="decide")) if can_decide else None,
            "withdraw_form": _styled(withdraw_form or PenaltyWithdrawForm(prefix="withdraw")) if can_withdraw else None,
            "published": published,
            "error": error.as_dict() if error is not None else None,
        },
        status=status,
    )


@login_required
def penalty_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request.user)
    return _detail(request, penalty_get_for(user=request.user, pk=pk))


@login_required
@require_POST
def penalty_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Decide a proposal. Who may decide is the service's question, asked before the form's content: the
    proposer, an inspector or an operator posting here is refused with the rule, whatever they sent."""
    user = request.user
    _require_reader(user)
    penalty = penalty_get_for(user=user, pk=pk)
    form = PenaltyDecideForm(request.POST, prefix="decide")
    allowed = may_decide(user, penalty)
    if form.is_valid():
        values = form.cleaned_data
    elif allowed:
        return _detail(request, penalty, decide_form=form, status=400)
    else:
        values = {"decision_number": "", "decided_on": None}
    try:
        services.penalty_decide(actor=user, penalty=penalty, **values)
    except NotFound:
        raise
    except ApplicationError as exc:
        if allowed:
            _add_error(form, exc)
            return _detail(request, penalty, decide_form=form, status=400)
        return _detail(request, penalty, error=exc, status=exc.status_code)
    messages.success(request, _("The penalty has been decided and published on the public register."))
    return redirect("inspections:penalty_detail", pk=penalty.pk)


@login_required
@require_POST
def penalty_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_reader(user)
    penalty = penalty_get_for(user=user, pk=pk)
    form = PenaltyWithdrawForm(request.POST, prefix="withdraw")
    allowed = may_withdraw(user, penalty)
    if not form.is_valid() and allowed:
        return _detail(request, penalty, withdraw_form=form, status=400)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    try:
        services.penalty_withdraw(actor=user, penalty=penalty, reason=reason)
    except NotFound:
        raise
    except ApplicationError as exc:
        if allowed:
            _add_error(form, exc)
            return _detail(request, penalty, withdraw_form=form, status=400)
        return _detail(request, penalty, error=exc, status=exc.status_code)
    messages.success(request, _("The proposal has been withdrawn."))
    return redirect("inspections:penalty_detail", pk=penalty.pk)
