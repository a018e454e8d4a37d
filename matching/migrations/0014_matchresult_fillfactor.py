# PostgreSQL: leave half of each page of the result table free, so that a re-score which changes
# only columns no index covers (a new requirement version with the same outcome, a new
# fingerprint, the stars) updates each row in place on its own page (a HOT update) instead of
# writing a new row elsewhere plus an entry in each of the table's six indexes. Measured at
# national size, every row's requirement version changed: 308.8 s -> 173.6 s
# (docs/performance.md, issue 14). Half, because a re-score updates the rows of a page in one
# transaction, so the old versions cannot be pruned before the new ones need the room. The
# table is not larger for it in use: a re-score that rewrites every row leaves it twice its
# packed size anyway, until VACUUM reuses the space.
#
# Pages written from now on follow the setting; an existing table reaches it as its rows are
# rewritten, or at once with `VACUUM FULL matching_matchresult` (an exclusive lock: 39 s at
# 250,000 products; README, "Production layout"). SQLite has no such setting.

from django.db import migrations

TABLE = "matching_matchresult"


def set_fillfactor(apps, schema_editor, value: int | None = 50) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    if value is None:
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET (fillfactor)")
    else:
        schema_editor.execute(f"ALTER TABLE {TABLE} SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor) -> None:
    set_fillfactor(apps, schema_editor, None)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0013_rematch_runs_and_ranges"),
    ]

    operations = [
        migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False),
    ]
