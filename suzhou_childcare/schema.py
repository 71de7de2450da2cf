"""OpenAPI schema generation (drf-spectacular) tuned to the project's conventions: nested serializers, list
views that paginate by hand (`paginated_response`), and one error shape for every 4xx (`suzhou_childcare.drf`)."""

from django.conf import settings
from django.utils.module_loading import import_string
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

# The body of every 4xx of the API (suzhou_childcare.drf.error_body).
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "Stable code for machines (`invalid`, `not_found`, ...)."},
        "message": {"type": "string", "description": "Message for people, in the user's language."},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Messages per field (`parent.child` for nested fields).",
        },
        "clause": {"type": "string", "nullable": True, "description": "Source of the rule that failed."},
    },
    "required": ["code", "message", "fields", "clause"],
}

_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class PortalAutoSchema(AutoSchema):
    """Names nested serializers after their view (`TokenObtainOutput`), so every `OutputSerializer`
    of every view gets a component of its own in the OpenAPI schema."""

    def get_serializer_name(self, serializer, direction):
        name = super().get_serializer_name(serializer, direction)
        target = getattr(serializer, "child", serializer)
        qualname = type(target).__qualname__.split(".")
        if len(qualname) > 1 and not name.startswith(qualname[-2].removesuffix("Api")):
            return qualname[-2].removesuffix("Api") + name
        return name

    def _get_paginator(self):
        """List views are plain APIViews that paginate by hand with the default pagination class
        (`paginated_response`); a view that pages otherwise names its `pagination_class` (None: not paged)."""
        if hasattr(self.view, "pagination_class"):
            return super()._get_paginator()
        if self.method != "GET":
            return None
        return import_string(settings.REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"])()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_status_codes():
            responses.setdefault(str(code), self._error_response())
        return responses

    def _error_status_codes(self) -> list[int]:
        # 400: bad input or query; 404: unknown or foreign object, or a page past the end.
        codes = [400, 404]
        if self.get_auth():
            codes += [401, 403]
        if self.method in _UNSAFE_METHODS:
            codes += [409, 422]  # the object changed state meanwhile; a domain rule refused
        if getattr(self.view, "throttle_classes", None):
            codes.append(429)
        return sorted(codes)

    def _error_response(self) -> dict:
        component = ResolvedComponent(name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR_SCHEMA)
        self.registry.register_on_missing(component)
        return {
            "description": "The API's error shape.",
            "content": {"application/json": {"schema": component.ref}},
        }
