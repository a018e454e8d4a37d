"""Production-safe by default: the client address behind proxies (rate limits cannot be
escaped with a forged X-Forwarded-For), the security headers (CSP, Permissions-Policy)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.core.test_operations import PRODUCTION_ENV, _manage

LOGIN_URL = "/accounts/login/"
_forged = (f"203.0.113.{n}" for n in itertools.count(1))


def _failed_login(client, n: int, **headers):
    return client.post(
        LOGIN_URL,
        {"login": f"nobody{n}@example.org", "password": "wrong-guess"},
        REMOTE_ADDR="198.51.100.7",
        **headers,
    )


def _is_rate_limited(response) -> bool:
    return response.status_code == 429 or (
        response.context is not None
        and "Too many failed login attempts"
        in " ".join(response.context["form"].non_field_errors())
    )


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


def test_one_env_var_feeds_allauth_and_drf():
    code = (
        "from django.conf import settings as s;"
        "print(s.TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_PROXY_COUNT,"
        " s.REST_FRAMEWORK['NUM_PROXIES'])"
    )
    result = _manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)
    assert result.stdout.split() == ["0", "0", "0"], result.stderr
    env = {**PRODUCTION_ENV, "TRUSTED_PROXY_COUNT": "2"}
    result = _manage("shell", "--no-imports", "-c", code, env=env)
    assert result.stdout.split() == ["2", "2", "2"], result.stderr


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_escape_the_login_limit(client):
    # allauth: 10 failed logins a minute per address; each try claims another address.
    responses = [_failed_login(client, n, HTTP_X_FORWARDED_FOR=next(_forged)) for n in range(11)]
    assert not any(_is_rate_limited(r) for r in responses[:10])
    assert _is_rate_limited(responses[10])


@pytest.mark.django_db
@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_the_proxy_saw_counts(client):
    # The proxy appends the address it saw; what the client wrote before it is ignored.
    responses = [
        _failed_login(client, n, HTTP_X_FORWARDED_FOR=f"{next(_forged)}, 192.0.2.55")
        for n in range(11)
    ]
    assert _is_rate_limited(responses[10])
    # Another real client (another address seen by the proxy) is not locked out.
    other = _failed_login(client, 99, HTTP_X_FORWARDED_FOR="192.0.2.66")
    assert not _is_rate_limited(other)


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_escape_the_api_limit(client):
    # DRF: 60 anonymous calls a minute per address.
    url = reverse("api:partner-list")
    statuses = [
        client.get(url, REMOTE_ADDR="198.51.100.8", HTTP_X_FORWARDED_FOR=next(_forged)).status_code
        for _ in range(61)
    ]
    assert set(statuses[:60]) == {200}
    assert statuses[60] == 429


# --- Security headers ---------------------------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on…= event handler"),
    (re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I), "javascript: URL"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/api/v1/partners/", "/api/docs/"])
def test_every_answer_carries_the_csp_and_the_permissions_policy(client, url):
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    policy = response["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_carries_inline_script_or_style(template):
    text = template.read_text()
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert not found, f"{template.relative_to(TEMPLATES)}: {', '.join(found)}"


@pytest.mark.django_db
def test_the_api_docs_load_their_start_up_script_from_a_url(client):
    page = client.get("/api/docs/").content.decode()
    assert not [m for p, m in INLINE if p.search(page)]
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
