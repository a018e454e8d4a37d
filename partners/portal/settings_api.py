"""API: a partner's API keys, managed by its administrators (partners.services makes and
revokes them; partners.tokens checks them on each call).

Only a person manages keys: a call made with an API key is refused here (403), so a leaked key
cannot make itself new keys or revoke the others. The key itself is in one answer only, the
one that made it; lists show its first characters.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from otop_portal.models import Role
from partners.models import ApiToken
from partners.services import api_token_create, api_token_revoke
from partners.tokens import key_still_works


class IsPartnerAdminInPerson(permissions.BasePermission):
    """A partner administrator, calling as themselves (session or personal token), not with
    one of the partner's API keys."""

    message = gettext_lazy("Only your partner's administrators manage its API keys.")

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiToken):
            self.message = gettext_lazy(
                "An API key cannot manage API keys: log in to the portal as a partner "
                "administrator to do that."
            )
            return False
        user = request.user
        return user.role == Role.PARTNER and user.is_partner_admin


def _person(user) -> str | None:
    return None if user is None else (user.full_name or user.email)


class ApiKeySerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField(help_text="The member who made it.")
    revoked_by = serializers.SerializerMethodField(
        help_text="Who revoked it; null while it is not revoked."
    )
    works = serializers.SerializerMethodField(
        help_text="False once revoked, or when the member who made it is no longer an active "
        "member of the partner."
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
            "revoked_by",
            "works",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "prefix": {"help_text": "The key's first characters, to tell keys apart."},
            "last_used_at": {"help_text": "Updated at most once a minute."},
        }

    @extend_schema_field(serializers.CharField())
    def get_created_by(self, obj: ApiToken) -> str:
        return _person(obj.created_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_revoked_by(self, obj: ApiToken) -> str | None:
        return _person(obj.revoked_by)

    def get_works(self, obj: ApiToken) -> bool:
        return key_still_works(obj)


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.SerializerMethodField(
        help_text="The key, shown in this answer only: store it now. Send it as "
        "`Authorization: Bearer <key>`."
    )

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields

    def get_key(self, obj: ApiToken) -> str:
        return self.context["key"]


class ApiKeyCreateSerializer(serializers.Serializer):
    # Not required here: the service says what is missing, in the same words as the page.
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Which system uses the key; unique among the partner's keys not revoked. "
        "Required.",
    )


class ApiKeyRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the request's language.")


class ApiKeyInvalidSerializer(serializers.Serializer):
    name = serializers.ListField(
        child=serializers.CharField(), help_text="What is wrong with the name."
    )


_EXAMPLE_KEY = {
    "id": 7,
    "name": "Purchasing system (production)",
    "prefix": "otp_Zx8aQ2Lm",
    "created_by": "Suda Rattanakorn",
    "created_at": "2026-03-02T09:15:00+07:00",
    "last_used_at": "2026-03-05T16:40:12+07:00",
    "revoked_at": None,
    "revoked_by": None,
    "works": True,
}
_FORBIDDEN = OpenApiResponse(
    ApiKeyRefusalSerializer,
    description="Not a partner administrator, or the call was made with an API key (only a "
    "person manages keys).",
    examples=[
        OpenApiExample(
            "with a key",
            value={
                "detail": "An API key cannot manage API keys: log in to the portal as a partner "
                "administrator to do that."
            },
            status_codes=["403"],
            response_only=True,
        )
    ],
)


@extend_schema(tags=["partner keys"])
@extend_schema_view(
    list=extend_schema(
        summary="Your partner's API keys",
        description="Partner administrators: every key of the partner, working and revoked, "
        "the newest first. The keys themselves are never shown again, only their first "
        "characters.",
        responses={200: ApiKeySerializer(many=True), 403: _FORBIDDEN},
        examples=[
            OpenApiExample(
                "keys",
                value=_EXAMPLE_KEY,  # drf-spectacular puts it in a page
                response_only=True,
            )
        ],
    ),
    create=extend_schema(
        summary="Make an API key",
        description="Partner administrators, logged in as themselves. The answer holds the key "
        "(`key`), once: store it in your system now. Calls with it act as you, limited to "
        "your partner's data, and are rate limited per key.",
        request=ApiKeyCreateSerializer,
        responses={
            201: ApiKeyCreatedSerializer,
            400: OpenApiResponse(
                ApiKeyInvalidSerializer,
                description="No name, or a working key already has this name.",
                examples=[
                    OpenApiExample(
                        "name taken",
                        value={
                            "name": [
                                "This partner already has a key named “Purchasing system "
                                "(production)” that is not revoked: choose another name, or "
                                "revoke that key first."
                            ]
                        },
                        status_codes=["400"],
                        response_only=True,
                    )
                ],
            ),
            403: _FORBIDDEN,
        },
        examples=[
            OpenApiExample(
                "request",
                value={"name": "Purchasing system (production)"},
                request_only=True,
            ),
            OpenApiExample(
                "made",
                value={
                    **_EXAMPLE_KEY,
                    "last_used_at": None,
                    "key": "otp_Zx8aQ2LmR4c9Vb1nT7yK0pWq3sE6dF5gH2jU8iO1lA0",
                },
                status_codes=["201"],
                response_only=True,
            ),
        ],
    ),
)
class ApiKeyViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """A partner's API keys: list, make, revoke. Partner administrators only, logged in as
    themselves; a key of another partner is 404."""

    serializer_class = ApiKeySerializer
    permission_classes = [permissions.IsAuthenticated, IsPartnerAdminInPerson]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(partner_id=self.request.user.partner_id).select_related(
            "partner", "created_by", "revoked_by"
        )

    def create(self, request, *args, **kwargs):
        body = ApiKeyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            token, key = api_token_create(
                partner=request.user.partner,
                name=body.validated_data.get("name", ""),
                by=request.user,
            )
        except DjangoValidationError as error:
            raise _refusal(error) from None
        data = ApiKeyCreatedSerializer(token, context={"key": key}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="partner_keys_revoke",
        summary="Revoke an API key",
        description="Partner administrators, logged in as themselves. Calls with the key are "
        "refused (401) from now on; the key stays in the list as revoked. Revoking a revoked "
        "key changes nothing.",
        request=None,
        responses={
            200: ApiKeySerializer,
            403: _FORBIDDEN,
            404: OpenApiResponse(
                ApiKeyRefusalSerializer, description="No key of your partner has this id."
            ),
        },
        examples=[
            OpenApiExample(
                "revoked",
                value={
                    **_EXAMPLE_KEY,
                    "revoked_at": "2026-03-06T08:00:00+07:00",
                    "revoked_by": "Suda Rattanakorn",
                    "works": False,
                },
                response_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = self.get_object()
        try:
            api_token_revoke(token=token, by=request.user)
        except DjangoValidationError as error:
            raise _refusal(error) from None
        token = self.get_queryset().get(pk=token.pk)
        return Response(ApiKeySerializer(token).data)


def _refusal(error: DjangoValidationError):
    if getattr(error, "code", None) == "not_allowed":
        return PermissionDenied(" ".join(error.messages))
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(error.message_dict)
    return serializers.ValidationError({"non_field_errors": error.messages})
