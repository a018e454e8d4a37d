"""The session's user, read through a statement compiled once (issue 13).

Every signed-in request reads its user by the id its session holds: Django's ModelBackend
builds and compiles the same query each time (0.3 ms of a page's CPU at national size,
docs/performance.md, sixteenth pass). This backend is Django's in every other respect
(passwords, permissions, inactive accounts); only `get_user` reads through a Statement.

A session names the backend that signed it in. Sessions signed in through Django's
ModelBackend before the switch are read as this one's (otop_portal.sessions), so they stay
open, and Django's path is not listed beside this one: each listed backend checks a wrong
password again, and hashing one is the costliest thing a login does.
"""

from __future__ import annotations

from django.contrib.auth import backends, get_user_model

from otop_portal.statements import Statement

# AUTHENTICATION_BACKENDS's first entry; the path Django's ModelBackend is read as.
PATH = "otop_portal.backends.ModelBackend"
DJANGO_PATH = "django.contrib.auth.backends.ModelBackend"


def _user_by_id(pk: int):
    return get_user_model()._default_manager.filter(pk=pk)


_USER = Statement(_user_by_id)


class ModelBackend(backends.ModelBackend):
    """Django's ModelBackend, reading the session's user through a statement."""

    def get_user(self, user_id):
        if type(user_id) is not int:  # a custom primary key: Django's own read
            return super().get_user(user_id)
        user = _USER.first(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
