"""Permission rows for the officers' queues, the candidate page and the match-results API.

(matching:officer_home is in tests/test_permissions.py.) The API answers every logged-in role:
what each sees is its own scope (producers their products, officers their provinces, partner
members nothing yet), tested in tests/matching/test_results_api.py.
"""

from tests.matrix import API_ANON, Row, logged_in, only, roles


def _result_of_producer_in_chiang_mai(request) -> dict:
    """A result of `producer`'s product, made in Chiang Mai (the `officer`'s province)."""
    from matching.models import MatchResult
    from matching.services import rematch_products
    from producers.models import ProducerStatus
    from tests import factories

    profile = factories.ProducerFactory(
        user=request.getfixturevalue("producer"),
        province=factories.ProvinceFactory(code="50"),
        status=ProducerStatus.VERIFIED,
    )
    product = factories.ProductFactory(producer=profile)
    factories.ChannelFactory(code="matrix-shop")
    rematch_products([product.pk])
    return {"pk": MatchResult.objects.get(product=product).pk}


def _submitted_producer_in_chiang_mai(request) -> dict:
    """`producer`'s profile, waiting for verification in Chiang Mai (the `officer`'s province)."""
    from tests import factories

    profile = factories.ProducerFactory(
        user=request.getfixturevalue("producer"), province=factories.ProvinceFactory(code="50")
    )
    return {"pk": profile.pk}


def _pending_certificate_in_chiang_mai(request) -> dict:
    """A certificate waiting for verification, of `producer`'s profile in Chiang Mai."""
    from tests import factories

    profile = factories.ProducerFactory(
        user=request.getfixturevalue("producer"), province=factories.ProvinceFactory(code="50")
    )
    return {"pk": factories.CertificationFactory(producer=profile).pk}


# Officers of the province and administrators act (and are sent back to the queue); an officer
# of another province gets 404, as if the record did not exist.
OFFICER_ACTS = roles(403, anonymous=302, officer=302, other_officer=404, admin=302)
OFFICER_READS = roles(403, anonymous=302, officer=200, other_officer=404, admin=200)
OFFICERS_AND_ADMINS = only("officer", "other_officer", "admin")

ROWS = [
    Row("matching:officer_producers", OFFICERS_AND_ADMINS),
    Row("matching:officer_producer", OFFICER_READS, setup=_submitted_producer_in_chiang_mai),
    Row(
        "matching:officer_producer",
        OFFICER_ACTS,
        method="post",
        setup=_submitted_producer_in_chiang_mai,
        data={"action": "verify"},
    ),
    Row("matching:officer_certificates", OFFICERS_AND_ADMINS),
    Row("matching:officer_expiring_certificates", OFFICERS_AND_ADMINS),
    Row("matching:officer_certificate", OFFICER_READS, setup=_pending_certificate_in_chiang_mai),
    Row(
        "matching:officer_certificate",
        OFFICER_ACTS,
        method="post",
        setup=_pending_certificate_in_chiang_mai,
        data={"action": "verify"},
    ),
    Row("matching:officer_candidates", only("officer", "other_officer", "admin")),
    Row("api:match-result-list", logged_in(200, anonymous=API_ANON)),
    Row(
        "api:match-result-detail",
        roles(404, anonymous=API_ANON, producer=200, officer=200, admin=200),
        setup=_result_of_producer_in_chiang_mai,
    ),
]

# The officers' dashboard (tests/matching/test_dashboard.py) and the audit view of a producer
# and a certificate (tests/matching/test_audit.py): read as the records' own pages are.
ROWS += [
    Row("matching:dashboard", OFFICERS_AND_ADMINS),
    Row("matching:producer_history", OFFICER_READS, setup=_submitted_producer_in_chiang_mai),
    Row(
        "matching:certificate_history",
        OFFICER_READS,
        setup=_pending_certificate_in_chiang_mai,
    ),
]


# --- The referrals API (tests/matching/test_referrals_api.py) ---------------------------------


def _api_referral(request, *, through: tuple[str, ...] = ()) -> int:
    """A referral of `producer`'s product (Chiang Mai, the `officer`'s province) to a channel of
    `partner`'s organisation, proposed by the officer and moved `through` these states."""
    import datetime as dt

    from matching.services import referral_propose, referral_transition, rematch_all
    from producers.models import ProducerStatus
    from tests import factories

    profile = factories.ProducerFactory(
        user=request.getfixturevalue("producer"),
        province=factories.ProvinceFactory(code="50"),
        status=ProducerStatus.VERIFIED,
    )
    product = factories.ProductFactory(producer=profile)
    channel = factories.ChannelFactory(
        code="matrix-api", partner=request.getfixturevalue("partner_org")
    )
    rematch_all()
    officer = request.getfixturevalue("officer")
    referral = referral_propose(product=product, channel=channel, by=officer)
    partner = request.getfixturevalue("partner")
    for state in through:
        by = partner if state in ("accepted", "listed") else officer
        referral_transition(
            referral_id=referral.pk,
            to_state=state,
            by=by,
            listing_url="https://shop.example/p/1",
            listed_on=dt.date(2026, 4, 1),
        )
    return referral.pk


def _api_proposed(request) -> dict:
    return {"pk": _api_referral(request)}


def _api_approved(request) -> dict:
    return {"pk": _api_referral(request, through=("approved",))}


def _api_sent(request) -> dict:
    return {"pk": _api_referral(request, through=("approved", "sent"))}


def _api_accepted(request) -> dict:
    return {"pk": _api_referral(request, through=("approved", "sent", "accepted"))}


def _api_propose_body(request) -> dict:
    """`producer`'s eligible product in Chiang Mai and a channel that takes it."""
    from matching.services import rematch_all
    from producers.models import ProducerStatus
    from tests import factories

    profile = factories.ProducerFactory(
        user=request.getfixturevalue("producer"),
        province=factories.ProvinceFactory(code="50"),
        status=ProducerStatus.VERIFIED,
    )
    product = factories.ProductFactory(producer=profile)
    factories.ChannelFactory(code="matrix-api", partner=request.getfixturevalue("partner_org"))
    rematch_all()
    return {"product": product.pk, "channel": "matrix-api", "note": "matrix"}


def _api_bulk_body(request) -> dict:
    return {"ids": [_api_referral(request)], "action": "approve"}


def _api_bulk_propose_body(request) -> dict:
    body = _api_propose_body(request)
    return {"pairs": [{"product": body["product"], "channel": body["channel"]}]}


# Visibility first (404 for a referral the reader cannot see: another province, another
# producer, a partner before it is sent), then the service's capacity rule (403).
API_OFFICER_MOVES = roles(404, anonymous=API_ANON, producer=403, officer=200, admin=200)
API_PARTNER_MOVES = roles(
    404, anonymous=API_ANON, producer=403, officer=403, admin=403, partner=200
)
# Out of the officer's scope is refused item by item as "does not exist", not as a whole.
API_OFFICERS_IN_BULK = roles(403, anonymous=API_ANON, officer=200, other_officer=200, admin=200)

ROWS += [
    Row("api:referral-list", logged_in(200, anonymous=API_ANON)),
    Row(
        "api:referral-list",
        roles(
            403,
            anonymous=API_ANON,
            producer=201,
            other_producer=400,  # not their product: "object does not exist"
            officer=201,
            other_officer=400,  # not their province: the same
            admin=201,
        ),
        method="post",
        data=_api_propose_body,
        json=True,
    ),
    Row(
        "api:referral-detail",
        roles(404, anonymous=API_ANON, producer=200, officer=200, admin=200),
        setup=_api_proposed,
    ),
    Row(
        "api:referral-approve",
        API_OFFICER_MOVES,
        method="post",
        setup=_api_proposed,
        json=True,
    ),
    Row(
        "api:referral-reject",
        API_OFFICER_MOVES,
        method="post",
        setup=_api_proposed,
        data={"note": "matrix"},
        json=True,
    ),
    Row("api:referral-send", API_OFFICER_MOVES, method="post", setup=_api_approved, json=True),
    Row("api:referral-accept", API_PARTNER_MOVES, method="post", setup=_api_sent, json=True),
    Row(
        "api:referral-decline",
        API_PARTNER_MOVES,
        method="post",
        setup=_api_sent,
        data={"reason": "matrix"},
        json=True,
    ),
    Row(
        "api:referral-listed",
        API_PARTNER_MOVES,
        method="post",
        setup=_api_accepted,
        data={"listing_url": "https://shop.example/p/1", "listed_on": "2026-04-01"},
        json=True,
    ),
    Row(
        "api:referral-withdraw",
        roles(404, anonymous=API_ANON, producer=200, officer=200, admin=200),
        method="post",
        setup=_api_proposed,
        json=True,
    ),
    Row("api:referral-bulk", API_OFFICERS_IN_BULK, method="post", data=_api_bulk_body, json=True),
    Row(
        "api:referral-bulk-propose",
        API_OFFICERS_IN_BULK,
        method="post",
        data=_api_bulk_propose_body,
        json=True,
    ),
]


# --- Spreadsheet exports (tests/matching/test_exports.py) --------------------------------------


def _finished_export_of_officer(request) -> dict:
    """A finished export (with its file) that the `officer` asked for."""
    from django.core.files.base import ContentFile

    from matching.models import ExportJob, ExportStatus

    job = ExportJob.objects.create(
        requested_by=request.getfixturevalue("officer"),
        list_name="producers",
        format="csv",
        language="th",
        status=ExportStatus.DONE,
        row_count=0,
    )
    job.file.save("producers-matrix.csv", ContentFile("\ufeffID\r\n".encode()), save=True)
    return {"pk": job.pk}


ROWS += [
    Row(
        "matching:export",
        OFFICERS_AND_ADMINS,
        kwargs={"list_name": "producers"},
        data={"format": "csv"},
    ),
    Row("matching:exports", OFFICERS_AND_ADMINS),
    # Only the officer who asked for it; anyone else (administrators too) as if it did not exist.
    Row(
        "matching:export_download",
        roles(403, anonymous=302, officer=200, other_officer=404, admin=404),
        setup=_finished_export_of_officer,
    ),
]
