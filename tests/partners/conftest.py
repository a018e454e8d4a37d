import pytest

from tests import factories


@pytest.fixture
def food(db):
    return factories.CategoryFactory(code="food", name_th="อาหาร", name_en="Food", sort_order=0)


@pytest.fixture
def beverage(db):
    return factories.CategoryFactory(
        code="beverage", name_th="เครื่องดื่ม", name_en="Beverages", sort_order=1
    )


@pytest.fixture
def textile(db):
    return factories.CategoryFactory(
        code="textile", name_th="ผ้าและเครื่องแต่งกาย", name_en="Textiles and clothing", sort_order=2
    )


@pytest.fixture
def fda(db):
    return factories.CertificationTypeFactory(
        code="fda", name_th="เลขสารบบอาหาร (อย.)", name_en="Thai FDA food serial number (อย.)"
    )


@pytest.fixture
def tcps(db):
    return factories.CertificationTypeFactory(
        code="tcps",
        name_th="มาตรฐานผลิตภัณฑ์ชุมชน (มผช.)",
        name_en="Thai Community Product Standard",
        sort_order=3,
    )


@pytest.fixture
def halal(db):
    return factories.CertificationTypeFactory(code="halal", name_th="ฮาลาล", name_en="Halal")


@pytest.fixture
def central_channel(db, partner_org):
    """A channel of "central", the partner whose administrator is the `partner` fixture."""
    return factories.ChannelFactory(
        partner=partner_org,
        code="central-shelf",
        kind="modern_trade",
        name_en="Central shelf",
        requirement={"min_star_level": 3},
    )


@pytest.fixture
def shopee_channel(db, other_partner_org):
    return factories.ChannelFactory(
        partner=other_partner_org, code="shopee-shop", name_en="Shopee shop"
    )


@pytest.fixture
def client(client):
    """These tests read messages in English; tests/producers/test_thai_messages.py checks that
    the same refusals reach a Thai reader in Thai."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def colleague(partner_org):
    """Another member of the `partner` fixture's partner (not an administrator)."""
    return factories.PartnerMemberFactory(
        email="colleague@example.org", full_name="Malee Srisuk", partner=partner_org
    )


@pytest.fixture
def referred(request):
    """referred(n, **kw): products referred (and sent) to the `partner` fixture's partner."""
    from tests.partners.matrix_rows_lists import referred_products

    return lambda n=1, **kwargs: referred_products(request, n, **kwargs)
