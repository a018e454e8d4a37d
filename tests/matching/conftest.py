"""Fixtures of the matching tests that talk to PostgreSQL from more than one connection."""

import pytest
from django.db import connection


@pytest.fixture
def postgresql():
    """psycopg's connection parameters for the test database; skips the test on SQLite."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: connections that wait on each other's row locks, workers that "
            "claim ranges with SKIP LOCKED (CI's PostgreSQL pass runs it)"
        )
    db = connection.settings_dict
    return {
        "dbname": db["NAME"],
        "user": db["USER"],
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "password": db["PASSWORD"] or None,
    }
