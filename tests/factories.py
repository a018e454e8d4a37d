"""factory_boy factories for every model; tests build exactly the data they talk about."""

import factory
from allauth.account.models import EmailAddress

from otop_portal.models import Invitation, Province, Role, User
from partners.models import Partner
from producers.models import Category, CertificationType, SubCategory
from producers.reference import PERISHABLE_CATEGORIES

PASSWORD = "a-Strong-test-passw0rd"


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ["code"]

    code = "50"
    name_th = factory.LazyAttribute(
        lambda o: {"50": "เชียงใหม่", "40": "ขอนแก่น"}.get(o.code, f"จังหวัด {o.code}")
    )
    name_en = factory.LazyAttribute(
        lambda o: {"50": "Chiang Mai", "40": "Khon Kaen"}.get(o.code, f"Province {o.code}")
    )


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"partner-{n}")
    name_th = factory.LazyAttribute(lambda o: f"พาร์ทเนอร์ {o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Partner {o.code}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["code"]

    code = "food"
    name_th = "อาหาร"
    name_en = "Food"
    perishable = factory.LazyAttribute(lambda o: o.code in PERISHABLE_CATEGORIES)


class SubCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubCategory
        django_get_or_create = ["code"]

    category = factory.SubFactory(CategoryFactory)
    code = "food-processed"
    name_th = "อาหารแปรรูป"
    name_en = "Processed food"


class CertificationTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificationType
        django_get_or_create = ["code"]

    code = "fda"
    name_th = "เลขสารบบอาหาร (อย.)"
    name_en = "Thai FDA food serial number"


class UserFactory(factory.django.DjangoModelFactory):
    """A user whose email address is verified, so allauth lets them log in."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    role = Role.PRODUCER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            if extracted is not False:
                EmailAddress.objects.create(
                    user=self, email=self.email, verified=True, primary=True
                )


class ProducerUserFactory(UserFactory):
    role = Role.PRODUCER


class OfficerFactory(UserFactory):
    role = Role.OFFICER

    @factory.post_generation
    def provinces(self, create, extracted, **kwargs):
        if create:
            self.provinces.set(extracted if extracted is not None else [ProvinceFactory(code="50")])


class PartnerMemberFactory(UserFactory):
    role = Role.PARTNER
    partner = factory.SubFactory(PartnerFactory)


class AdminFactory(UserFactory):
    role = Role.ADMIN
    is_staff = True
    is_superuser = True


class InvitationFactory(factory.django.DjangoModelFactory):
    """Pass `token=...` to know the link; only its hash is stored."""

    class Meta:
        model = Invitation
        exclude = ["token"]

    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.PARTNER
    partner = factory.SubFactory(PartnerFactory)
    invited_by = factory.SubFactory(AdminFactory)
    token = factory.Sequence(lambda n: f"token-{n}")
    token_hash = factory.LazyAttribute(
        lambda o: __import__("hashlib").sha256(o.token.encode()).hexdigest()
    )


# App factories live beside their tests and are re-exported here, so every test imports
# factories from one place.
from tests.partners.factories import *  # noqa: E402,F403
from tests.producers.factories import *  # noqa: E402,F403
