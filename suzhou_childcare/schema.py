"""OpenAPI schema generation (drf-spectacular) tuned to the project's nested-serializer convention."""

from drf_spectacular.openapi import AutoSchema


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
