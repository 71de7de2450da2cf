"""Bulk import of existing facilities from an Excel workbook: upload, template download, result.

For district officers (their own unit) and the city admin (any unit); everyone else gets 404. A workbook of
up to `INLINE_MAX_ROWS` rows is imported while the user waits and the result is the response to the upload;
a larger one runs as a job and the result page follows it.
"""

from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from suzhou_childcare.errors import ApplicationError, NotFound
from suzhou_childcare.outbox.models import Job, JobStatus
from suzhou_childcare.outbox.selectors import job_get_for
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from .. import importing

TEMPLATE_FILE_NAME = "托育机构批量导入模板.xlsx"
TEMPLATE_ASCII_NAME = "facility-import-template.xlsx"


class ImportForm(forms.Form):
    workbook = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx)"),
        widget=forms.FileInput(attrs={"accept": f".xlsx,{importing.XLSX_CONTENT_TYPE}"}),
    )

    def clean_workbook(self):
        upload = self.cleaned_data["workbook"]
        if upload.size > importing.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": importing.MAX_BYTES // (1024 * 1024)}
            )
        return upload


def _require_importer(request: HttpRequest) -> None:
    if request.user.role not in importing.IMPORTERS:
        raise NotFound


def _context(**extra) -> dict:
    return {
        "columns": importing.COLUMNS,
        "max_rows": importing.MAX_ROWS,
        "inline_max_rows": importing.INLINE_MAX_ROWS,
        **extra,
    }


def _result(request: HttpRequest, report: dict, *, job: Job | None = None) -> HttpResponse:
    status = 400 if report.get("error_count") else 200
    shown = len(report.get("errors", []))
    context = _context(report=report, job=job, hidden=report.get("error_count", 0) - shown)
    return render(request, "facilities/import/result.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """The upload form. A small workbook is imported at once: a refusal answers here with the error table
    (400); an import goes to its job's page, like a large workbook queued in the background."""
    _require_importer(request)
    form = ImportForm()
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                outcome = importing.import_or_queue(actor=request.user, data=form.cleaned_data["workbook"].read())
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                if isinstance(outcome, Job):
                    return redirect("facilities:import_job", job_id=outcome.id)
                return _result(request, outcome.as_dict())  # refused: nothing was imported
        return invalid_form_status(render(request, "facilities/import/upload.html", _context(form=form)))
    return render(request, "facilities/import/upload.html", _context(form=form))


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    response = HttpResponse(importing.template_workbook(), content_type=importing.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{TEMPLATE_ASCII_NAME}\"; filename*=UTF-8''{quote(TEMPLATE_FILE_NAME)}"
    )
    return response


@login_required
@require_GET
def import_job(request: HttpRequest, job_id) -> HttpResponse:
    """A queued import: its progress while it runs (the page reloads itself), then its result."""
    _require_importer(request)
    job = job_get_for(user=request.user, job_id=job_id)
    if job.kind != importing.JOB_KIND:
        raise NotFound
    if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) and "error_count" in job.result:
        return _result(request, job.result, job=job)
    response = render(request, "facilities/import/job.html", _context(job=job))
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        response["Refresh"] = "3"  # reload into the result once the job has finished
    return response
