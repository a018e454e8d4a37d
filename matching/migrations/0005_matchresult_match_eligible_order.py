# The officer's candidate list sorts eligible results by (score DESC, product, id). The index
# match_eligible_rank (eligible, -score) gave the score but not the tie-breakers, and half the
# eligible pairs share the top score, so every page read and sorted that whole group
# (docs/performance.md, issue 6, finding 1). Eligible rows now get an index of the list's whole
# order (partial: about 6 % of the table). The old index goes: PostgreSQL still chose it
# beside the new one, with an incremental sort that it costed on evenly sized score groups
# (page 5 of a province: 900 ms instead of 30). The rows that are not eligible keep their
# (-score) index, which the API's near misses (?eligible=false) are read by.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("matching", "0004_decline_code_and_messages"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="matchresult",
            name="match_eligible_rank",
        ),
        migrations.AddIndex(
            model_name="matchresult",
            index=models.Index(
                fields=["-score", "product", "id"],
                condition=models.Q(eligible=True),
                name="match_eligible_order",
            ),
        ),
        migrations.AddIndex(
            model_name="matchresult",
            index=models.Index(
                fields=["-score"],
                condition=models.Q(eligible=False),
                name="match_ineligible_rank",
            ),
        ),
    ]
