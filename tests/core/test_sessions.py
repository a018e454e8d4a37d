"""Sessions (otop_portal.sessions): Django's database sessions, read through a statement."""

import datetime as dt

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from otop_portal import backends
from otop_portal.sessions import SessionStore
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_signed_in_session_is_read_and_an_expired_one_signs_out(client):
    officer = factories.OfficerFactory()
    client.force_login(officer)
    home = reverse("matching:officer_home")
    assert client.get(home).status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(home)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_sessions_saved_by_djangos_store_stay_open_and_the_other_way_round():
    theirs = DjangoStore()
    theirs["language"] = "th"
    theirs.create()
    assert SessionStore(theirs.session_key).load() == {"language": "th"}
    ours = SessionStore()
    ours["step"] = 2
    ours.create()
    assert DjangoStore(ours.session_key).load() == {"step": 2}


def test_an_unknown_or_expired_key_reads_as_a_new_empty_session():
    store = SessionStore()
    store["a"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(minutes=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {} and expired.session_key is None
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def _django_signed_in_session(user) -> str:
    """A session as Django's ModelBackend wrote it at login before otop_portal.backends."""
    store = DjangoStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backends.DJANGO_PATH
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def test_a_session_signed_in_through_djangos_model_backend_stays_signed_in(client, settings):
    officer = factories.OfficerFactory()
    client.cookies[settings.SESSION_COOKIE_NAME] = _django_signed_in_session(officer)
    response = client.get(reverse("matching:officer_home"))
    assert response.status_code == 200 and response.wsgi_request.user == officer


def test_the_sessions_user_is_read_in_one_query_and_a_deactivated_one_is_signed_out(
    client, django_assert_num_queries
):
    producer = factories.ProducerUserFactory()
    assert backends.ModelBackend().get_user(producer.pk) == producer
    with django_assert_num_queries(1):
        assert backends.ModelBackend().get_user(producer.pk).email == producer.email
    assert backends.ModelBackend().get_user(producer.pk + 1000) is None
    client.force_login(producer)
    home = reverse("producers:home")
    assert client.get(home).status_code == 200
    type(producer).objects.filter(pk=producer.pk).update(is_active=False)
    assert backends.ModelBackend().get_user(producer.pk) is None
    response = client.get(home)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_wrong_password_is_not_checked_by_djangos_backend_as_well(settings):
    # Each listed backend checks the password again: the session's old path is read as the
    # new one (above) instead of being listed beside it.
    assert settings.AUTHENTICATION_BACKENDS[0] == backends.PATH
    assert backends.DJANGO_PATH not in settings.AUTHENTICATION_BACKENDS
