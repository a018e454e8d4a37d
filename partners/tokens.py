"""API keys a partner's own systems call the API with (partners.models.ApiToken).

`Authorization: Bearer otp_…`. A call with a key acts as the partner member who made it
(request.user is that member, request.auth the ApiToken), so every scope rule of the API applies
unchanged. The key stops working when it is revoked, or when its maker is deactivated, is no
longer a partner member, or now belongs to another partner. Only the key's SHA-256 is stored;
the lookup is by that hash (a unique index), so no key is ever compared character by character.

DRF's own TokenAuthentication (`Authorization: Token <40 hex>`, one per user) keeps working
beside it: the two keywords never collide.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from otop_portal.access import account_refusal
from otop_portal.models import Role
from partners.models import ApiToken, PartnerStatus

KEYWORD = "Bearer"
KEY_START = "otp_"
PREFIX_LENGTH = 12  # "otp_" and 8 characters: enough to tell keys apart in the list
LAST_USED_EVERY = timedelta(minutes=1)  # at most one write a minute per key, not one per call


def new_key() -> tuple[str, str, str]:
    """A fresh key: (key, prefix shown in lists, SHA-256 hex stored)."""
    key = KEY_START + secrets.token_urlsafe(32)
    return key, key[:PREFIX_LENGTH], hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_still_works(token: ApiToken) -> bool:
    """Revoked keys, keys whose maker left the partner (or the portal), keys of a partner
    that left the MOU and keys a refused account made (otop_portal.access: a demo account with
    DEBUG off) do not work."""
    maker = token.created_by
    return (
        token.revoked_at is None
        and token.partner.status != PartnerStatus.LEFT
        and maker.is_active
        and maker.role == Role.PARTNER
        and maker.partner_id == token.partner_id
        and account_refusal(maker) is None
    )


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <key>` with a partner's API key."""

    keyword = KEYWORD

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # not ours: the next authentication class may know it
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the key as “Authorization: Bearer <key>”, with no spaces in the key.")
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("This API key is not valid.")) from None
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.select_related("created_by", "partner")
            .filter(key_hash=hash_key(key))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("This API key is not valid."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API key was revoked."))
        if token.partner.status == PartnerStatus.LEFT:
            raise exceptions.AuthenticationFailed(
                _("This partner has left the MOU: its API keys no longer work.")
            )
        reason = account_refusal(token.created_by)
        if reason:
            raise exceptions.AuthenticationFailed(reason)
        if not key_still_works(token):
            raise exceptions.AuthenticationFailed(
                _(
                    "This API key no longer works: the member who made it is no longer an "
                    "active member of the partner. Ask your partner administrator for a new key."
                )
            )
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.created_by, token

    def authenticate_header(self, request) -> str:
        return self.keyword


class ApiTokenRateThrottle(SimpleRateThrottle):
    """Calls with a partner API key, counted per key; the rate is
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["partner_key"]. Other calls are not counted here.
    Over the rate: 429 with Retry-After."""

    scope = "partner_key"

    def get_rate(self) -> str | None:
        # Read at call time (SimpleRateThrottle reads it once at import): settings overrides work.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if not isinstance(request.auth, ApiToken):
            return True
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The scheme in the OpenAPI schema (drf-spectacular finds it by the target class)."""

    target_class = "partners.tokens.ApiTokenAuthentication"
    name = "partnerKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A partner's API key (`otp_…`), made by a partner administrator on "
            "the partner settings page. The call acts as the member who made the key, limited "
            "to the partner's own data, and is rate limited per key (429 with Retry-After).",
        }
