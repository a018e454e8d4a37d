"""The API's personal-token authentication, refusing accounts that may not be used."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from otop_portal.access import account_refusal


class PersonalTokenAuthentication(TokenAuthentication):
    """DRF's `Authorization: Token <key>`; a refused account's token (otop_portal.access) is
    answered 401 with the reason."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        reason = account_refusal(user)
        if reason:
            raise exceptions.AuthenticationFailed(reason)
        return user, token
