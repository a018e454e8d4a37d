"""The shipping weight of a product: what a producer may type, the messages when it is wrong,
and that it is kept and shown (the listing feed hands it to marketplaces)."""

import pytest

from producers.forms import ProductForm, WeightGramsField
from producers.models import Product
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in_producer(client, profile):
    client.force_login(profile.user)
    return client


def form(category, **extra):
    return {"name_th": "ข้าวแต๋น", "category": category.pk, "status": "active", **extra}


@pytest.mark.parametrize(
    ("typed", "grams"),
    [
        ("250", 250),
        (" 1,200 ", 1200),
        ("1 200", 1200),
        ("๒๕๐", 250),  # Thai digits
        ("250 g", 250),
        ("250กรัม", 250),
        ("1.2 kg", 1200),
        ("1.5 กก.", 1500),
        ("", None),
    ],
)
def test_what_people_write_is_understood_in_grams(typed, grams):
    assert WeightGramsField(required=False).clean(typed) == grams


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0.5", "Write the shipping weight in whole grams, for example 250 or 1200."),
        ("about 300", "Write the shipping weight in whole grams, for example 250 or 1200."),
        ("0.0004 kg", "Write the shipping weight in whole grams, for example 250 or 1200."),
        ("0", "The shipping weight is at least 1 gram."),
        ("2 000 000", "The shipping weight is at most 1,000,000 grams (one tonne)."),
    ],
)
def test_a_wrong_weight_says_what_to_write(typed, message, category):
    bound = ProductForm(form(category, weight_grams=typed))
    assert not bound.is_valid()
    assert bound.errors["weight_grams"][0].startswith(message)


def test_the_weight_comes_after_the_pack_size_on_the_form():
    names = list(ProductForm().fields)
    assert names.index("weight_grams") == names.index("pack_size") + 1


def test_a_producer_saves_the_weight_and_sees_it(logged_in_producer, category, profile):
    response = logged_in_producer.post(
        "/producer/products/new/", form(category, pack_size="200 g", weight_grams="260 g")
    )
    product = Product.objects.get()
    assert response.status_code == 302
    assert product.weight_grams == 260
    page = logged_in_producer.get(f"/producer/products/{product.pk}/").content.decode()
    assert "260 grams" in page


def test_editing_changes_and_clears_the_weight(logged_in_producer, profile, category):
    product = factories.ProductFactory(producer=profile, category=category, weight_grams=100)
    url = f"/producer/products/{product.pk}/edit/"
    assert logged_in_producer.post(url, form(category, weight_grams="1.2 kg")).status_code == 302
    product.refresh_from_db()
    assert product.weight_grams == 1200
    assert logged_in_producer.post(url, form(category, weight_grams="")).status_code == 302
    product.refresh_from_db()
    assert product.weight_grams is None


def test_a_wrong_weight_keeps_what_was_typed(logged_in_producer, category):
    response = logged_in_producer.post("/producer/products/new/", form(category, weight_grams="0"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "The shipping weight is at least 1 gram." in html
    assert 'value="ข้าวแต๋น"' in html
    assert not Product.objects.exists()


def test_the_page_says_when_the_weight_is_missing(logged_in_producer, profile):
    product = factories.ProductFactory(producer=profile)
    html = logged_in_producer.get(f"/producer/products/{product.pk}/").content.decode()
    assert "Not given yet: marketplaces need it to list the product." in html


def test_the_api_takes_the_weight_with_the_same_messages(client, profile, category):
    client.force_login(profile.user)
    created = client.post(
        "/api/v1/products/",
        {"name_th": "ชา", "category": category.code, "weight_grams": 120},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["weight_grams"] == 120
    assert Product.objects.get().weight_grams == 120
    refused = client.patch(
        f"/api/v1/products/{created.json()['id']}/",
        {"weight_grams": 0},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["weight_grams"] == ["The shipping weight is at least 1 gram."]
    too_heavy = client.patch(
        f"/api/v1/products/{created.json()['id']}/",
        {"weight_grams": 2_000_000},
        content_type="application/json",
    )
    assert too_heavy.json()["weight_grams"][0].startswith("The shipping weight is at most")


def test_the_demo_products_have_weights(db):
    from producers.demo import load_demo_producer
    from producers.models import Category

    factories.ProducerUserFactory(email="producer@demo.otop.th")
    factories.ProvinceFactory(code="50")
    Category.objects.create(code="textile", name_th="ผ้า", name_en="Textiles")
    assert load_demo_producer() == 2
    assert all(p.weight_grams for p in Product.objects.all())
