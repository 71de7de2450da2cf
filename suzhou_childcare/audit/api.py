"""REST: an object's audit history (cursor-paginated: the trail grows without bound)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from suzhou_childcare.drf import CreatedCursorPagination

from . import selectors


class AuditEntryOutputSerializer(serializers.Serializer):
    created_at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_username")
    action = serializers.CharField()
    object_repr = serializers.CharField()
    before = serializers.JSONField()
    after = serializers.JSONField()
    reason = serializers.CharField()
    request_id = serializers.CharField()


class ObjectHistoryApi(APIView):
    pagination_class = CreatedCursorPagination

    @extend_schema(responses={200: AuditEntryOutputSerializer(many=True)})
    def get(self, request, label: str, object_id: str):
        _obj, entries = selectors.audit_history_for(user=request.user, label=label, object_id=object_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(AuditEntryOutputSerializer(page, many=True).data)
