"""factory_boy factories for the producers app (re-exported by tests/factories.py)."""

import datetime as dt
import io

import factory
from django.core.files.base import ContentFile
from PIL import Image

from producers.models import (
    Certification,
    CertificationScope,
    CertificationType,
    Producer,
    ProducerStatus,
    ProducerType,
    Product,
    ProductPhoto,
)
from producers.services import national_id_hash

__all__ = [
    "CertificationFactory",
    "ProducerFactory",
    "ProductFactory",
    "ProductPhotoFactory",
    "RegisterRecordFactory",
    "StarsTypeFactory",
    "jpeg_bytes",
    "valid_national_id",
]


def valid_national_id(seed: int) -> str:
    """A 13-digit PIN with a good check digit, different for each seed (first digit 1-8)."""
    body = f"{1 + seed % 8}{seed:011d}"[-12:]
    body = str(1 + seed % 8) + body[1:]
    total = sum((13 - i) * int(d) for i, d in enumerate(body))
    return body + str((11 - total % 11) % 10)


def jpeg_bytes(size=(64, 48), color=(200, 80, 20), fmt="JPEG", **save_args) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **save_args)
    return out.getvalue()


class ProducerFactory(factory.django.DjangoModelFactory):
    """A complete, submitted community group in Chiang Mai (Mueang, Si Phum, 50200)."""

    class Meta:
        model = Producer
        django_get_or_create = ["user"]

    user = factory.SubFactory("tests.factories.ProducerUserFactory")
    producer_type = ProducerType.COMMUNITY_GROUP
    name_th = factory.Sequence(lambda n: f"กลุ่มทอผ้าบ้าน {n}")
    name_en = factory.Sequence(lambda n: f"Weavers group {n}")
    national_id = factory.Sequence(lambda n: valid_national_id(n + 1000))
    national_id_hash = factory.LazyAttribute(lambda o: national_id_hash(o.national_id))
    house_no = "12"
    moo = "3"
    province = factory.SubFactory("tests.factories.ProvinceFactory", code="50")
    district_code = "5001"
    subdistrict_code = "500101"
    postal_code = "50200"
    phone = "0812345678"
    member_count = 12
    community_roles = factory.LazyFunction(lambda: ["production"])
    privacy_consent_version = "2025-11"
    privacy_consented_at = factory.LazyFunction(lambda: dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    status = ProducerStatus.SUBMITTED
    registration_step = 4


class RegisterRecordFactory(ProducerFactory):
    """A producer brought in from the national register: verified, with no account yet."""

    class Meta:
        model = Producer
        django_get_or_create = ()

    user = None
    status = ProducerStatus.VERIFIED
    privacy_consent_version = ""  # nobody has accepted the notice for it yet
    privacy_consented_at = None
    community_roles = factory.LazyFunction(list)
    register_key_hash = factory.LazyAttribute(
        lambda o: national_id_hash(f"register:{o.national_id}")
    )


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    producer = factory.SubFactory(ProducerFactory)
    name_th = factory.Sequence(lambda n: f"ผ้าไหม {n}")
    category = factory.SubFactory("tests.factories.CategoryFactory")
    price = 350
    price_unit = "ผืน"
    status = "active"


class ProductPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductPhoto

    product = factory.SubFactory(ProductFactory)
    image = factory.LazyFunction(lambda: ContentFile(jpeg_bytes(), name="p.jpg"))
    thumbnail = factory.LazyFunction(lambda: ContentFile(jpeg_bytes((32, 24)), name="t.jpg"))


class StarsTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificationType
        django_get_or_create = ["code"]

    code = "otop-stars"
    name_th = "ดาว OTOP Product Champion (OPC)"
    name_en = "OTOP Product Champion (OPC) stars"


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification
        skip_postgeneration_save = True

    producer = factory.SubFactory(ProducerFactory)
    type = factory.SubFactory("tests.factories.CertificationTypeFactory")
    number = factory.Sequence(lambda n: f"5012345{n:06d}"[:13])
    issuer = "สำนักงานสาธารณสุขจังหวัด"
    issued_on = dt.date(2024, 1, 15)
    expires_on = None
    scope = CertificationScope.PRODUCER

    @factory.post_generation
    def products(self, create, extracted, **kwargs):
        if create and extracted:
            self.products.set(extracted)
