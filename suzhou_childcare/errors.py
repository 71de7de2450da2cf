"""The one family of errors services raise.

The DRF exception handler (`suzhou_childcare.drf`) and the page middleware turn each into the same shape:
``{"code": stable code, "message": Chinese text, "fields": {field: [messages]}, "clause": source}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """Base of every expected failure: bad input, a broken rule, a missing object, a conflict."""

    status_code = 400
    default_code = "invalid"
    default_message = _("The request could not be processed.")

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: Mapping[str, Sequence[str] | str] | None = None,
        clause: str | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.code = code or self.default_code
        self.fields = {
            name: [str(m) for m in ([msgs] if isinstance(msgs, str) else msgs)] for name, msgs in (fields or {}).items()
        }
        self.clause = clause
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": self.fields,
            "clause": self.clause,
        }


class ValidationFailed(ApplicationError):
    """Input that cannot be accepted; `fields` says which field and why."""

    default_code = "invalid"
    default_message = _("Some of the submitted data is not valid.")


class RuleViolation(ApplicationError):
    """A domain rule refused the operation; `clause` names the standard or policy it comes from."""

    status_code = 422
    default_code = "rule_violation"
    default_message = _("The operation breaks a rule of the portal.")


class NotFound(ApplicationError):
    """The object does not exist, or is outside the user's jurisdiction (both look the same)."""

    status_code = 404
    default_code = "not_found"
    default_message = _("The requested object was not found.")


class PermissionDenied(ApplicationError):
    """The user may see the object but not perform this operation on it."""

    status_code = 403
    default_code = "permission_denied"
    default_message = _("You are not allowed to perform this operation.")


class Conflict(ApplicationError):
    """The object changed state meanwhile (already submitted, already decided, ...)."""

    status_code = 409
    default_code = "conflict"
    default_message = _("The object is not in a state that allows this operation.")
