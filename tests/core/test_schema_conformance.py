"""The OpenAPI schema tells the truth: schemathesis runs every operation of /api/schema/ against a
live server, once per role, with every check it has (status codes, content types, response
bodies and headers against the schema, auth enforcement, negative and positive data), and finds
nothing.

Bounded so it fits in `make test`: a fixed seed, a few examples per operation, one worker. The
exact command is printed on failure, with schemathesis's own report, so a failure can be re-run
by hand against `make run`.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from matching.models import ReferralState
from matching.services import referral_propose, referral_transition, rematch_all
from partners.portal.saved_lists import saved_list_add, saved_list_create
from partners.services import api_token_create
from producers.models import ProducerStatus
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

SEED = 16
# Bounded for `make test`: the schema's own examples, a few generated cases per operation, and
# stateful sequences. The coverage phase (every boundary value of every parameter, ~5,000
# requests a role) takes minutes: run it by hand with
# SCHEMATHESIS_PHASES=examples,coverage,fuzzing,stateful.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "3"))
PHASES = os.environ.get("SCHEMATHESIS_PHASES", "examples,fuzzing,stateful")
ST = Path(sys.executable).with_name("st")
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture
def cast(monkeypatch):
    """One account of each role with its credentials, and enough data that their lists and
    details have something in them: a verified producer's product and certificate, a partner
    whose channel it was referred to (and accepted), a saved list, an officer of its province."""
    province = factories.ProvinceFactory(code="50")
    factories.ProvinceFactory(code="40")
    producer = factories.ProducerUserFactory(email="producer@example.org")
    profile = factories.ProducerFactory(
        user=producer, province=province, status=ProducerStatus.VERIFIED
    )
    product = factories.ProductFactory(producer=profile, name_th="ผ้าไหม", name_en="Silk")
    factories.CertificationFactory(producer=profile)
    officer = factories.OfficerFactory(email="officer@example.org", provinces=[province])
    admin = factories.AdminFactory(email="admin@example.org")
    partner_org = factories.PartnerFactory(code="central", name_en="Central Group")
    member = factories.PartnerMemberFactory(
        email="partner@example.org", partner=partner_org, is_partner_admin=True
    )
    channel = factories.ChannelFactory(code="central-shelf", partner=partner_org)
    rematch_all()
    referral = referral_propose(product=product, channel=channel, by=officer)
    for state, by in (
        (ReferralState.APPROVED, officer),
        (ReferralState.SENT, officer),
        (ReferralState.ACCEPTED, member),
    ):
        referral_transition(referral_id=referral.pk, to_state=state, by=by, note="ok")
    saved = saved_list_create(by=member, name="New year", shared=True)
    saved_list_add(saved_list_id=saved.pk, product_id=product.pk, by=member)
    _token, partner_key = api_token_create(partner=partner_org, name="shop", by=member)
    # Rate limits answer 429 (documented, and pinned by tests/core/test_api_errors.py); here
    # they would only cut the run short.
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": "100000/min", "user": "100000/min", "partner_key": "100000/min"},
    )
    return {
        "anonymous": None,
        "producer": f"Token {Token.objects.create(user=producer).key}",
        "officer": f"Token {Token.objects.create(user=officer).key}",
        "partner": f"Bearer {partner_key}",
        "admin": f"Token {Token.objects.create(user=admin).key}",
    }


_served: dict[str, bytes] = {}


@pytest.fixture
def served_schema(live_server, tmp_path) -> Path:
    """The schema as the live server serves it, fetched once per test process (generating it
    takes seconds, and it is the same for every role)."""
    if live_server.url not in _served:
        request = urllib.request.Request(  # noqa: S310 - the live server on 127.0.0.1
            f"{live_server.url}/api/schema/",
            headers={"Accept": "application/vnd.oai.openapi+json"},
        )
        with urllib.request.urlopen(request, timeout=180) as response:  # noqa: S310
            _served[live_server.url] = response.read()
    path = tmp_path / "openapi.json"
    path.write_bytes(_served[live_server.url])
    return path


def schemathesis_command(
    schema: Path, base_url: str, authorization: str | None, report: Path
) -> list[str]:
    command = [
        str(ST),
        "--config-file",
        str(CONFIG),
        "run",
        str(schema),
        "--url",
        base_url,
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--no-shrink",
        "--phases",
        PHASES,
        "--request-timeout",
        "30",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    if authorization:
        command += ["--header", f"Authorization: {authorization}"]
    return command


@pytest.fixture
def quiet_requests():
    """Thousands of refused requests would each log a warning; errors still show."""
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


@pytest.mark.parametrize("role", ["anonymous", "producer", "officer", "partner", "admin"])
def test_the_schema_holds_for(role, cast, live_server, served_schema, quiet_requests, tmp_path):
    report = tmp_path / "report.json"
    command = schemathesis_command(served_schema, live_server.url, cast[role], report)
    run = subprocess.run(  # noqa: S603 - our own venv's schemathesis, fixed arguments
        command, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path
    )
    if keep := os.environ.get("SCHEMATHESIS_KEEP"):
        Path(keep).mkdir(parents=True, exist_ok=True)
        Path(keep, f"{role}.txt").write_text(run.stdout + run.stderr)
        shutil.copy(report, Path(keep, f"{role}.json"))
    shown = " ".join(command).replace(cast[role] or "-", "<credentials>")
    assert run.returncode == 0, f"{shown}\n{run.stdout[-20000:]}\n{run.stderr[-2000:]}"
