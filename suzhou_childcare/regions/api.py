"""REST: the county-level units the caller answers for."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from suzhou_childcare.drf import PageSizePagination

from . import selectors


class DistrictOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    population = serializers.IntegerField(allow_null=True)
    population_year = serializers.IntegerField(allow_null=True)
    population_is_estimate = serializers.SerializerMethodField()
    street_count = serializers.IntegerField()

    def get_population_is_estimate(self, obj) -> bool:
        return obj.population_status == "estimate"


class DistrictListApi(APIView):
    @extend_schema(responses={200: DistrictOutputSerializer(many=True)})
    def get(self, request):
        paginator = PageSizePagination()
        page = paginator.paginate_queryset(selectors.district_list_for(user=request.user), request, view=self)
        return paginator.get_paginated_response(DistrictOutputSerializer(page, many=True).data)


class DistrictDetailApi(APIView):
    @extend_schema(responses={200: DistrictOutputSerializer})
    def get(self, request, code: str):
        return Response(DistrictOutputSerializer(selectors.district_get_for(user=request.user, code=code)).data)
