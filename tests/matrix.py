"""Vocabulary of the permission matrix (tests/test_permissions.py).

Each app keeps its rows beside its tests (tests/<app>/matrix_rows.py, a list named ROWS);
test_permissions.py runs them all against every role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = [
    "anonymous",
    "producer",
    "other_producer",
    "officer",
    "other_officer",
    "partner",
    "other_partner",
    "admin",
]

LOGIN = 302  # anonymous users are sent to the login page
API_ANON = 401  # the API asks for credentials (WWW-Authenticate: Token)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def logged_in(status: int, anonymous: int = LOGIN) -> dict[str, int]:
    return {**everyone(status), "anonymous": anonymous}


def only(*roles: str, ok: int = 200, other: int = 403, anonymous: int = LOGIN) -> dict[str, int]:
    table = {role: (ok if role in roles else other) for role in ROLES}
    table["anonymous"] = anonymous
    return table


def roles(default: int, **statuses: int) -> dict[str, int]:
    """Everyone gets `default` except the roles named: roles(403, producer=200, anonymous=302)."""
    table = everyone(default)
    unknown = set(statuses) - set(ROLES)
    assert not unknown, unknown
    table.update(statuses)
    return table


@dataclass
class Row:
    """One route: `expected` maps every role to the status it must get.

    `setup(request)` builds the data the route needs (use request.getfixturevalue("producer")
    and friends) and returns the URL kwargs. `data` is sent with the request (form-encoded, or
    JSON when `json=True`).
    """

    name: str
    expected: dict[str, int]
    method: str = "get"
    kwargs: dict | None = None
    setup: Callable | None = None
    data: dict | Callable | None = field(default=None)
    json: bool = False

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.name}"
