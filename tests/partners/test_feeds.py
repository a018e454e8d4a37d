"""The listing feed: the files (CSV, Excel, JSON) a partner downloads of the products its
channels accepted, their columns, and the signed image links they carry."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
from types import SimpleNamespace

import pytest
from django.core import signing
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from matching.models import Referral, ReferralState
from partners.models import ContactView
from partners.portal import feeds
from producers.models import CertificationStatus, ProducerStatus
from tests import factories
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db
S = ReferralState
DOWNLOAD = "/partner/feed/download/"


@pytest.fixture
def channel(partner_org):
    return factories.ChannelFactory(partner=partner_org, code="central-shelf")


@pytest.fixture
def partner_client(client, partner):
    client.cookies["django_language"] = "en"
    client.force_login(partner)
    return client


def _referral(channel, *, state=S.ACCEPTED, officer=None, **product) -> Referral:
    """A referral in `state` of a new product of a verified Chiang Mai producer. Made
    directly: how referrals move is tested in tests/matching."""
    profile = factories.ProducerFactory(
        province=factories.ProvinceFactory(code="50"), status=ProducerStatus.VERIFIED
    )
    made = factories.ProductFactory(producer=profile, **product)
    extra = (
        {"listing_url": "https://shop.example/p/1", "listed_on": dt.date(2026, 11, 1)}
        if state == S.LISTED
        else {}
    )
    return Referral.objects.create(
        product=made,
        channel=channel,
        state=state,
        proposed_by=officer or factories.OfficerFactory(),
        **extra,
    )


def _content(response) -> bytes:
    assert response.status_code == 200, response.content
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _csv_rows(response) -> list[list[str]]:
    raw = _content(response)
    assert raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark: Excel would garble the Thai"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def _json(response) -> dict:
    return json.loads(_content(response).decode("utf-8"))


# --- The files ----------------------------------------------------------------------------------


def test_the_csv_has_the_required_columns_and_the_thai_intact(partner_client, channel):
    referral = _referral(
        channel,
        name_th="น้ำพริกหนุ่ม",
        name_en="Green chilli dip",
        description="เผ็ดกำลังดี",
        gtin="8850999220017",
        weight_grams=260,
        shelf_life_days=180,
    )
    factories.ProductPhotoFactory(product=referral.product)
    rows = _csv_rows(partner_client.get(DOWNLOAD, {"format": "csv", "headers": "code"}))
    header, row = rows[0], rows[1]
    missing = set(feeds.REQUIRED_COLUMNS) - set(header)
    assert not missing, f"required columns missing: {missing}"
    assert header == list(feeds.COLUMN_NAMES)
    cells = dict(zip(header, row, strict=True))
    assert cells["name_th"] == "น้ำพริกหนุ่ม" and cells["description"] == "เผ็ดกำลังดี"
    assert cells["sku"] == "8850999220017"
    assert (cells["weight_grams"], cells["shelf_life_days"], cells["price"]) == (
        "260",
        "180",
        "350.00",
    )
    assert cells["image_1"].startswith("http://testserver/feed/images/")
    assert cells["image_2"] == ""
    assert len(rows) == 2


def test_the_headers_are_in_the_readers_language(client, partner, channel):
    _referral(channel)
    client.force_login(partner)
    client.cookies["django_language"] = "th"
    with_words = _csv_rows(client.get(DOWNLOAD, {"format": "csv"}))[0]
    from django.utils import translation

    with translation.override("th"):
        expected = feeds.headers("label")
    assert with_words == expected
    assert with_words[0] != "sku"


def test_the_excel_file_loads_with_thai_text_and_barcodes_as_text(partner_client, channel):
    with_barcode = _referral(channel, name_th="ผ้าไหมยกดอก", gtin="0885099922001")
    without = _referral(channel, name_th="ย่ามผ้าฝ้าย")
    response = partner_client.get(DOWNLOAD, {"format": "xlsx", "headers": "code"})
    assert response["Content-Type"] == feeds.CONTENT_TYPES["xlsx"]
    assert response["Content-Disposition"].startswith('attachment; filename="otop-feed-central-')
    sheet = load_workbook(io.BytesIO(_content(response)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert set(feeds.REQUIRED_COLUMNS) <= set(header)
    by_name = {
        row[header.index("name_th")]: dict(zip(header, row, strict=True)) for row in rows[1:]
    }
    assert by_name["ผ้าไหมยกดอก"]["sku"] == "0885099922001"  # text: the leading 0 stays
    assert by_name["ย่ามผ้าฝ้าย"]["sku"] == f"OTOP-{without.product_id}"
    assert by_name["ผ้าไหมยกดอก"]["referral_id"] == with_barcode.pk


def test_a_formula_in_a_product_reaches_the_spreadsheet_as_text(partner_client, channel):
    _referral(
        channel,
        name_th='=HYPERLINK("http://evil.example","คลิก")',
        description="+66 81 234 5678",
    )
    rows = _csv_rows(partner_client.get(DOWNLOAD, {"format": "csv", "headers": "code"}))
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["name_th"] == '\'=HYPERLINK("http://evil.example","คลิก")'
    assert cells["description"].startswith("'+66")
    sheet = load_workbook(
        io.BytesIO(_content(partner_client.get(DOWNLOAD, {"format": "xlsx", "headers": "code"})))
    ).active
    header = [c.value for c in sheet[1]]
    name = sheet.cell(row=2, column=header.index("name_th") + 1)
    assert name.data_type == "s" and name.value.startswith("'=")


def test_the_json_file_lists_the_same_rows_with_machine_names(partner_client, channel):
    referral = _referral(channel, state=S.LISTED, name_th="ข้าวแต๋น")
    response = partner_client.get(DOWNLOAD, {"format": "json", "channel": "central-shelf"})
    assert response["Content-Type"] == "application/json"
    data = _json(response)
    assert data["channel"] == "central-shelf"
    assert [c["name"] for c in data["columns"]] == list(feeds.COLUMN_NAMES)
    (item,) = data["items"]
    assert item["name_th"] == "ข้าวแต๋น"
    assert (item["state"], item["listing_url"], item["listed_on"]) == (
        "listed",
        "https://shop.example/p/1",
        "2026-11-01",
    )
    assert item["referral_id"] == referral.pk
    assert "ข้าวแต๋น".encode() in _content(partner_client.get(DOWNLOAD, {"format": "json"})), (
        "Thai is written as it is, not as \\u escapes"
    )


# --- Who sees what ------------------------------------------------------------------------------


def test_only_the_partners_own_accepted_and_listed_products_are_in_it(
    partner_client, channel, other_partner_org
):
    accepted = _referral(channel)
    listed = _referral(channel, state=S.LISTED)
    _referral(channel, state=S.SENT)  # not decided yet
    _referral(channel, state=S.DECLINED)
    _referral(channel, state=S.WITHDRAWN)
    _referral(channel, status="discontinued")  # no longer on sale
    theirs = factories.ChannelFactory(partner=other_partner_org, code="shopee-shop")
    _referral(theirs)
    data = _json(partner_client.get(DOWNLOAD, {"format": "json"}))
    assert sorted(i["referral_id"] for i in data["items"]) == sorted([accepted.pk, listed.pk])


def test_another_partners_channel_cannot_be_named(partner_client, channel, other_partner_org):
    theirs = factories.ChannelFactory(partner=other_partner_org, code="shopee-shop")
    _referral(theirs)
    response = partner_client.get(DOWNLOAD, {"format": "csv", "channel": "shopee-shop"})
    assert response.status_code == 400
    assert "None of your channels has the code “shopee-shop”" in response.content.decode()
    page = partner_client.get("/partner/feed/", {"channel": "shopee-shop"})
    assert "None of your channels has this code" in page.content.decode()
    assert page.context["summary"] is None


def test_a_channel_narrows_the_feed_to_it(partner_client, channel, partner_org):
    mine = _referral(channel)
    other_channel = factories.ChannelFactory(partner=partner_org, code="central-online")
    _referral(other_channel)
    data = _json(partner_client.get(DOWNLOAD, {"format": "json", "channel": "central-shelf"}))
    assert [i["referral_id"] for i in data["items"]] == [mine.pk]


def test_a_bad_format_is_refused_with_a_message(partner_client, channel):
    response = partner_client.get(DOWNLOAD, {"format": "pdf"})
    assert response.status_code == 400
    assert "Choose the CSV, Excel (XLSX) or JSON format." in response.content.decode()


def test_no_personal_contact_details_and_no_contact_view(partner_client, channel):
    referral = _referral(channel)
    producer = referral.product.producer
    raw = _content(partner_client.get(DOWNLOAD, {"format": "json"})).decode()
    for personal in (producer.phone, producer.national_id, producer.user.email, producer.name_th):
        assert personal not in raw
    assert not ContactView.objects.exists()


def test_certificates_are_the_verified_unexpired_ones_covering_the_product(
    partner_client, channel, fda, halal, tcps
):
    referral = _referral(channel)
    product, producer = referral.product, referral.product.producer
    other_product = factories.ProductFactory(producer=producer)
    verified = {"status": CertificationStatus.VERIFIED}
    factories.CertificationFactory(
        producer=producer, type=fda, number="50-2-01234-2-0001", scope="products",
        products=[product], **verified,
    )  # fmt: skip
    factories.CertificationFactory(
        producer=producer, type=tcps, number="มผช. 1555/2563", scope="producer",
        expires_on=dt.date(2099, 1, 1), **verified,
    )  # fmt: skip
    factories.CertificationFactory(  # another product's
        producer=producer, type=halal, number="H-OTHER", scope="products",
        products=[other_product], **verified,
    )  # fmt: skip
    factories.CertificationFactory(  # expired
        producer=producer, type=halal, number="H-OLD", scope="producer",
        issued_on=dt.date(2020, 1, 1), expires_on=dt.date(2021, 1, 1), **verified,
    )  # fmt: skip
    factories.CertificationFactory(  # not verified yet
        producer=producer, type=halal, number="H-PENDING", scope="producer"
    )
    (item,) = _json(partner_client.get(DOWNLOAD, {"format": "json"}))["items"]
    assert item["fda_number"] == "50-2-01234-2-0001"
    assert [(c["type"], c["number"]) for c in item["certificates"]] == [
        ("fda", "50-2-01234-2-0001"),
        ("tcps", "มผช. 1555/2563"),
    ]
    rows = _csv_rows(partner_client.get(DOWNLOAD, {"format": "csv", "headers": "code"}))
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert "50-2-01234-2-0001" in cells["certificates"]
    assert "มผช. 1555/2563 (valid until 2099-01-01)" in cells["certificates"]
    assert "H-" not in cells["certificates"]


def test_the_otop_stars_column_reads_the_current_rating(partner_client, channel):
    referral = _referral(channel)
    factories.CertificationFactory(
        producer=referral.product.producer,
        type=factories.StarsTypeFactory(),
        number="OPC-1",
        scope="producer",
        status=CertificationStatus.VERIFIED,
        star_level=4,
        award_year=dt.date.today().year - 1,
    )
    (item,) = _json(partner_client.get(DOWNLOAD, {"format": "json"}))["items"]
    assert (item["otop_stars"], item["otop_stars_year"]) == (4, dt.date.today().year - 1)
    assert item["certificates"] == []  # the rating has its own column


# --- Signed image links -------------------------------------------------------------------------


def _first_image_link(partner_client, channel) -> tuple[str, bytes]:
    referral = _referral(channel)
    photo = factories.ProductPhotoFactory(product=referral.product)
    (item,) = _json(partner_client.get(DOWNLOAD, {"format": "json"}))["items"]
    with photo.image.open("rb") as handle:
        return item["images"][0], handle.read()


def test_a_signed_image_link_works_without_a_login(partner_client, client, channel):
    link, original = _first_image_link(partner_client, channel)
    client.logout()
    response = client.get(link.removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == original
    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert 0 < max_age <= feeds.DEFAULT_IMAGE_LINK_HOURS * 3600


def test_the_link_answers_410_once_it_has_expired(partner_client, client, channel, monkeypatch):
    link, _original = _first_image_link(partner_client, channel)
    client.logout()
    path = link.removeprefix("http://testserver")
    later = time.time() + (feeds.DEFAULT_IMAGE_LINK_HOURS + 1) * 3600
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later))
    response = client.get(path)
    assert response.status_code == 410
    message = "This image link has expired. Download the feed again for fresh links."
    with translation.override("th"):  # pages are in Thai unless the reader chose English
        thai = translation.gettext(message)
    assert thai != message
    assert response.content.decode() == thai


def _token_signed_hours_ago(monkeypatch, photo_id: int, hours: float) -> str:
    then = int(time.time() - hours * 3600)
    with monkeypatch.context() as patched:
        patched.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(then))
        return feeds.image_token(photo_id)


def test_a_link_just_before_expiry_works_and_is_cached_only_until_then(client, monkeypatch):
    photo = factories.ProductPhotoFactory()
    token = _token_signed_hours_ago(monkeypatch, photo.pk, feeds.DEFAULT_IMAGE_LINK_HOURS - 1)
    response = client.get(reverse("partners:feed_image", args=[token]))
    assert response.status_code == 200
    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert 3500 < max_age <= 3600


def test_the_link_lifetime_follows_the_setting(client, settings, monkeypatch):
    settings.FEED_IMAGE_LINK_HOURS = 1
    photo = factories.ProductPhotoFactory()
    token = _token_signed_hours_ago(monkeypatch, photo.pk, 2)
    assert client.get(reverse("partners:feed_image", args=[token])).status_code == 410


def test_a_tampered_or_foreign_token_is_404(client):
    photo = factories.ProductPhotoFactory()
    other = factories.ProductPhotoFactory()
    token = feeds.image_token(photo.pk)
    value, stamp, signature = token.split(":")
    tampered = [
        f"{other.pk}:{stamp}:{signature}",  # another photo's id with this signature
        f"{value}:{stamp}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        signing.TimestampSigner().sign(str(photo.pk)),  # signed, but not for feed images
        "not-a-token",
    ]
    for bad in tampered:
        assert client.get(reverse("partners:feed_image", args=[bad])).status_code == 404, bad


def test_a_photo_removed_since_is_404(client):
    photo = factories.ProductPhotoFactory()
    token = feeds.image_token(photo.pk)
    photo.delete()
    assert client.get(reverse("partners:feed_image", args=[token])).status_code == 404


# --- The page -----------------------------------------------------------------------------------


def test_the_page_counts_the_products_and_links_the_three_formats(partner_client, channel):
    _referral(channel, weight_grams=300)
    _referral(channel, state=S.LISTED)  # no weight
    html = partner_client.get("/partner/feed/", {"channel": "central-shelf"}).content.decode()
    assert 'data-testid="feed-count">2 products<' in html
    assert "1 accepted, 1 listed." in html
    assert "1 product has no shipping weight yet" in html
    for fmt in ("csv", "xlsx", "json"):
        assert f'data-testid="feed-download-{fmt}"' in html
        assert f"{DOWNLOAD}?format={fmt}&amp;channel=central-shelf&amp;headers=label" in html


def _feed_form(html: str) -> str:
    start = html.index('data-testid="feed-form"')
    return html[start : html.index('<div class="actions">', start)]


def test_the_choice_form_is_kept_rendered_and_says_each_partner_its_own_channels(
    client, partner, other_partner, channel, other_partner_org, monkeypatch
):
    """The form's fields are rendered once per partner's channels, query and language, then
    kept (issue 13, seventeenth pass): what is kept is what a fresh render says, another
    partner's channels are never in it, and a renamed channel shows its new name."""
    from django.forms.boundfield import BoundField

    from otop_portal import choices

    factories.ChannelFactory(partner=other_partner_org, code="shopee-mall", name_en="Mall")
    rendered = []
    original = BoundField.as_widget
    monkeypatch.setattr(
        BoundField, "as_widget", lambda self, *a, **k: rendered.append(1) or original(self, *a, **k)
    )
    client.cookies["django_language"] = "en"
    asked = [(partner, {}), (partner, {"channel": "nope"}), (other_partner, {})]
    kept = []
    for who, params in asked:
        client.force_login(who)
        kept.append(_feed_form(client.get("/partner/feed/", params).content.decode()))
    assert rendered
    rendered.clear()
    for (who, params), before in zip(asked, kept, strict=True):
        client.force_login(who)
        assert _feed_form(client.get("/partner/feed/", params).content.decode()) == before
    assert rendered == []  # all kept
    assert channel.name_en in kept[0] and "Mall" not in kept[0]
    assert "None of your channels has this code." in kept[1]
    assert "Mall" in kept[2] and channel.name_en not in kept[2]

    channel.name_en = "Central Shelf, renamed"
    channel.save()
    client.force_login(partner)
    assert "Central Shelf, renamed" in _feed_form(client.get("/partner/feed/").content.decode())
    choices._rendered_fields.clear()
    client.force_login(other_partner)
    assert _feed_form(client.get("/partner/feed/").content.decode()) == kept[2]


def test_the_page_says_so_when_nothing_is_accepted_yet(partner_client, channel):
    html = partner_client.get("/partner/feed/").content.decode()
    assert "No product to list yet" in html
    assert "feed-download-csv" not in html


def test_the_shortlist_link_is_shown_to_partner_members_only(partner, officer):
    assert 'data-testid="feed-link"' in render_to_string(
        "partners/_feed_links.html", {"user": partner}
    )
    assert "feed-link" not in render_to_string("partners/_feed_links.html", {"user": officer})


# --- Queries ------------------------------------------------------------------------------------


def _add_full_rows(channel, fda):
    def add(n: int) -> None:
        for _ in range(n):
            referral = _referral(channel, weight_grams=100)
            factories.ProductPhotoFactory(product=referral.product)
            factories.ProductPhotoFactory(product=referral.product)
            factories.CertificationFactory(
                producer=referral.product.producer,
                type=fda,
                scope="products",
                products=[referral.product],
                status=CertificationStatus.VERIFIED,
            )

    return add


def test_the_excel_download_costs_the_same_queries_for_3_or_20_products(
    partner_client, channel, fda
):
    url = f"{DOWNLOAD}?format=xlsx"
    assert_constant_queries(partner_client, url, _add_full_rows(channel, fda), sizes=(3, 20))


def test_the_streamed_csv_costs_the_same_queries_for_3_or_20_products(partner_client, channel, fda):
    add = _add_full_rows(channel, fda)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = _csv_rows(partner_client.get(DOWNLOAD, {"format": "csv"}))
        return len(ctx.captured_queries), len(rows) - 1

    add(3)
    queries()  # warm per-process caches
    few, rows_few = queries()
    add(17)
    many, rows_many = queries()
    assert (rows_few, rows_many) == (3, 20)
    assert few == many, f"{few} queries for 3 rows, {many} for 20"


def test_a_product_on_two_channels_is_one_product_in_two_rows(partner_client, channel, partner_org):
    referral = _referral(channel)
    online = factories.ChannelFactory(partner=partner_org, code="central-online")
    Referral.objects.create(
        product=referral.product, channel=online, state=S.ACCEPTED, proposed_by=referral.proposed_by
    )
    html = partner_client.get("/partner/feed/").content.decode()
    assert 'data-testid="feed-count">1 product<' in html
    assert "2 rows: some products are on more than one of your channels." in html
    data = _json(partner_client.get(DOWNLOAD, {"format": "json"}))
    assert sorted(i["channel"] for i in data["items"]) == ["central-online", "central-shelf"]
    assert len({i["sku"] for i in data["items"]}) == 1
