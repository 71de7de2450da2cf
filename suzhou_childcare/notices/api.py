"""REST: the caller's own notices (cursor-paginated: an inbox grows without bound), and marking one read."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from suzhou_childcare.drf import CreatedCursorPagination

from . import selectors, services


class NoticeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    link = serializers.CharField(help_text="A path inside the portal, or empty.")
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NoticeListApi(APIView):
    pagination_class = CreatedCursorPagination

    @extend_schema(responses={200: NoticeOutputSerializer(many=True)})
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.notice_list_for(user=request.user), request, view=self)
        return paginator.get_paginated_response(NoticeOutputSerializer(page, many=True).data)


class NoticeReadApi(APIView):
    @extend_schema(request=None, responses={200: NoticeOutputSerializer})
    def post(self, request, pk: int):
        notice = selectors.notice_get_for(user=request.user, pk=pk)
        notice = services.notice_mark_read(user=request.user, notice=notice)
        return Response(NoticeOutputSerializer(notice).data)
