"""Pages of the filing work that part 1 needs: the overdue list and the standards in force.

The operator's filing form, the officer's queue and the facility pages come with part 2.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from suzhou_childcare.errors import ApplicationError, NotFound
from suzhou_childcare.permissions import Capability, can
from suzhou_childcare.web import form_add_application_error, invalid_form_status
from suzhou_childcare.workdays.selectors import incomplete_years_among

from .. import selectors, services
from ..forms import StandardVersionForm
from ..models import StandardRule


@login_required
def overdue_list(request: HttpRequest) -> HttpResponse:
    """Filings past their record deadline or notice deadline, in the user's jurisdiction."""
    if not can(request.user, Capability.READ_STATISTICS):
        raise NotFound
    today = timezone.localdate()
    rows = list(selectors.overdue_filings_for(user=request.user, today=today)[:500])
    years = {d.year for f in rows for d in (f.record_deadline, f.notice_deadline) if d}
    return render(
        request,
        "facilities/overdue_list.html",
        {"rows": rows, "today": today, "assumed_years": incomplete_years_among(years)},
    )


@login_required
def standards_list(request: HttpRequest) -> HttpResponse:
    """The standards in force with their clauses and sources; the city admin adds new versions."""
    if not can(request.user, Capability.READ_STATISTICS):
        raise NotFound
    editor = can(request.user, Capability.EDIT_REFERENCE_DATA)
    form = StandardVersionForm()
    code = request.POST.get("code", "")
    if request.method == "POST":
        if not editor:
            return render(request, "errors/403.html", status=403)
        form = StandardVersionForm(request.POST)
        if form.is_valid():
            try:
                services.standard_rule_new_version(actor=request.user, code=code, **form.cleaned_data)
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, _("The new version of the standard has been saved."))
                return redirect("facilities:standards")
    rows = StandardRule.objects.order_by("code", "-effective_from")
    response = render(
        request,
        "facilities/standards_list.html",
        {
            "rows": rows,
            "editor": editor,
            "form": form,
            "blank_form": StandardVersionForm(),
            "posted_code": code,
            "today": timezone.localdate(),
        },
    )
    return invalid_form_status(response) if request.method == "POST" else response
