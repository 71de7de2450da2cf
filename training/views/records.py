"""Pages for training institutions: their courses, a session's results, adding a record, the Excel import.

Every object comes through `training.selectors.records`: a session of another institution is a 404. ID numbers
are shown masked only.
"""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from suzhou_childcare.crypto import mask_identifier
from suzhou_childcare.errors import ApplicationError, NotFound
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from .. import importing
from ..models import TrainingResult
from ..selectors import records as selectors
from ..services import records as services

TEMPLATE_FILE_NAME = "培训结果导入模板.xlsx"
TEMPLATE_ASCII_NAME = "training-results-template.xlsx"


class RecordForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=100)
    id_number = forms.CharField(
        label=gettext_lazy("ID number"), max_length=18, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    hours = forms.DecimalField(label=gettext_lazy("hours"), max_digits=6, decimal_places=1, min_value=0)
    result = forms.ChoiceField(label=gettext_lazy("result"), choices=TrainingResult.choices)
    completed_on = forms.DateField(label=gettext_lazy("completed on"), widget=forms.DateInput(attrs={"type": "date"}))
    certificate_number = forms.CharField(label=gettext_lazy("certificate number"), max_length=100, required=False)
    certificate_valid_until = forms.DateField(
        label=gettext_lazy("certificate valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


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


def _rows(records) -> list[dict]:
    return [
        {"record": record, "name": record.person.name, "id_number": mask_identifier(record.person.id_number)}
        for record in records
    ]


@login_required
@require_GET
def course_list(request: HttpRequest) -> HttpResponse:
    institutions = list(selectors.institution_list_for(user=request.user))
    if not institutions:
        raise NotFound
    courses = list(selectors.course_list_for(user=request.user))
    sessions = list(selectors.session_list_for(user=request.user))
    by_course: dict[int, list] = {}
    for session in sessions:
        by_course.setdefault(session.course_id, []).append(session)
    for course in courses:
        course.session_rows = by_course.get(course.pk, [])
    return render(request, "training/records_courses.html", {"institutions": institutions, "courses": courses})


def _session_page(request: HttpRequest, session, *, form=None, import_form=None, report=None, status=200):
    records = selectors.record_list_for(user=request.user, session=session)
    context = {
        "session": session,
        "rows": _rows(records),
        "may_record": selectors.session_may_record(user=request.user, session=session),
        "form": form,
        "import_form": import_form or ImportForm(),
        "report": report,
        "columns": importing.COLUMNS,
    }
    return render(request, "training/records_session.html", context, status=status)


@login_required
@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for(user=request.user, pk=pk)
    return _session_page(request, session)


@login_required
@require_http_methods(["GET", "POST"])
def record_add(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for(user=request.user, pk=pk)
    if not selectors.session_may_record(user=request.user, session=session):
        raise NotFound
    form = RecordForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.record_add(actor=request.user, session=session, **form.cleaned_data)
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                return redirect("training:records_session", pk=session.pk)
        return invalid_form_status(render(request, "training/records_add.html", {"session": session, "form": form}))
    return render(request, "training/records_add.html", {"session": session, "form": form})


@login_required
@require_http_methods(["POST"])
def session_import(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for(user=request.user, pk=pk)
    if not selectors.session_may_record(user=request.user, session=session):
        raise NotFound
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result = importing.import_session_results(
                actor=request.user, session=session, data=form.cleaned_data["workbook"].read()
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            if result.ok:
                return redirect("training:records_session", pk=session.pk)
            return _session_page(request, session, import_form=form, report=result.as_dict(), status=400)
    return _session_page(request, session, import_form=form, status=400)


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    if not selectors.institution_scope_for(user=request.user).exists():
        raise NotFound
    response = HttpResponse(importing.template_workbook(), content_type=importing.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{TEMPLATE_ASCII_NAME}\"; filename*=UTF-8''{quote(TEMPLATE_FILE_NAME)}"
    )
    return response
