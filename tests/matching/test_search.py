"""Name search that works for Thai (otop_portal.search): substring terms in any order, on SQLite
and PostgreSQL, backed by trigram indexes on PostgreSQL."""

from __future__ import annotations

import unicodedata

import pytest
from django.db import connection

from otop_portal.search import normalize_query, search_terms, thai_search
from producers.models import Producer, Product
from tests import factories

NAME = "ผ้าไหมมัดหมี่บ้านนา"


def _names(text: str) -> set[str]:
    fields = ["name_th", "name_en", "producer__name_th", "producer__name_en"]
    return set(thai_search(Product.objects.all(), text, fields).values_list("name_th", flat=True))


@pytest.fixture
def products(db):
    weavers = factories.ProducerFactory(name_th="กลุ่มทอผ้าบ้านนา", name_en="Ban Na Weavers")
    factories.ProductFactory(producer=weavers, name_th=NAME, name_en="Mudmee silk")
    factories.ProductFactory(producer=weavers, name_th="น้ำพริกเผา", name_en="Chilli paste")
    factories.ProductFactory(name_th="กาแฟดอยช้าง", name_en="Café Doi Chang")
    return weavers


# --- The query ----------------------------------------------------------------------------------


def test_the_query_is_trimmed_and_its_spaces_collapsed():
    assert normalize_query("  ผ้าไหม \t\n มัดหมี่  ") == "ผ้าไหม มัดหมี่"


def test_the_query_is_put_in_nfc():
    assert normalize_query(unicodedata.normalize("NFD", "Café")) == "Café"


def test_invisible_word_break_hints_are_dropped():
    assert normalize_query("ผ้าไหม\u200bมัดหมี่") == "ผ้าไหมมัดหมี่"


def test_sara_am_typed_as_two_characters_is_one():
    assert normalize_query("น\u0e49\u0e4d\u0e32พริก") == "น\u0e49\u0e33พริก"
    assert normalize_query("น\u0e4d\u0e49\u0e32พริก") == "น\u0e49\u0e33พริก"
    assert normalize_query("ก\u0e4d\u0e32") == "ก\u0e33"


def test_the_terms_are_the_words_typed_once_each():
    assert search_terms("ผ้าไหม  บ้านนา ผ้าไหม") == ["ผ้าไหม", "บ้านนา"]
    assert search_terms("   ") == []
    assert search_terms(None) == []


# --- Finding names (on the database the tests run on: SQLite or PostgreSQL) ---------------------


def test_a_thai_word_finds_the_name_that_contains_it(products):
    assert _names("ผ้าไหม") == {NAME}


def test_a_part_of_a_word_is_enough(products):
    assert _names("มัดหม") == {NAME}


def test_two_terms_match_in_any_order(products):
    assert _names("บ้านนา ผ้าไหม") == {NAME}
    assert _names("ผ้าไหม บ้านนา") == {NAME}


def test_every_term_must_match(products):
    assert _names("ผ้าไหม กาแฟ") == set()


def test_a_term_may_match_the_producer_and_another_the_product(products):
    assert _names("ทอผ้า น้ำพริก") == {"น้ำพริกเผา"}


def test_extra_spaces_do_not_matter(products):
    assert _names("   ผ้าไหม    มัดหมี่ ") == {NAME}


def test_the_same_text_in_nfd_finds_the_name_stored_in_nfc(products):
    assert _names(unicodedata.normalize("NFD", "Café")) == {"กาแฟดอยช้าง"}
    assert _names(unicodedata.normalize("NFD", NAME)) == {NAME}


def test_sara_am_typed_as_two_characters_finds_the_name(products):
    assert _names("น\u0e4d\u0e49\u0e32พริก") == {"น้ำพริกเผา"}


def test_english_names_are_found_whatever_the_case(products):
    assert _names("mudmee SILK") == {NAME}


def test_an_empty_query_leaves_every_row(products):
    assert len(_names("")) == 3
    assert len(_names("  ")) == 3


def test_like_wildcards_are_searched_for_literally(products):
    assert _names("%") == set()
    assert _names("_") == set()


def test_a_name_that_does_not_contain_the_term_is_not_found(products):
    assert _names("ผ้าฝ้าย") == set()


# --- PostgreSQL: the trigram indexes ------------------------------------------------------------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only"
)


@on_postgresql
@pytest.mark.django_db
def test_the_migration_made_the_trigram_indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE %s", ["%_trgm"]
        )
        indexes = dict(cursor.fetchall())
    assert {
        "producers_producer_name_th_trgm",
        "producers_producer_name_en_trgm",
        "producers_product_name_th_trgm",
        "producers_product_name_en_trgm",
        "producers_certification_number_trgm",
        "producers_certification_issuer_trgm",
    } <= set(indexes)
    assert "gin_trgm_ops" in indexes["producers_product_name_th_trgm"]


@on_postgresql
def test_a_search_uses_the_trigram_indexes(products):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: make the planner choose
        cursor.execute("ANALYZE producers_producer")
    plan = thai_search(Producer.objects.all(), "ผ้าไหม", ["name_th", "name_en"]).explain()
    assert "producers_producer_name_th_trgm" in plan
    assert "producers_producer_name_en_trgm" in plan
    assert "Seq Scan" not in plan


@on_postgresql
def test_a_thai_search_on_postgresql_finds_through_the_index(products):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert _names("ผ้าไหม บ้านนา") == {NAME}
