"""Permission rows for the producer pages and API (run by tests/test_permissions.py).

`producer` owns the objects; `other_producer` has a profile of their own and must get 404 on
every one of them, by page and by API.
"""

from tests import factories
from tests.matrix import API_ANON, LOGIN, Row, everyone, only, roles

PRODUCERS = ("producer", "other_producer")


def owner(ok: int = 200, anonymous: int = LOGIN) -> dict[str, int]:
    """The owner gets `ok`; the other producer 404 (it does not exist for them); others 403."""
    return roles(403, anonymous=anonymous, producer=ok, other_producer=404)


def producers_only(ok: int = 200, anonymous: int = LOGIN) -> dict[str, int]:
    return only(*PRODUCERS, ok=ok, anonymous=anonymous)


def _profiles(request):
    province = request.getfixturevalue("province")
    mine = factories.ProducerFactory(user=request.getfixturevalue("producer"), province=province)
    factories.ProducerFactory(user=request.getfixturevalue("other_producer"), province=province)
    return mine


def _profiles_only(request) -> dict:
    _profiles(request)
    return {}


def _product(request) -> dict:
    product = factories.ProductFactory(producer=_profiles(request))
    return {"pk": product.pk}


def _photo(request) -> dict:
    photo = factories.ProductPhotoFactory(
        product=factories.ProductFactory(producer=_profiles(request))
    )
    return {"pk": photo.product_id, "photo_pk": photo.pk}


def _photo_api(request) -> dict:
    return {"pk": _photo(request)["photo_pk"]}


def _certification(request) -> dict:
    from django.core.files.base import ContentFile

    cert = factories.CertificationFactory(producer=_profiles(request))
    cert.document.save("scan.pdf", ContentFile(b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"), save=False)
    cert.document_content_type = "application/pdf"
    cert.save()
    return {"pk": cert.pk}


def _verified_certificate_of_a_referred_product(request) -> dict:
    """A verified certificate (with its scan) of a producer whose product was sent to a channel
    of "central", the `partner` fixture's partner."""
    from django.core.files.base import ContentFile

    from producers.models import CertificationStatus
    from tests.partners.matrix_rows_portal import sent_referrals

    channel = factories.ChannelFactory(partner=request.getfixturevalue("partner_org"))
    (referral,) = sent_referrals(1, channel=channel, officer=request.getfixturevalue("officer"))
    request.getfixturevalue("other_partner")
    cert = factories.CertificationFactory(
        producer=referral.product.producer, status=CertificationStatus.VERIFIED
    )
    cert.document.save("scan.pdf", ContentFile(b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"), save=False)
    cert.document_content_type = "application/pdf"
    cert.save()
    return {"pk": cert.pk}


def _password(request) -> dict:
    return {"password": factories.PASSWORD}


ROWS = [
    Row("producers:register", producers_only(302)),
    Row("producers:register_step", producers_only(), kwargs={"step": "identity"}),
    Row(
        "producers:register_step",
        producers_only(302),  # saved, on to the next step
        method="post",
        kwargs={"step": "contact"},
        data={"phone": "081 234 5678", "member_count": "10", "community_roles": ["production"]},
        setup=_profiles_only,
    ),
    Row("producers:address_districts", everyone(200), data={"province": "50"}),
    Row("producers:address_subdistricts", everyone(200), data={"district": "5001"}),
    Row("producers:address_postal_code", everyone(200), data={"code": "50200"}),
    Row("producers:product_list", producers_only(), setup=_profiles_only),
    Row("producers:product_create", producers_only()),
    Row("producers:product_detail", owner(), setup=_product),
    Row("producers:product_edit", owner(), setup=_product),
    Row(
        "producers:product_edit",
        owner(200),  # the form comes back: the name is required
        method="post",
        data={"name_th": ""},
        setup=_product,
    ),
    Row("producers:product_photo_delete", owner(302), method="post", setup=_photo),
    Row("producers:certification_list", producers_only(), setup=_profiles_only),
    Row("producers:certification_create", producers_only()),
    Row("producers:certification_edit", owner(), setup=_certification),
    Row(
        "producers:certification_edit",
        owner(200),
        method="post",
        data={"number": ""},
        setup=_certification,
    ),
    Row(
        "producers:certification_document",
        {
            "anonymous": LOGIN,
            "producer": 200,
            "other_producer": 404,
            "officer": 200,  # the producer's province
            "other_officer": 404,
            "partner": 404,  # nothing of this producer was sent to the partner
            "other_partner": 404,
            "admin": 200,
        },
        setup=_certification,
    ),
    Row(
        "producers:certification_document",
        {
            "anonymous": LOGIN,
            "producer": 404,  # not theirs: the referred product's producer is someone else
            "other_producer": 404,
            "officer": 200,
            "other_officer": 404,
            "partner": 200,  # a verified certificate of a product sent to "central"
            "other_partner": 404,
            "admin": 200,
        },
        setup=_verified_certificate_of_a_referred_product,
    ),
    Row("producers:my_data", producers_only(), setup=_profiles_only),
    Row("producers:my_data_download", producers_only(), setup=_profiles_only),
    Row(
        "producers:my_data_erase",
        producers_only(302),
        method="post",
        data=_password,
        setup=_profiles_only,
    ),
    # API: producers only; officers' API comes with the review issue (403 until then).
    Row("api:producer-profile", producers_only(anonymous=API_ANON), setup=_profiles_only),
    Row(
        "api:producer-profile",
        producers_only(anonymous=API_ANON),
        method="patch",
        data={"line_id": "weavers"},
        json=True,
        setup=_profiles_only,
    ),
    Row(
        "api:producer-profile-submit",
        producers_only(400, anonymous=API_ANON),  # already submitted
        method="post",
        data={"consent": True},
        json=True,
        setup=_profiles_only,
    ),
    Row("api:product-list", producers_only(anonymous=API_ANON), setup=_profiles_only),
    Row("api:product-detail", owner(anonymous=API_ANON), setup=_product),
    Row(
        "api:product-detail",
        owner(anonymous=API_ANON),
        method="patch",
        data={"price": "99.00"},
        json=True,
        setup=_product,
    ),
    Row("api:product-detail", owner(204, anonymous=API_ANON), method="delete", setup=_product),
    Row("api:product-photo-list", producers_only(anonymous=API_ANON), setup=_profiles_only),
    Row("api:product-photo-detail", owner(anonymous=API_ANON), setup=_photo_api),
    Row(
        "api:product-photo-detail",
        owner(204, anonymous=API_ANON),
        method="delete",
        setup=_photo_api,
    ),
    Row("api:certification-list", producers_only(anonymous=API_ANON), setup=_profiles_only),
    Row("api:certification-detail", owner(anonymous=API_ANON), setup=_certification),
    Row(
        "api:certification-detail",
        owner(anonymous=API_ANON),
        method="patch",
        data={"issuer": "สสจ. เชียงใหม่"},
        json=True,
        setup=_certification,
    ),
]
