"""Trigram indexes behind the name search (otop_portal.search.thai_search), PostgreSQL only.

Django writes `name__icontains` on PostgreSQL as UPPER("name"::text) LIKE UPPER('%term%'), so the
indexes are on that same expression: a GIN index with gin_trgm_ops answers a LIKE with wildcards
at both ends, which a B-tree cannot. pg_trgm extracts trigrams from Thai text as from any other
(the database's LC_CTYPE must be a UTF-8 one, as PostgreSQL's defaults are). SQLite gets nothing:
there the search is a plain LIKE scan.
"""

from django.db import migrations

# (index name, table, column): the names an officer searches by.
TRIGRAM_INDEXES = [
    ("producers_producer_name_th_trgm", "producers_producer", "name_th"),
    ("producers_producer_name_en_trgm", "producers_producer", "name_en"),
    ("producers_product_name_th_trgm", "producers_product", "name_th"),
    ("producers_product_name_en_trgm", "producers_product", "name_en"),
    ("producers_certification_number_trgm", "producers_certification", "number"),
    ("producers_certification_issuer_trgm", "producers_certification", "issuer"),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    # The extension stays: other schemas or later migrations may use it, and it costs nothing.


class Migration(migrations.Migration):
    dependencies = [
        ("producers", "0002_historicalproducer_producer_nationalidview_and_more"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
