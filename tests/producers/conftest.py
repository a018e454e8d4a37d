"""Producer profiles for the cast: `producer` and `other_producer` get one when a test asks."""

import pytest

from tests import factories


@pytest.fixture
def profile(producer, province):
    return factories.ProducerFactory(user=producer, province=province)


@pytest.fixture
def other_profile(other_producer, province):
    return factories.ProducerFactory(user=other_producer, province=province)


@pytest.fixture
def category(db):
    return factories.CategoryFactory()


@pytest.fixture
def fda_type(db):
    return factories.CertificationTypeFactory(code="fda")


@pytest.fixture
def stars_type(db):
    return factories.StarsTypeFactory()


@pytest.fixture
def client(client):
    """These tests read messages in English; tests/producers/test_thai_messages.py checks that
    the same refusals reach a Thai reader in Thai."""
    client.cookies["django_language"] = "en"
    return client
