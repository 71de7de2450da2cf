"""REST: obtain a token, and who am I."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from suzhou_childcare.drf import error_body

from .services import api_token_issue


class TokenObtainApi(APIView):
    """`POST {"username", "password"}` -> `{"token", "expires_at"}`; failures count towards the lockout."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    statistics_endpoint = True

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        expires_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer}, auth=[])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        http_request = request._request  # django-axes flags the underlying HttpRequest
        user = authenticate(http_request, **data.validated_data)
        if getattr(http_request, "axes_locked_out", False):
            from .views import lockout_response

            return lockout_response(http_request)
        if user is None or not user.is_active:
            return Response(
                error_body(code="authentication_failed", message=_("The username or password is not correct.")),
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, key = api_token_issue(user=user)
        return Response(self.OutputSerializer({"token": key, "expires_at": token.expires_at}).data)


class MeApi(APIView):
    """The account behind the request: role and jurisdiction."""

    statistics_endpoint = True

    class OutputSerializer(serializers.Serializer):
        username = serializers.CharField()
        role = serializers.CharField()
        role_display = serializers.CharField(source="get_role_display")
        district = serializers.CharField(source="district_id", allow_null=True)
        is_citywide = serializers.BooleanField()
        language = serializers.CharField()

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request):
        return Response(self.OutputSerializer(request.user).data)
