"""The city admin's privacy pages: the retention schedule (dry run, apply now, rules) and data-subject exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from suzhou_childcare.errors import ApplicationError
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from . import selectors, services
from .forms import RetentionRuleForm, SubjectExportForm
from .models import RetentionKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What each kind removes: behaviour of the code, so described here (translated), not stored with the rule.
KIND_EFFECTS = {
    RetentionKind.STAFF_OF_CLOSED_FACILITIES: gettext_lazy(
        "Names and guard licence numbers on the roster are cleared; a person whose every job is past the period "
        "loses name, ID number and its search index. Rows stay, so staff counts do not change. Persons banned "
        "from childcare are kept."
    ),
    RetentionKind.STAFF_DOCUMENTS_OF_CLOSED_FACILITIES: gettext_lazy(
        "Uploaded scans of staff qualifications and health certificates are deleted, file and record."
    ),
    RetentionKind.COMPLAINANT_CONTACTS: gettext_lazy(
        "The complainant's name, telephone number and 12345 ticket are cleared, and starred out wherever the "
        "complaint's text repeats them. The complaint itself stays."
    ),
    RetentionKind.INCIDENT_DETAILS: gettext_lazy(
        "The description and follow-up text are cleared; kind, dates and the number of infants affected stay."
    ),
}


def _retention_context(request: HttpRequest, *, form: RetentionRuleForm) -> dict:
    today = timezone.localdate()
    report = []
    total = 0
    for due in selectors.retention_due(today=today):
        parts = [{"label": part.label, "count": part.count(), "sample": part.sample()} for part in due.parts]
        total += sum(p["count"] for p in parts)
        report.append({"due": due, "parts": parts, "effect": KIND_EFFECTS.get(due.rule.kind, "")})
    return {
        "today": today,
        "report": report,
        "total": total,
        "inline_limit": services.INLINE_LIMIT,
        "rules": selectors.retention_rule_history(),
        "form": form,
    }


@login_required
@require_http_methods(["GET", "POST"])
def retention(request: HttpRequest) -> HttpResponse:
    """Dry-run report per rule; POST adds a new version of a rule."""
    selectors.require_privacy_officer(request.user)
    form = RetentionRuleForm(initial={"valid_from": timezone.localdate(), "is_default": True})
    if request.method == "POST":
        form = RetentionRuleForm(request.POST)
        if form.is_valid():
            try:
                services.retention_rule_add(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, _("The new rule has been saved."))
                return redirect("privacy:retention")
        return invalid_form_status(render(request, "privacy/retention.html", _retention_context(request, form=form)))
    return render(request, "privacy/retention.html", _retention_context(request, form=form))


@login_required
@require_POST
def retention_apply(request: HttpRequest) -> HttpResponse:
    selectors.require_privacy_officer(request.user)
    started = services.retention_start(actor=request.user)
    if started.job is not None:
        return redirect("jobs:detail", job_id=started.job.id)
    changed = sum(n for parts in (started.summary or {}).values() for n in parts.values())
    messages.success(request, _("%(n)d record(s) purged or anonymised.") % {"n": changed})
    return redirect("privacy:retention")


@login_required
@require_http_methods(["GET", "POST"])
def subject(request: HttpRequest) -> HttpResponse:
    """A data-subject request: the workbook of everything held about one person (audited with the reason)."""
    selectors.require_privacy_officer(request.user)
    form = SubjectExportForm()
    if request.method == "POST":
        form = SubjectExportForm(request.POST)
        if form.is_valid():
            try:
                export = services.subject_export(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                if not export.found:
                    return render(request, "privacy/subject.html", {"form": SubjectExportForm(), "not_found": True})
                response = HttpResponse(export.content, content_type=XLSX)
                response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
                return response
        return invalid_form_status(render(request, "privacy/subject.html", {"form": form}))
    return render(request, "privacy/subject.html", {"form": form})
