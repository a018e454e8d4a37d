"""Sessions (otop_portal.sessions): Django's database sessions, read through a statement."""

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

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
