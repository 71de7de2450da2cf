"""REST: obtain a token (throttled per address), list and revoke tokens, and who am I."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from suzhou_childcare.drf import error_body, paginated_response
from suzhou_childcare.ratelimit import ChineseThrottledMixin, TokenObtainThrottle

from . import selectors
from .services import api_token_issue, api_token_revoke


class TokenObtainApi(ChineseThrottledMixin, APIView):
    """`POST {"username", "password"}` -> `{"token", "expires_at"}`; failures count towards the lockout, and
    each address may ask `RATE_LIMIT_API_TOKEN` times (429 beyond). Tokens never need the second factor."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenObtainThrottle]
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


class ApiTokenOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prefix = serializers.CharField(help_text="First characters of the key.")
    username = serializers.CharField(source="user.username")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class ApiTokenListApi(APIView):
    """Tokens: every account's for the city admin, one's own for everybody else (key prefixes only)."""

    statistics_endpoint = True

    @extend_schema(responses={200: ApiTokenOutputSerializer(many=True)})
    def get(self, request):
        return paginated_response(
            self, request, selectors.api_token_list_for(user=request.user), ApiTokenOutputSerializer
        )


class ApiTokenDetailApi(APIView):
    """`DELETE` revokes a token at once: the city admin any account's, everybody else their own (404 otherwise)."""

    statistics_endpoint = True

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        token = selectors.api_token_get_for(user=request.user, pk=pk)
        api_token_revoke(actor=request.user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
