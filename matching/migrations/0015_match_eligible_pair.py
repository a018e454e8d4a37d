# The eligible pairs of each product, for a province's candidates narrowed to one partner
# (matching/models.py). On PostgreSQL the index is built CONCURRENTLY: the result table holds
# 9.2 M rows at national size (1.6 s to build there), and re-scores keep writing meanwhile.

from django.db import migrations, models

INDEX = models.Index(
    fields=["product", "channel"], condition=models.Q(eligible=True), name="match_eligible_pair"
)


def add(apps, schema_editor) -> None:
    model = apps.get_model("matching", "MatchResult")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS match_eligible_pair "
            "ON matching_matchresult (product_id, channel_id) WHERE eligible"
        )
    else:
        schema_editor.add_index(model, INDEX)


def remove(apps, schema_editor) -> None:
    model = apps.get_model("matching", "MatchResult")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS match_eligible_pair")
    else:
        schema_editor.remove_index(model, INDEX)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("matching", "0014_matchresult_fillfactor"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="matchresult", index=INDEX)],
            database_operations=[migrations.RunPython(add, remove, elidable=False)],
        ),
    ]
