"""REST authentication with expiring tokens: `Authorization: Token <key>`."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .services import api_token_user


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        found = api_token_user(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid or has expired; request a new one."))
        user, token = found
        translation.activate(user.language)
        return user, token
