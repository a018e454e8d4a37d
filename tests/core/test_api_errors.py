"""Every refusal under /api/ is JSON in one shape, {"detail": "..."}, and the schema documents
it for the operations where it can happen (otop_portal/api_errors.py, api_schema.py)."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.throttling import AnonRateThrottle

from tests import factories

pytestmark = pytest.mark.django_db


def _refusal(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail"} and body["detail"]
    return body


@pytest.fixture
def producer_client(client, producer):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=producer).key}"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_an_unknown_id_is_a_json_404(producer_client):
    _refusal(producer_client.get("/api/v1/products/987654/"), 404)


@pytest.mark.parametrize("bad_id", ["0.5", "abc", "-1", "1e3"])
def test_an_id_that_is_not_a_whole_number_is_a_json_404(producer_client, bad_id):
    _refusal(producer_client.get(f"/api/v1/products/{bad_id}/"), 404)
    _refusal(producer_client.post(f"/api/v1/referrals/{bad_id}/approve/"), 404)


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing/", "/api/v1/products/1/no-such-action/", "/api/v2/", "/api/"]
)
def test_an_unknown_api_route_is_a_json_404_for_any_method(client, path):
    assert _refusal(client.get(path, HTTP_ACCEPT_LANGUAGE="en"), 404) == {"detail": "Not found."}
    _refusal(client.post(path), 404)
    _refusal(client.delete(path), 404)


def test_pages_outside_the_api_keep_their_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_method_the_operation_lacks_is_a_json_405(producer_client):
    response = producer_client.put("/api/v1/me/")
    _refusal(response, 405)
    assert "GET" in response["Allow"]


def test_a_role_that_may_not_is_a_json_403(producer_client):
    _refusal(producer_client.get("/api/v1/shortlist/"), 403)


def test_no_credentials_is_a_json_401(client):
    _refusal(client.get("/api/v1/me/"), 401)


def test_the_rate_limit_is_a_json_429_with_retry_after(client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/min"})
    assert [client.get("/api/v1/partners/").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/api/v1/partners/")
    _refusal(refused, 429)
    assert int(refused["Retry-After"]) > 0


def test_a_referenced_product_is_kept_with_a_json_409(producer_client, producer):
    from matching.services import referral_propose, rematch_all
    from producers.models import ProducerStatus

    profile = factories.ProducerFactory(user=producer, status=ProducerStatus.VERIFIED)
    product = factories.ProductFactory(producer=profile)
    channel = factories.ChannelFactory()
    rematch_all()
    referral_propose(product=product, channel=channel, by=producer)
    _refusal(producer_client.delete(f"/api/v1/products/{product.pk}/"), 409)
    assert producer_client.get(f"/api/v1/products/{product.pk}/").status_code == 200


# --- What the schema says -------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _responses(schema, path, method):
    return schema["paths"][path][method]["responses"]


def test_every_operation_documents_401_and_429(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"401", "429"} <= set(operation["responses"]), (method, path)
            assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_operations_with_an_id_document_404_in_the_refusal_shape(schema):
    not_found = _responses(schema, "/api/v1/products/{id}/", "get")["404"]
    assert not_found["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Refusal"
    }
    assert schema["components"]["schemas"]["Refusal"]["required"] == ["detail"]


def test_public_reads_need_no_credentials_and_writes_do(schema):
    assert {} in schema["paths"]["/api/v1/partners/"]["get"]["security"]
    assert {} not in schema["paths"]["/api/v1/partners/{code}/"]["patch"]["security"]
    assert "403" not in _responses(schema, "/api/v1/partners/", "get")
    assert "403" in _responses(schema, "/api/v1/partners/{code}/", "patch")
    assert {} not in schema["paths"]["/api/v1/me/"]["get"]["security"]


def test_id_parameters_are_integers(schema):
    (param,) = schema["paths"]["/api/v1/products/{id}/"]["get"]["parameters"]
    assert param["schema"]["type"] == "integer"
