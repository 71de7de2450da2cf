"""Helpers for server-rendered pages shared by every app."""

from django import forms
from django.http import HttpResponse

from .errors import ApplicationError


def form_add_application_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's error next to the fields it names; the rest (and the clause) above the form."""
    placed = False
    for field, messages in exc.fields.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
            placed = True
    if not placed:
        message = str(exc.message)
        if exc.clause:
            message = f"{message}（{exc.clause}）"
        form.add_error(None, message)


def invalid_form_status(response: HttpResponse) -> HttpResponse:
    """A form sent back with errors answers 400, so clients and monitoring see the refusal too."""
    response.status_code = 400
    return response
