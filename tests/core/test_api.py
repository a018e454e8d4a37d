import re

import pytest
from rest_framework.authtoken.models import Token

from tests import factories
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


def test_anonymous_api_call_is_asked_for_credentials(client):
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_token_authenticates_an_api_client(client, officer):
    token = Token.objects.create(user=officer)
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json()["role"] == "officer"
    assert response.json()["provinces"] == ["50"]


def test_a_wrong_token_is_refused(client):
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 401


def test_lists_are_paginated_and_filterable(client, producer):
    from otop_portal.reference import load_provinces

    load_provinces()
    client.force_login(producer)
    page = client.get("/api/v1/provinces/").json()
    assert page["count"] == 77
    assert len(page["results"]) == 50
    assert page["next"].endswith("?page=2")
    found = client.get("/api/v1/provinces/", {"q": "เชียงใหม่"}).json()
    assert [p["name_en"] for p in found["results"]] == ["Chiang Mai"]


def test_province_list_keeps_a_constant_number_of_queries(client, producer):
    client.force_login(producer)
    codes = iter(range(10, 99))
    assert_constant_queries(
        client,
        "/api/v1/provinces/",
        lambda n: [factories.ProvinceFactory(code=str(next(codes))) for _ in range(n)],
    )


def test_openapi_schema_describes_the_api(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/" in schema["paths"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_api_docs_load_nothing_from_other_sites(client):
    # (drf-spectacular's Redoc page pulls Google Fonts, so only Swagger UI is served.)
    html = client.get("/api/docs/").content.decode()
    external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
    assert not external, external
    assert "/static/drf_spectacular_sidecar/" in html


def test_openapi_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert (tmp_path / "s.yml").stat().st_size > 1000
