import pytest

from partners.models import RequirementVersion
from tests import factories
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


def test_anyone_reads_a_requirement_as_its_snapshot_with_sentences(client, central_channel):
    body = client.get("/api/v1/requirements/central-shelf/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["channel"] == "central-shelf"
    assert body["partner"] == "central"
    assert body["min_stars"] == 3
    assert body["version"] == 1
    assert "Products need at least 3 OTOP stars." in body["sentences"]


def test_channels_filter_by_partner_kind_category_and_province(
    client, central_channel, shopee_channel, food, textile, province
):
    factories.ChannelFactory(
        partner=central_channel.partner,
        code="jing-jai",
        kind="community_market",
        nationwide=False,
        provinces=[factories.ProvinceFactory(code="40")],
        requirement={"categories": [textile]},
    )

    def codes(**params):
        return sorted(c["code"] for c in client.get("/api/v1/channels/", params).json()["results"])

    assert codes(partner="shopee") == ["shopee-shop"]
    assert codes(kind="community_market") == ["jing-jai"]
    assert codes(category="food") == ["central-shelf", "shopee-shop"]  # no category = all
    assert codes(province="50") == ["central-shelf", "shopee-shop"]
    assert codes(nationwide="false") == ["jing-jai"]
    requirements = client.get("/api/v1/requirements/", {"category": "textile"}).json()
    assert sorted(r["channel"] for r in requirements["results"]) == [
        "central-shelf",
        "jing-jai",
        "shopee-shop",
    ]


def test_partner_administrator_changes_a_requirement_through_the_api(
    client, partner, central_channel, fda, food
):
    client.force_login(partner)
    response = client.patch(
        "/api/v1/requirements/central-shelf/",
        {
            "min_stars": 4,
            "note": "from the API",
            "categories": ["food"],
            "certificate_rules": [{"mode": "all", "types": ["fda"], "categories": ["food"]}],
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    assert response.json()["certificate_rules"] == [
        {"mode": "all", "types": ["fda"], "categories": ["food"]}
    ]
    version = RequirementVersion.objects.get(channel=central_channel, number=2)
    assert (version.changed_by, version.note) == (partner, "from the API")


def test_api_reports_contradictions_in_the_forms_words(client, partner, central_channel, fda):
    client.force_login(partner)
    response = client.patch(
        "/api/v1/requirements/central-shelf/",
        {
            "price_min": "100",
            "price_max": "5",
            "certificate_rules": [{"mode": "any", "types": ["fda"]}],
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["price_max"] == ["The highest price is below the lowest price."]
    assert "two or more certificates" in body["certificate_rules"]["0"]["types"][0]


def test_member_of_another_partner_cannot_change_the_channel_through_the_api(
    client, other_partner, central_channel
):
    client.force_login(other_partner)
    for url, data in [
        ("/api/v1/requirements/central-shelf/", {"min_stars": 1}),
        ("/api/v1/channels/central-shelf/", {"name_en": "mine"}),
        ("/api/v1/partners/central/", {"name_en": "mine"}),
    ]:
        assert client.patch(url, data, content_type="application/json").status_code == 403
    response = client.post(
        "/api/v1/channels/",
        {
            "code": "sneaky",
            "partner": "central",
            "kind": "online_marketplace",
            "name_th": "x",
            "name_en": "x",
        },
        content_type="application/json",
    )
    assert response.status_code == 403


def test_anonymous_writes_are_asked_for_credentials(client, central_channel):
    response = client.patch(
        "/api/v1/requirements/central-shelf/", {"min_stars": 1}, content_type="application/json"
    )
    assert response.status_code == 401


def test_changing_a_channels_area_through_the_api_is_a_new_version(
    client, officer, central_channel, province
):
    client.force_login(officer)
    response = client.patch(
        "/api/v1/channels/central-shelf/",
        {"nationwide": False, "provinces": ["50"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["requirement_version"] == 2


def test_versions_list_who_changed_what(client, partner, central_channel):
    client.force_login(partner)
    client.patch(
        "/api/v1/requirements/central-shelf/", {"min_stars": 5}, content_type="application/json"
    )
    body = client.get("/api/v1/requirements/central-shelf/versions/").json()
    assert [v["number"] for v in body["results"]] == [2, 1]
    assert body["results"][0]["changed_by"] == str(partner)


def test_only_officers_and_administrators_change_a_partners_status(client, partner, officer):
    client.force_login(partner)
    response = client.patch(
        "/api/v1/partners/central/", {"status": "paused"}, content_type="application/json"
    )
    assert response.status_code == 403
    client.force_login(officer)
    response = client.patch(
        "/api/v1/partners/central/", {"status": "paused"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "paused"


def test_openapi_schema_lists_the_partner_routes(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in (
        "/api/v1/partners/",
        "/api/v1/channels/{code}/",
        "/api/v1/requirements/{channel}/",
        "/api/v1/requirements/{channel}/versions/",
    ):
        assert path in schema["paths"], path


@pytest.mark.parametrize("url", ["/api/v1/partners/", "/api/v1/channels/", "/api/v1/requirements/"])
def test_api_lists_keep_a_constant_number_of_queries(client, url, food, fda, halal):
    def add(n):
        for _ in range(n):
            factories.ChannelFactory(
                requirement={"categories": [food]},
                certificate_rules=[{"mode": "all", "certification_types": [fda]}],
                preferred=[{"kind": "certificate", "weight": 5, "certification_type": halal}],
            )

    assert_constant_queries(client, url, add)
