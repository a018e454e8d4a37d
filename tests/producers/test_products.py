"""Products: the form's rules, ownership, star levels and constant queries on list pages."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from producers.models import Product
from producers.selectors import product_star_ratings, star_rating_is_stale
from tests import factories
from tests.helpers import assert_constant_queries
from tests.producers.factories import jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in_producer(client, profile):
    client.force_login(profile.user)
    return client


def form(category, **extra):
    return {"name_th": "ข้าวแต๋น", "category": category.pk, "status": "active", **extra}


def test_producer_adds_a_product_with_a_photo(logged_in_producer, category, profile):
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = logged_in_producer.post(
        "/producer/products/new/",
        form(
            category,
            price="35.50",
            price_unit="ถุง",
            pack_size="120 g",
            shelf_life_days="90",
            monthly_capacity="2000",
            lead_time_days="7",
            gtin="8850999220017",
            photos=[photo],
        ),
    )
    product = Product.objects.get()
    assert response["Location"] == f"/producer/products/{product.pk}/"
    assert product.producer == profile
    assert product.photos.count() == 1
    page = logged_in_producer.get(response["Location"]).content.decode()
    assert "ข้าวแต๋น" in page and "8850999220017" in page


def test_a_bad_barcode_says_what_is_wrong_and_keeps_the_form(logged_in_producer, category):
    response = logged_in_producer.post(
        "/producer/products/new/", form(category, gtin="8850999220016")
    )
    html = response.content.decode()
    assert "The last digit of this barcode does not match the others." in html
    assert 'value="ข้าวแต๋น"' in html


def test_a_sub_type_of_another_category_is_refused(logged_in_producer, category):
    textile = factories.CategoryFactory(code="textile", name_th="ผ้า", name_en="Textiles")
    cloth = factories.SubCategoryFactory(code="textile-cloth", category=textile)
    response = logged_in_producer.post(
        "/producer/products/new/", form(category, subcategory=cloth.pk)
    )
    assert "This sub-type belongs to another category." in response.content.decode()


def test_a_negative_price_is_refused(logged_in_producer, category):
    response = logged_in_producer.post("/producer/products/new/", form(category, price="-1"))
    assert response.status_code == 200
    assert not Product.objects.exists()


def test_the_thai_name_is_required(logged_in_producer, category):
    response = logged_in_producer.post("/producer/products/new/", form(category, name_th=""))
    assert "name_th" in response.context["form"].errors


def test_editing_keeps_the_product_and_adds_photos(logged_in_producer, profile):
    product = factories.ProductFactory(producer=profile)
    photo = SimpleUploadedFile("p.png", jpeg_bytes(fmt="PNG"), content_type="image/png")
    data = form(product.category, name_th="ชื่อใหม่", photos=[photo])
    assert (
        logged_in_producer.post(f"/producer/products/{product.pk}/edit/", data).status_code == 302
    )
    product.refresh_from_db()
    assert product.name_th == "ชื่อใหม่"
    assert product.photos.count() == 1
    assert product.history.count() == 2


def test_another_producers_product_does_not_exist_for_me(client, other_profile, profile):
    theirs = factories.ProductFactory(producer=other_profile)
    client.force_login(profile.user)
    assert client.get(f"/producer/products/{theirs.pk}/").status_code == 404
    assert client.post(f"/producer/products/{theirs.pk}/edit/", {"name_th": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name_th != "x"


def test_removing_a_photo(logged_in_producer, profile):
    photo = factories.ProductPhotoFactory(product=factories.ProductFactory(producer=profile))
    response = logged_in_producer.post(
        f"/producer/products/{photo.product_id}/photos/{photo.pk}/delete/"
    )
    assert response.status_code == 302
    assert not photo.product.photos.exists()


# --- Star level ---------------------------------------------------------------------------------


def stars(profile, stars_type, level, year, **kwargs):
    return factories.CertificationFactory(
        producer=profile,
        type=stars_type,
        number=f"OPC-{year}-{level}",
        issued_on=dt.date(year, 8, 1),
        star_level=level,
        award_year=year,
        **{"status": "verified", **kwargs},
    )


def test_a_products_stars_come_from_its_latest_verified_star_certificate(profile, stars_type):
    product = factories.ProductFactory(producer=profile)
    stars(profile, stars_type, 3, 2022, scope="products", products=[product])
    stars(profile, stars_type, 4, 2024, scope="products", products=[product])
    stars(profile, stars_type, 5, 2025, scope="products", products=[product], status="pending")
    rating = product_star_ratings([product], today=dt.date(2025, 6, 1))[product.pk]
    assert (rating.level, rating.award_year, rating.stale) == (4, 2024, False)


def test_a_producer_wide_star_certificate_covers_every_product(profile, stars_type):
    products = [factories.ProductFactory(producer=profile) for _ in range(2)]
    stars(profile, stars_type, 5, 2024, scope="producer")
    ratings = product_star_ratings(products, today=dt.date(2025, 1, 1))
    assert {r.level for r in ratings.values()} == {5} and len(ratings) == 2


def test_an_expired_star_certificate_does_not_count(profile, stars_type):
    product = factories.ProductFactory(producer=profile)
    stars(profile, stars_type, 5, 2022, scope="producer", expires_on=dt.date(2024, 8, 1))
    assert product_star_ratings([product], today=dt.date(2025, 1, 1)) == {}


def test_stars_are_stale_after_their_two_year_round():
    assert not star_rating_is_stale(2023, dt.date(2025, 12, 31))
    assert star_rating_is_stale(2022, dt.date(2025, 1, 1))


# --- Queries ------------------------------------------------------------------------------------


def _products_with_photos(profile):
    def add(n):
        for _ in range(n):
            factories.ProductPhotoFactory(product=factories.ProductFactory(producer=profile))

    return add


def test_product_list_keeps_a_constant_number_of_queries(logged_in_producer, profile, stars_type):
    stars(profile, stars_type, 4, 2024, scope="producer")
    assert_constant_queries(
        logged_in_producer, "/producer/products/", _products_with_photos(profile)
    )


def test_home_shows_each_products_first_photo(logged_in_producer, profile):
    """The home's list shows each product's first photo (by position), as the products' page
    does, and no picture for a product without photos."""
    with_photos = factories.ProductFactory(producer=profile, name_th="ผ้าไหมมีรูป")
    second = factories.ProductPhotoFactory(product=with_photos, position=2)
    first = factories.ProductPhotoFactory(product=with_photos, position=1)
    factories.ProductFactory(producer=profile, name_th="ผ้าไหมไม่มีรูป")
    html = logged_in_producer.get("/producer/").content.decode()
    listed = html.split('data-testid="home-products"', 1)[1].split("</ul>", 1)[0]
    items = {item.split("</a>")[0].rsplit(">", 1)[-1]: item for item in listed.split("<li>")[1:]}
    assert first.thumbnail_url in items["ผ้าไหมมีรูป"]
    assert second.thumbnail_url not in listed
    assert 'class="thumb"' not in items["ผ้าไหมไม่มีรูป"]
    products_page = logged_in_producer.get("/producer/products/").content.decode()
    assert first.thumbnail_url in products_page and second.thumbnail_url not in products_page


@pytest.mark.parametrize("language", ["th", "en"])
def test_home_lists_say_stars_status_and_expiry_in_the_readers_language(
    logged_in_producer, profile, stars_type, fda_type, language
):
    """The home's lists (Jinja2 since issue 13's seventeenth pass) say what the Django
    templates said: each product's stars with the year awarded in the reader's era and a
    note when the round is old, its status, and each certificate's expiry badge."""
    from django.utils import timezone, translation

    today = timezone.localdate()
    current = factories.ProductFactory(producer=profile, name_th="ผ้าไหมดาวใหม่")
    old = factories.ProductFactory(producer=profile, name_th="ผ้าไหมดาวเก่า")
    stars(profile, stars_type, 4, today.year, scope="products", products=[current])
    stars(profile, stars_type, 3, today.year - 3, scope="products", products=[old])
    soon = factories.CertificationFactory(
        producer=profile, type=fda_type, expires_on=today + dt.timedelta(days=10)
    )
    logged_in_producer.cookies["django_language"] = language
    html = logged_in_producer.get("/producer/").content.decode()
    listed = html.split('data-testid="home-products"', 1)[1].split("</ul>", 1)[0]
    items = {item.split("</a>")[0].rsplit(">", 1)[-1]: item for item in listed.split("<li>")[1:]}
    certificates = html.split('data-testid="home-certificates"', 1)[1].split("</ul>", 1)[0]
    year = today.year + 543 if language == "th" else today.year
    with translation.override(language):
        assert "★★★★<" in items["ผ้าไหมดาวใหม่"]
        assert (
            translation.ngettext("%(stars)s star", "%(stars)s stars", 4) % {"stars": 4}
            in (items["ผ้าไหมดาวใหม่"])
        )
        assert f"{year}" in items["ผ้าไหมดาวใหม่"].split('title="', 1)[1].split('"', 1)[0]
        assert "stale" not in items["ผ้าไหมดาวใหม่"]
        stale_note = translation.gettext("(from an earlier round: may be out of date)")
        assert 'class="stars stale"' in items["ผ้าไหมดาวเก่า"] and stale_note in items["ผ้าไหมดาวเก่า"]
        assert current.get_status_display() in items["ผ้าไหมดาวใหม่"]
        expires = translation.ngettext(
            "Expires in %(days)s day", "Expires in %(days)s days", 10
        ) % {"days": 10}
        assert f'data-testid="badge-expiring">{expires}</span>' in certificates
        assert soon.type.name in certificates


def test_home_keeps_a_constant_number_of_queries(logged_in_producer, profile, fda_type):
    def add(n):
        _products_with_photos(profile)(n)
        for _ in range(n):
            factories.CertificationFactory(
                producer=profile, type=fda_type, expires_on=dt.date.today() + dt.timedelta(days=30)
            )

    assert_constant_queries(logged_in_producer, "/producer/", add)


# --- "Ready to sell?" (issue 17) ---------------------------------------------------------------


def test_a_new_product_asks_ready_to_sell_and_defaults_to_on_sale(logged_in_producer, category):
    logged_in_producer.cookies["django_language"] = "th"
    page = logged_in_producer.get("/producer/products/new/").content.decode()
    assert "พร้อมขายแล้วหรือยัง" in page
    assert re.search(r'<input[^>]*value="active"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="draft"[^>]*checked', page)


def test_a_product_saved_as_ready_is_on_sale(logged_in_producer, category):
    data = {"name_th": "ข้าวแต๋น", "category": category.pk, "status": "active", "price": "35"}
    assert logged_in_producer.post("/producer/products/new/", data).status_code == 302
    assert Product.objects.get().status == "active"


def test_a_product_kept_as_a_draft_stays_a_draft(logged_in_producer, category):
    data = {"name_th": "ข้าวแต๋น", "category": category.pk, "status": "draft"}
    assert logged_in_producer.post("/producer/products/new/", data).status_code == 302
    assert Product.objects.get().status == "draft"


def test_without_an_answer_a_complete_product_goes_on_sale_and_an_incomplete_one_waits(
    profile, category
):
    from producers.services import product_create

    priced = product_create(
        producer=profile, data={"name_th": "ก", "category": category, "price": 5}
    )
    unpriced = product_create(producer=profile, data={"name_th": "ข", "category": category})
    assert (priced.status, unpriced.status) == ("active", "draft")
