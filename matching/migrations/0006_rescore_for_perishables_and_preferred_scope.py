"""The engine now applies a shelf-life minimum only to perishable categories, scores preferred
certificates only for the categories they mean something for, and explains steps anew: every
stored result may be wrong.

Re-scoring needs the current models and the engine, which a migration must not use (a later
migration may change the tables under them). So this migration only marks every result stale
(fingerprint 0: `stale_product_ids()` finds them), and matching.hooks re-scores everything once
`migrate` has finished, when the code and the tables agree (post_migrate). If that was skipped,
`manage.py rematch --all` does the same.
"""

from django.db import migrations


def mark_results_stale(apps, schema_editor):
    MatchResult = apps.get_model("matching", "MatchResult")
    MatchResult.objects.update(fingerprint=0)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0005_matchresult_match_eligible_order"),
        ("producers", "0006_perishable_categories_and_certificate_scope"),
    ]

    operations = [migrations.RunPython(mark_results_stale, migrations.RunPython.noop)]
