# The product and channel FK indexes repeat the leading column of one_result_per_pair and
# match_channel_rank; every stored result paid for both (docs/performance.md, findings 3-4).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('matching', '0011_shortlist_waiting_first'),
        ('partners', '0004_partner_portal'),
        ('producers', '0004_product_weight_grams'),
    ]

    operations = [
        migrations.AlterField(
            model_name='matchresult',
            name='channel',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='match_results', to='partners.channel'),
        ),
        migrations.AlterField(
            model_name='matchresult',
            name='product',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='match_results', to='producers.product'),
        ),
    ]
