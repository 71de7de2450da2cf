"""Helpers for server-rendered pages shared by every app."""

from django import forms
from django.http import HttpResponse

from .errors import ApplicationError


def form_add_application_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's error next to the fields it names; the rest (and the clause) above the form."""
    on_fields = {field: messages for field, messages in exc.fields.items() if field in form.fields}
    elsewhere = [message for field, messages in exc.fields.items() if field not in form.fields for message in messages]
    for field, messages in on_fields.items():
        for message in messages:
            form.add_error(field, message)
    if not on_fields or elsewhere:
        # What no field shows: the error's own message (naming the rule) with its clause, then the details.
        message = str(exc.message)
        if exc.clause:
            message = f"{message}（{exc.clause}）"
        form.add_error(None, message)
        for detail in elsewhere:
            if detail != message:
                form.add_error(None, detail)


def invalid_form_status(response: HttpResponse) -> HttpResponse:
    """A form sent back with errors answers 400, so clients and monitoring see the refusal too."""
    response.status_code = 400
    return response
