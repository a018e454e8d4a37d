"""A re-score's bulk write racing another connection on PostgreSQL (issue 14): nothing is lost
and the planner is left as it was found."""

import threading

import psycopg
import pytest
from django.db import connection, connections, transaction

from matching import services
from matching.models import MatchResult
from matching.services import COLUMNS, rematch_all
from tests import factories
from tests.matching.results import stored, wait_for, waiting_on_a_lock

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_result_inserted_by_another_transaction_mid_write_is_overwritten_not_lost(
    postgresql, monkeypatch
):
    """The bulk write merges a chunk's rows; a row of a new product that another connection
    inserts meanwhile (a producer's edit re-scoring it) makes the MERGE fail on the unique
    pair. The chunk is then upserted instead: the re-score finishes, and every stored result
    is the re-score's, the other transaction's row included."""
    if connection.pg_version < 150000:
        pytest.skip("MERGE needs PostgreSQL 15")
    monkeypatch.setattr(services, "COPY_FROM", 1)  # every chunk through COPY and MERGE
    food = factories.CategoryFactory(code="food")
    channel = factories.ChannelFactory(code="shop-any")
    products = factories.ProductFactory.create_batch(3, category=food, price=120)
    rematch_all()
    expected = stored()
    new = products[-1]
    MatchResult.objects.filter(product=new).delete()  # as if it had just been added

    watch = psycopg.connect(**postgresql, autocommit=True)
    other = psycopg.connect(**postgresql, autocommit=False)
    outcome: dict = {}

    def rescore():
        try:
            outcome["summary"] = rematch_all()
        except Exception as error:  # reported by the assertion below
            outcome["error"] = error
        finally:
            connections.close_all()

    worker = threading.Thread(target=rescore)
    try:
        # The other transaction's result for the new product: not committed yet, and wrong.
        other.execute(
            f"INSERT INTO matching_matchresult ({', '.join(COLUMNS)}) "  # noqa: S608
            "VALUES (%s, %s, false, 0, 0, 0, NULL, 0, 0, now()::date, now(), NULL)",
            [new.pk, channel.pk],
        )
        worker.start()
        merging = "MERGE INTO matching_matchresult%"
        wait_for(  # or until the re-score has ended, which it must not before the commit
            lambda: waiting_on_a_lock(watch, merging) or not worker.is_alive(),
            60,
            "the MERGE to wait on the other transaction's row",
        )
        assert waiting_on_a_lock(watch, merging), outcome.get("error", "the MERGE never waited")
        other.commit()
        worker.join(60)
    finally:
        other.close()
        watch.close()
    assert not worker.is_alive()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["summary"].written == 1  # the other's row, overwritten; the rest unchanged
    assert stored() == expected


def test_a_bulk_write_inside_a_callers_transaction_leaves_the_planner_as_it_was(
    postgresql, monkeypatch
):
    """The MERGE turns off merge and hash joins and JIT for itself; the rest of the caller's
    transaction (the page that asked for the re-score) plans as before."""
    monkeypatch.setattr(services, "COPY_FROM", 1)
    factories.ProductFactory.create_batch(3, category=factories.CategoryFactory(code="food"))
    factories.ChannelFactory(code="shop-any")
    rematch_all()
    MatchResult.objects.update(requirement_version=0)  # every stored row must be written again
    rows = MatchResult.objects.count()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_hashjoin = off")  # the caller's own choice stays
        assert rematch_all().written == rows > 0
        cursor.execute(
            "SELECT current_setting('enable_mergejoin'), current_setting('enable_hashjoin'), "
            "current_setting('jit')"
        )
        during = cursor.fetchone()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit')")
        (jit,) = cursor.fetchone()
    assert during == ("on", "off", jit)


def test_a_rescore_on_its_helper_connections_stores_what_one_connection_stores(postgresql):
    """Outside a transaction the re-score compares and writes chunks on two more connections
    while it scores the next; chunk after chunk, and whether it compares digests first or
    sends whole chunks (every row changed), it must store what the same re-score stores on
    one connection inside a transaction."""
    food = factories.CategoryFactory(code="food")
    factories.ChannelFactory(code="shop-any")
    factories.ChannelFactory(code="shop-cheap", requirement={"price_max": 450})
    for price in range(100, 1000, 100):
        factories.ProductFactory(category=food, price=price)
    MatchResult.objects.all().delete()
    with transaction.atomic():  # one connection
        assert rematch_all(chunk=2).written == MatchResult.objects.count() == 18
    expected = stored()
    assert {row[2] for row in expected} == {True, False}  # eligible for one channel only

    MatchResult.objects.all().delete()
    first = rematch_all(chunk=2)  # helpers: every product new
    assert (first.written, stored()) == (len(expected), expected)
    MatchResult.objects.update(requirement_version=0)
    assert rematch_all(chunk=2).written == len(expected)  # every row changed
    assert rematch_all(chunk=2).written == 0
    assert stored() == expected
