"""The cast every test can call on: one account of each role and an outsider of each kind."""

import os

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import settings

from tests import factories
from tests.matrix import ROLES  # noqa: F401 - re-exported for tests

# Property tests check behaviour, not speed (bench/ measures speed): no per-example deadline, which
# a busy machine (CI's two cores shared with browsers and PostgreSQL) would turn into false
# failures. Deterministic, so a failure in CI shows again on a developer's machine.
settings.register_profile("portal", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("portal")


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth's rate limits live in the cache; one test's failed logins must not block the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Code called directly by a test (services, validators) speaks English unless the test
    says otherwise; pages still follow the reader's choice (Thai by default) through the
    middleware. Tests of the Thai wording use translation.override("th") or the language
    cookie."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def province(db):
    return factories.ProvinceFactory(code="50")


@pytest.fixture
def other_province(db):
    return factories.ProvinceFactory(code="40")


@pytest.fixture
def partner_org(db):
    return factories.PartnerFactory(code="central", name_en="Central Group", name_th="เซ็นทรัล กรุ๊ป")


@pytest.fixture
def other_partner_org(db):
    return factories.PartnerFactory(code="shopee", name_en="Shopee (Thailand)", name_th="ช้อปปี้")


@pytest.fixture
def producer(db):
    return factories.ProducerUserFactory(email="producer@example.org")


@pytest.fixture
def other_producer(db):
    return factories.ProducerUserFactory(email="other-producer@example.org")


@pytest.fixture
def officer(db, province):
    return factories.OfficerFactory(email="officer@example.org", provinces=[province])


@pytest.fixture
def other_officer(db, other_province):
    return factories.OfficerFactory(email="other-officer@example.org", provinces=[other_province])


@pytest.fixture
def partner(db, partner_org):
    """A partner member who is also their partner's administrator."""
    return factories.PartnerMemberFactory(
        email="partner@example.org", partner=partner_org, is_partner_admin=True
    )


@pytest.fixture
def other_partner(db, other_partner_org):
    return factories.PartnerMemberFactory(
        email="other-partner@example.org", partner=other_partner_org
    )


@pytest.fixture
def admin(db):
    return factories.AdminFactory(email="admin@example.org")


@pytest.fixture
def user_for(request):
    """user_for("officer") -> that fixture's user; None for "anonymous"."""

    def get(role: str):
        return None if role == "anonymous" else request.getfixturevalue(role)

    return get


@pytest.fixture
def client_for(user_for):
    """client_for("partner") -> a test client logged in as that role (anonymous: logged out)."""

    def make(role: str) -> Client:
        client = Client()
        user = user_for(role)
        if user is not None:
            client.force_login(user)
        return client

    return make


def pytest_configure(config):
    # Playwright's sync API runs an event loop in the test thread; Django's ORM then refuses
    # sync calls there unless told this is a test (STACK.md).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Tests read the Thai catalogue: compile it when the .po is newer (the xdist controller does
    # this before the workers start, so they find it fresh).
    from django.core.management import call_command

    call_command("compiletranslations", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture
def national_officer(db):
    """An officer of every province (no provinces of their own)."""
    return factories.OfficerFactory(
        email="national@example.org", provinces=[], is_national_officer=True
    )
