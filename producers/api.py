"""The producer's own data over the API: profile, products, photos, certificates.

Only producers use these endpoints (others get 403; the officers' API comes with the review
issue). Each producer reaches only their own rows: another producer's ids answer 404. Field
rules are producers.validators and cross-field rules producers.services, as in the forms, so
the messages are the same.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from otop_portal.api_errors import Conflict
from otop_portal.api_schema import RefusalSerializer
from otop_portal.models import Province, Role
from producers import selectors, services, validators
from producers.filters import CertificationFilter, ProductFilter, ProductPhotoFilter
from producers.forms import WEIGHT_ERRORS, WEIGHT_MAX_GRAMS
from producers.models import (
    CERTIFICATION_FIELDS,
    PRODUCT_FIELDS,
    STEP_FIELDS,
    Category,
    Certification,
    CertificationType,
    CommunityRole,
    Producer,
    Product,
    ProductPhoto,
    SubCategory,
)


class IsProducer(permissions.BasePermission):
    message = "Only producer accounts use the producer endpoints."

    def has_permission(self, request, view):
        return bool(request.user.is_authenticated and request.user.role == Role.PRODUCER)


def _drf_error(error: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(
            {
                field: [str(m) for m in errs[0].messages]
                if len(errs) == 1
                else [str(m) for e in errs for m in e.messages]
                for field, errs in error.error_dict.items()
            }
        )
    return serializers.ValidationError({"non_field_errors": error.messages})


class OwnProducerMixin:
    permission_classes = [permissions.IsAuthenticated, IsProducer]

    def producer(self) -> Producer:
        if not hasattr(self, "_producer"):
            self._producer = services.producer_get_or_create_draft(user=self.request.user)
        return self._producer


# --- Profile ------------------------------------------------------------------------------------


# What only the portal changes on a profile: read back, never written through the API.
PORTAL_FIELDS = [
    "status",
    "return_reason",
    "registration_step",
    "privacy_consent_version",
    "privacy_consented_at",
]


class ProducerProfileSerializer(serializers.ModelSerializer):
    national_id = serializers.CharField(
        required=False, help_text="13 digits. Read back as the owner sees it (in full)."
    )
    province = serializers.SlugRelatedField(
        slug_field="code", queryset=Province.objects.all(), required=False, allow_null=True
    )
    community_roles = serializers.MultipleChoiceField(choices=CommunityRole.choices, required=False)

    class Meta:
        model = Producer
        # The registration steps' fields, then what only the portal changes.
        fields = [
            *(name for names in STEP_FIELDS.values() for name in names),
            *PORTAL_FIELDS,
        ]
        read_only_fields = PORTAL_FIELDS

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["national_id"] = selectors.producer_national_id_for(
            self.context["request"].user, instance
        )
        data["community_roles"] = list(instance.community_roles)
        return data

    def validate_national_id(self, value):
        return validators.validate_national_id(value)

    def validate_juristic_id(self, value):
        return validators.validate_juristic_id(value) if value else ""

    def validate_community_enterprise_code(self, value):
        return validators.validate_community_enterprise_code(value) if value else ""

    def validate_phone(self, value):
        return validators.validate_phone(value) if value else ""

    def validate_line_id(self, value):
        return validators.validate_line_id(value)

    def validate_community_roles(self, value):
        return sorted(value)

    def validate_name_th(self, value):
        if not value.strip():
            raise serializers.ValidationError("Type the name in Thai.")
        return value


@extend_schema(tags=["producer"])
class ProducerProfileView(OwnProducerMixin, generics.RetrieveUpdateAPIView):
    """The producer's own profile. PATCH saves what is sent (a draft may be incomplete)."""

    serializer_class = ProducerProfileSerializer

    def get_object(self):
        return self.producer()

    def perform_update(self, serializer):
        data = serializer.validated_data
        producer = serializer.instance
        try:
            with transaction.atomic():
                for step, fields in STEP_FIELDS.items():
                    part = {f: data[f] for f in fields if f in data}
                    if part:
                        producer = services.producer_save_step(
                            producer=producer, step=step, data=part, by=self.request.user
                        )
        except DjangoValidationError as error:
            raise _drf_error(error) from None
        serializer.instance = producer


class SubmitSerializer(serializers.Serializer):
    consent = serializers.BooleanField(help_text="Agree to the privacy notice.")


@extend_schema(tags=["producer"], request=SubmitSerializer, responses=ProducerProfileSerializer)
class ProducerSubmitView(OwnProducerMixin, generics.GenericAPIView):
    """Agree to the privacy notice and send the profile for review."""

    serializer_class = SubmitSerializer

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            producer = services.producer_submit(
                producer=self.producer(),
                by=request.user,
                consent=serializer.validated_data["consent"],
            )
        except DjangoValidationError as error:
            raise _drf_error(error) from None
        return Response(ProducerProfileSerializer(producer, context={"request": request}).data)


# --- Products -----------------------------------------------------------------------------------


class ProductPhotoSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.none())
    image = serializers.ImageField(write_only=False, use_url=True)
    thumbnail = serializers.ImageField(read_only=True, use_url=True)

    class Meta:
        model = ProductPhoto
        fields = ["id", "product", "image", "thumbnail", "width", "height", "position"]
        read_only_fields = ["width", "height", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["product"].queryset = Product.objects.filter(producer__user=request.user)
        # The upload is checked by producers.uploads (content, size, pixels), not by DRF.
        self.fields["image"] = serializers.FileField(use_url=True)


class PhotoSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductPhoto
        fields = ["id", "image", "thumbnail", "width", "height", "position"]


class ProductSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.all())
    subcategory = serializers.SlugRelatedField(
        slug_field="code", queryset=SubCategory.objects.all(), required=False, allow_null=True
    )
    weight_grams = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=WEIGHT_MAX_GRAMS,
        error_messages=WEIGHT_ERRORS,
        help_text="Shipping weight of one unit as sold, packed, in whole grams (1 to 1,000,000).",
    )
    photos = PhotoSummarySerializer(many=True, read_only=True)
    star_level = serializers.SerializerMethodField()
    star_award_year = serializers.SerializerMethodField()
    star_rating_stale = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            *PRODUCT_FIELDS,
            "photos",
            "star_level",
            "star_award_year",
            "star_rating_stale",
            "created_at",
            "updated_at",
        ]

    def _rating(self, obj):
        return self.context.get("ratings", {}).get(obj.pk)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_star_level(self, obj):
        rating = self._rating(obj)
        return rating.level if rating else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_star_award_year(self, obj):
        rating = self._rating(obj)
        return rating.award_year if rating else None

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_star_rating_stale(self, obj):
        rating = self._rating(obj)
        return rating.stale if rating else None

    def validate_gtin(self, value):
        return validators.validate_gtin(value) if value else ""


PRODUCT_IS_REFERRED = gettext_lazy(
    "This product has been put forward to partners, so it is kept with its history. Set its "
    "status to “Discontinued” instead."
)


@extend_schema(tags=["producer"])
@extend_schema_view(
    destroy=extend_schema(
        responses={
            204: OpenApiResponse(description="Deleted."),
            409: OpenApiResponse(
                RefusalSerializer, description="It has referrals: it is kept (discontinue it)."
            ),
        }
    )
)
class ProductViewSet(OwnProducerMixin, viewsets.ModelViewSet):
    """The producer's own products."""

    serializer_class = ProductSerializer
    filterset_class = ProductFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Product.objects.none()
        return selectors.product_list(producer=self.producer())

    def get_serializer(self, *args, **kwargs):
        if args and isinstance(args[0], list | Product):
            objs = args[0] if isinstance(args[0], list) else [args[0]]
            context = self.get_serializer_context()
            context["ratings"] = selectors.product_star_ratings(objs)
            kwargs["context"] = context
        return super().get_serializer(*args, **kwargs)

    def perform_create(self, serializer):
        try:
            serializer.instance = services.product_create(
                producer=self.producer(), data=serializer.validated_data
            )
        except DjangoValidationError as error:
            raise _drf_error(error) from None

    def perform_update(self, serializer):
        try:
            serializer.instance = services.product_update(
                product=serializer.instance, data=serializer.validated_data
            )
        except DjangoValidationError as error:
            raise _drf_error(error) from None

    def perform_destroy(self, instance):
        try:
            instance.delete()
        except ProtectedError:
            # Referrals (and their history) point at it: they are kept, and so is the product.
            raise Conflict(PRODUCT_IS_REFERRED) from None


@extend_schema(tags=["producer"])
class ProductPhotoViewSet(
    OwnProducerMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Photos of the producer's own products: upload (multipart), list, delete."""

    serializer_class = ProductPhotoSerializer
    filterset_class = ProductPhotoFilter
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProductPhoto.objects.none()
        return ProductPhoto.objects.filter(product__producer__user=self.request.user).order_by(
            "product_id", "position", "pk"
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            photo = services.product_photo_add(
                product=serializer.validated_data["product"],
                upload=serializer.validated_data["image"],
            )
        except DjangoValidationError as error:
            error = _drf_error(error)
            if "photos" in error.detail:
                error.detail["image"] = error.detail.pop("photos")
            raise error from None
        return Response(self.get_serializer(photo).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.product_photo_delete(photo=instance)


# --- Certification records ----------------------------------------------------------------------


class CertificationSerializer(serializers.ModelSerializer):
    type = serializers.SlugRelatedField(slug_field="code", queryset=CertificationType.objects.all())
    products = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Product.objects.none(), required=False
    )
    document = serializers.FileField(write_only=True, required=False)
    has_document = serializers.SerializerMethodField()
    expiry_state = serializers.SerializerMethodField()

    class Meta:
        model = Certification
        fields = [
            "id",
            *CERTIFICATION_FIELDS,
            "document",
            "has_document",
            "status",
            "reject_reason",
            "expiry_state",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "reject_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["products"].child_relation.queryset = Product.objects.filter(
                producer__user=request.user
            )

    @extend_schema_field(serializers.BooleanField())
    def get_has_document(self, obj) -> bool:
        return bool(obj.document)

    @extend_schema_field(serializers.ChoiceField(choices=["", "expiring", "expired"]))
    def get_expiry_state(self, obj) -> str:
        return obj.expiry_state()


@extend_schema(tags=["producer"])
class CertificationViewSet(OwnProducerMixin, viewsets.ModelViewSet):
    """The producer's own certification records (multipart to send the scanned document)."""

    serializer_class = CertificationSerializer
    filterset_class = CertificationFilter
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Certification.objects.none()
        return selectors.certification_list(producer=self.producer())

    def _split(self, serializer):
        data = dict(serializer.validated_data)
        products = data.pop("products", None)
        document = data.pop("document", None)
        return data, products, document

    def perform_create(self, serializer):
        data, products, document = self._split(serializer)
        try:
            serializer.instance = services.certification_create(
                producer=self.producer(), data=data, products=products, document=document
            )
        except DjangoValidationError as error:
            raise _drf_error(error) from None

    def perform_update(self, serializer):
        data, products, document = self._split(serializer)
        try:
            serializer.instance = services.certification_update(
                certification=serializer.instance, data=data, products=products, document=document
            )
        except DjangoValidationError as error:
            raise _drf_error(error) from None

    def perform_destroy(self, instance):
        raise PermissionDenied("Certification records are kept; change or replace them instead.")
