"""The listing feed over the API: the same rows as the files, the partner's own only, a page
at a time."""

from __future__ import annotations

import json

import pytest

from partners.portal import feeds
from tests import factories
from tests.helpers import assert_constant_queries
from tests.partners.test_feeds import DOWNLOAD, _add_full_rows, _referral

pytestmark = pytest.mark.django_db
URL = "/api/v1/partner-feed/"


@pytest.fixture
def channel(partner_org):
    return factories.ChannelFactory(partner=partner_org, code="central-shelf")


def test_the_api_gives_the_same_rows_as_the_json_file(client, partner, channel):
    referral = _referral(channel, name_th="ข้าวแต๋น", weight_grams=120)
    factories.ProductPhotoFactory(product=referral.product)
    client.force_login(partner)
    data = client.get(URL).json()
    (item,) = data["results"]
    (from_file,) = json.loads(b"".join(client.get(DOWNLOAD, {"format": "json"}).streaming_content))[
        "items"
    ]
    assert set(item) == set(feeds.COLUMN_NAMES) - {f"image_{n}" for n in range(1, 9)} | {
        "images",
        "category",
        "subcategory",
    }
    # Links and their expiry are made per download; everything else is the same.
    for key in ("images", "images_expire_at"):
        item.pop(key), from_file.pop(key)
    assert item == from_file
    assert (item["name_th"], item["weight_grams"], item["price"]) == ("ข้าวแต๋น", 120, "350.00")


def test_image_links_are_absolute_and_open_without_a_login(client, partner, channel):
    referral = _referral(channel)
    factories.ProductPhotoFactory(product=referral.product)
    client.force_login(partner)
    (link,) = client.get(URL).json()["results"][0]["images"]
    assert link.startswith("http://testserver/feed/images/")
    client.logout()
    assert client.get(link.removeprefix("http://testserver")).status_code == 200


def test_another_partner_sees_none_of_it(client, other_partner, channel):
    _referral(channel)
    client.force_login(other_partner)
    assert client.get(URL).json()["results"] == []
    response = client.get(URL, {"channel": "central-shelf"})
    assert response.status_code == 400
    assert "None of your channels has the code “central-shelf”" in response.json()["channel"][0]


@pytest.mark.parametrize("role", ["producer", "officer", "admin"])
def test_only_partner_members_read_it(client_for, role):
    assert client_for(role).get(URL).status_code == 403


def test_without_credentials_it_asks_for_them(client):
    assert client.get(URL).status_code == 401


def test_pages_follow_a_cursor_without_repeating_a_row(client, partner, channel):
    made = sorted(_referral(channel).pk for _ in range(3))
    client.force_login(partner)
    first = client.get(URL, {"page_size": 2}).json()
    assert [i["referral_id"] for i in first["results"]] == made[:2]
    second = client.get(first["next"]).json()
    assert [i["referral_id"] for i in second["results"]] == made[2:]
    assert second["next"] is None


def test_a_page_costs_the_same_queries_for_3_or_20_products(client, partner, channel, fda):
    client.force_login(partner)
    assert_constant_queries(client, URL, _add_full_rows(channel, fda), sizes=(3, 20))
