"""Django's database sessions, read through a statement compiled once (issue 13).

Every signed-in request reads its session: Django builds and compiles the same query each
time. This store reads it by key through otop_portal.statements and leaves out an expired
one in Python, as Django's `expire_date__gt=now()` does in SQL. Same table, same rows:
sessions opened before the switch stay open (SESSION_ENGINE in settings.py), and so do those
signed in through Django's ModelBackend before otop_portal.backends replaced it.
"""

from __future__ import annotations

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends import db
from django.utils import timezone

from otop_portal import backends
from otop_portal.statements import Statement


def _session_by_key(key: str):
    from django.contrib.sessions.models import Session

    return Session.objects.filter(session_key=key)


_SESSION = Statement(_session_by_key, kinds=(str,))


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        found = _SESSION.first(key) if isinstance(key, str) else None
        if found is not None and found.expire_date > timezone.now():
            return found
        self._session_key = None
        return None

    def decode(self, session_data):
        """The session's values; one signed in through Django's ModelBackend (before
        otop_portal.backends took its place) reads as signed in through that backend, so it
        stays open. Nothing is written: a session saved later holds the new path."""
        data = super().decode(session_data)
        if data.get(BACKEND_SESSION_KEY) == backends.DJANGO_PATH:
            data[BACKEND_SESSION_KEY] = backends.PATH
        return data
