"""Who sees what: every route against every role, with the status each must get.

A new route without a row here fails `test_every_route_has_a_row`.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from tests import factories
from tests.matrix import API_ANON, LOGIN, ROLES, Row, everyone, logged_in, only


def _invitation_by_officer(request) -> dict:
    """A waiting invitation the officer sent to a member of `partner`'s company."""
    officer = request.getfixturevalue("officer")
    partner = request.getfixturevalue("partner")
    invitation = factories.InvitationFactory(invited_by=officer, partner=partner.partner)
    return {"pk": invitation.pk}


def _invitation_token(request) -> dict:
    factories.InvitationFactory(token="matrix-token")
    return {"token": "matrix-token"}


CORE_ROWS = [
    Row("landing", everyone(200)),
    Row("home", logged_in(302)),
    Row("healthz", everyone(200)),
    Row("set_language", everyone(302), method="post", data={"language": "en", "next": "/"}),
    Row("admin_home", only("admin")),
    Row("invitation_list", only("officer", "other_officer", "partner", "admin")),
    Row(
        "invitation_revoke",
        {
            "anonymous": LOGIN,
            "producer": 403,
            "other_producer": 403,
            "officer": 302,  # sent it: withdrawn, back to the list
            "other_officer": 404,  # not theirs: as if it did not exist
            "partner": 302,  # partner admin of the invited company
            "other_partner": 403,  # not a partner admin
            "admin": 302,
        },
        method="post",
        setup=_invitation_by_officer,
    ),
    Row("invitation_accept", logged_in(302, anonymous=200), setup=_invitation_token),
    # notifications: one's own only; the settings are for partner members (what they receive)
    Row("notifications", logged_in(200)),
    Row("notifications_read", logged_in(302), method="post"),  # back to the list
    Row("notification_settings", only("partner", "other_partner")),
    # allauth
    Row("account_login", logged_in(302, anonymous=200)),
    Row("account_logout", logged_in(200, anonymous=302)),
    Row("account_inactive", everyone(200)),
    Row("account_signup", logged_in(302, anonymous=200)),
    Row("account_reauthenticate", logged_in(200)),
    Row("account_email", logged_in(200)),
    Row("account_email_verification_sent", everyone(200)),
    Row("account_change_password", logged_in(200)),
    Row("account_set_password", logged_in(302)),  # they have a password: sent to change it
    Row("account_reset_password", everyone(200)),
    Row("account_reset_password_done", everyone(200)),
    Row("account_confirm_login_code", everyone(302)),  # login by code is off
    Row("account_confirm_email", everyone(200), kwargs={"key": "not-a-real-key"}),
    Row(
        "account_reset_password_from_key",
        everyone(200),
        kwargs={"uidb36": "0", "key": "not-a-real-key"},
    ),
    Row("account_reset_password_from_key_done", everyone(200)),
    # role homes
    Row("producers:home", only("producer", "other_producer")),
    Row("partners:home", only("partner", "other_partner")),
    Row("partners:directory", everyone(200)),
    Row("matching:officer_home", only("officer", "other_officer")),
    # API
    Row("api:api-root", logged_in(200, anonymous=API_ANON)),
    Row("api:me", logged_in(200, anonymous=API_ANON)),
    Row("api:province-list", logged_in(200, anonymous=API_ANON)),
    Row("api:province-detail", logged_in(200, anonymous=API_ANON), kwargs={"code": "50"}),
    Row("api-schema", everyone(200)),
    Row("api-docs", everyone(200)),
    # Django admin: staff only; its own permission system covers each model page.
    Row("admin:index", {**everyone(302), "admin": 200}),
    Row("admin:login", {**everyone(403), "anonymous": 302, "admin": 302}),
    Row("admin:otop_portal_user_changelist", {**everyone(302), "admin": 200}),
    Row("admin:otop_portal_notification_changelist", {**everyone(302), "admin": 200}),
    Row("admin:matching_exportjob_changelist", {**everyone(302), "admin": 200}),
    Row("admin:partners_contactview_changelist", {**everyone(302), "admin": 200}),
    Row("admin:partners_apitoken_changelist", {**everyone(302), "admin": 200}),
    Row("admin:matching_referral_changelist", {**everyone(302), "admin": 200}),
]


def _app_rows() -> list[Row]:
    """Every tests/<app>/matrix_rows*.py contributes its ROWS (one file per feature where an
    app has several)."""
    rows: list[Row] = []
    for info in pkgutil.iter_modules(tests.__path__):
        if not info.ispkg:
            continue
        package = importlib.import_module(f"tests.{info.name}")
        for sub in pkgutil.iter_modules(package.__path__):
            if sub.name.startswith("matrix_rows"):
                module = importlib.import_module(f"tests.{info.name}.{sub.name}")
                rows.extend(module.ROWS)
    return rows


MATRIX = CORE_ROWS + _app_rows()

# Routes that are checked elsewhere or have no name of ours.
NOT_IN_MATRIX_NAMESPACES = {"admin"}  # dozens of model pages; admin:index etc. are sampled above


def _named_routes() -> set[str]:
    names: set[str] = set()

    def walk(resolver, namespace=None):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace
                walk(pattern, f"{namespace}:{ns}" if namespace and ns else (ns or namespace))
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver())
    return {n for n in names if n.split(":")[0] not in NOT_IN_MATRIX_NAMESPACES}


def test_every_route_has_a_row():
    covered = {row.name for row in MATRIX}
    missing = sorted(_named_routes() - covered)
    assert not missing, f"routes without a permission-matrix row: {missing}"


def test_every_row_names_every_role():
    for row in MATRIX:
        assert set(row.expected) == set(ROLES), row.id


def test_no_route_has_two_rows():
    # The same route twice only with different data set up (a case the first row lacks).
    ids = [(row.id, str(row.kwargs), getattr(row.setup, "__name__", "")) for row in MATRIX]
    assert len(ids) == len(set(ids))


CASES = [(row, role) for row in MATRIX for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "role"), CASES, ids=[f"{row.id}-{role}" for row, role in CASES])
def test_permission_matrix(row: Row, role: str, request, client_for, province):
    kwargs = dict(row.kwargs or {})
    if row.setup:
        kwargs.update(row.setup(request) or {})
    url = reverse(row.name, kwargs=kwargs or None)
    client = client_for(role)
    data = row.data(request) if callable(row.data) else (row.data or {})
    if row.json:
        response = getattr(client, row.method)(url, data, content_type="application/json")
    else:
        response = getattr(client, row.method)(url, data)
    assert response.status_code == row.expected[role], (
        f"{row.method.upper()} {url} as {role}: {response.status_code}, "
        f"expected {row.expected[role]}"
    )
