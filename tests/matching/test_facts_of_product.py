"""A referral's page explains the fit from the product and the certificates it read to show
them (matching.selectors.facts_of_product, issue 13): those are the facts the re-score reads
(product_facts), whatever the product, its producer and its certificates are, and reading them
costs no statement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from matching.selectors import facts_of_product, facts_of_products, product_facts
from partners.portal.selectors import covering_certificates, partner_referral
from producers.models import CertificationStatus, Producer, Product
from producers.selectors import certifications_covering
from tests import factories
from tests.partners.matrix_rows_portal import sent_referrals

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(officer, partner_org):
    channel = factories.ChannelFactory(partner=partner_org, code="central-shelf")
    (made,) = sent_referrals(
        1, channel=channel, officer=officer, gtin="8850123456786", shelf_life_days=365
    )
    product = made.product
    producer = product.producer
    today = timezone.localdate()
    fda = factories.CertificationTypeFactory(code="fda", name_en="FDA")
    halal = factories.CertificationTypeFactory(code="halal", name_en="Halal")
    stars = factories.StarsTypeFactory()
    other_product = factories.ProductFactory(producer=producer)
    for cert_type, status, expires_on, scope, products in (
        (fda, CertificationStatus.VERIFIED, today + dt.timedelta(days=300), "producer", None),
        (halal, CertificationStatus.VERIFIED, today - dt.timedelta(days=3), "producer", None),
        (halal, CertificationStatus.PENDING, None, "producer", None),
        (fda, CertificationStatus.REJECTED, None, "producer", None),
        (stars, CertificationStatus.VERIFIED, None, "products", [product]),
        (stars, CertificationStatus.VERIFIED, None, "products", [other_product]),
    ):
        _certificate(producer, cert_type, status, scope, products, 4, expires_on=expires_on)
    return made


def _certificate(producer, cert_type, status, scope, products, stars_awarded, **more):
    """A certificate of `producer`; one of the OTOP stars type awards `stars_awarded` this year."""
    is_stars = cert_type.code == "otop-stars"
    factories.CertificationFactory(
        producer=producer,
        type=cert_type,
        status=status,
        scope=scope,
        products=products,
        star_level=stars_awarded if is_stars else None,
        award_year=timezone.localdate().year if is_stars else None,
        **more,
    )


def _with_subtype(product: Product) -> None:
    product.subcategory = factories.SubCategoryFactory(category=product.category)
    product.save()


CHANGES = {
    "as sent": lambda product: None,
    "with a sub-type": _with_subtype,
    "of a producer without a province": lambda product: Producer.objects.filter(
        pk=product.producer_id
    ).update(province=None),
    "no longer on sale": lambda product: Product.objects.filter(pk=product.pk).update(
        status="discontinued"
    ),
    "of an erased producer": lambda product: Producer.objects.filter(pk=product.producer_id).update(
        erased_at=F("created_at")
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_the_pages_facts_are_the_rescores(change, referral, partner, django_assert_num_queries):
    today = timezone.localdate()
    CHANGES[change](referral.product)
    read = partner_referral(partner, referral.pk)  # as the page reads it
    certifications = covering_certificates(read.product)
    with django_assert_num_queries(0):
        facts = facts_of_product(read.product, certifications, today)
    expected = product_facts([referral.product_id], today)
    assert facts == (expected[0] if expected else None)
    # Given the rejected ones too, it leaves them out as the re-score does.
    every = list(certifications_covering(read.product_id, read.product.producer_id))
    assert len(every) == len(certifications) + 1
    assert facts_of_product(read.product, every, today) == facts
    if change in ("as sent", "with a sub-type"):
        # The current FDA, the expired and the pending Halal, the stars naming this product;
        # not the rejected FDA nor the stars naming another product.
        assert sorted((c.type, c.verified) for c in facts.certificates) == [
            ("fda", True),
            ("halal", False),
            ("halal", True),
            ("otop-stars", True),
        ]
        assert facts.star_level == 4
        assert facts.subcategory == (None if change == "as sent" else read.product.subcategory.code)
    elif change == "of a producer without a province":
        assert facts.province is None and facts.certificates
    else:  # not matched: no facts, as the re-score leaves the product out
        assert facts is None


def test_the_producers_home_reads_the_facts_the_rescore_reads(db, django_assert_num_queries):
    """The producer's home, which lists all of a producer's products and certificates, works
    out their matching facts from those rows (facts_of_products): the facts product_facts
    reads, of the products on sale only, in the same order."""
    from producers.selectors import home_certifications, home_products, producer_for_user

    producer = factories.ProducerFactory()
    today = timezone.localdate()
    food = factories.CategoryFactory(code="food")
    on_sale = [
        factories.ProductFactory(producer=producer, category=food, gtin="8850123456786"),
        factories.ProductFactory(
            producer=producer, subcategory=factories.SubCategoryFactory(category=food)
        ),
        factories.ProductFactory(producer=producer, shelf_life_days=90),
    ]
    factories.ProductFactory(producer=producer, status="draft")
    factories.ProductFactory(producer=producer, status="discontinued")
    factories.ProductFactory()  # another producer's
    fda = factories.CertificationTypeFactory(code="fda", name_en="FDA")
    stars = factories.StarsTypeFactory()
    for cert_type, status, scope, products in (
        (fda, CertificationStatus.VERIFIED, "producer", None),
        (fda, CertificationStatus.REJECTED, "producer", None),
        (stars, CertificationStatus.VERIFIED, "products", [on_sale[1]]),
        (stars, CertificationStatus.PENDING, "products", on_sale[1:]),
    ):
        _certificate(producer, cert_type, status, scope, products, 3)

    read = producer_for_user(producer.user)
    products = home_products(producer=read, limit=20)
    certifications = home_certifications(producer=read, limit=20)
    with django_assert_num_queries(0):
        facts = facts_of_products(products, certifications, today)
    assert facts == product_facts(None, today, producer_id=producer.pk)
    assert [f.product_id for f in facts] == sorted(p.pk for p in on_sale)
    assert [f.star_level for f in facts] == [None, 3, None]
    assert [len(f.certificates) for f in facts] == [1, 3, 2]
