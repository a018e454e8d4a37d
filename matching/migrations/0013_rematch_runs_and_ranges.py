# Split re-scores: a run of product-id ranges that task workers claim (issue 14).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('matching', '0012_matchresult_drop_redundant_fk_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='RematchRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=64, verbose_name='what')),
                ('channel_ids', models.JSONField(blank=True, null=True, verbose_name='channels')),
                ('as_of', models.DateField(verbose_name='as of')),
                ('status', models.CharField(choices=[('running', 'Running'), ('done', 'Done'), ('failed', 'Finished with errors'), ('superseded', 'Replaced by a newer run')], default='running', max_length=12, verbose_name='status')),
                ('lease_seconds', models.PositiveIntegerField(default=120, verbose_name='lease (seconds)')),
                ('ranges_total', models.PositiveIntegerField(default=0, verbose_name='ranges')),
                ('ranges_done', models.PositiveIntegerField(default=0, verbose_name='ranges done')),
                ('products', models.PositiveIntegerField(default=0, verbose_name='products')),
                ('pairs', models.BigIntegerField(default=0, verbose_name='pairs scored')),
                ('written', models.BigIntegerField(default=0, verbose_name='results written')),
                ('eligible', models.BigIntegerField(default=0, verbose_name='eligible pairs')),
                ('removed', models.PositiveIntegerField(default=0, verbose_name='stale results removed')),
                ('lapsed', models.PositiveIntegerField(default=0, verbose_name='referrals lapsed')),
                ('check_at', models.DateTimeField(blank=True, null=True)),
                ('started_at', models.DateTimeField(auto_now_add=True, verbose_name='started')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
            ],
            options={
                'verbose_name': 're-scoring run',
                'verbose_name_plural': 're-scoring runs',
                'ordering': ['-started_at', '-pk'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'running')), fields=('key',), name='one_unfinished_run_per_key')],
            },
        ),
        migrations.CreateModel(
            name='RematchRange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('first_id', models.BigIntegerField()),
                ('last_id', models.BigIntegerField(blank=True, null=True)),
                ('status', models.CharField(choices=[('pending', 'Waiting'), ('claimed', 'Being scored'), ('done', 'Done'), ('failed', 'Failed')], default='pending', max_length=8)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('worker', models.CharField(blank=True, max_length=128)),
                ('lease_until', models.DateTimeField(blank=True, null=True)),
                ('products', models.PositiveIntegerField(default=0)),
                ('pairs', models.BigIntegerField(default=0)),
                ('written', models.BigIntegerField(default=0)),
                ('eligible', models.BigIntegerField(default=0)),
                ('error', models.TextField(blank=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ranges', to='matching.rematchrun')),
            ],
            options={
                'ordering': ['run', 'first_id'],
                'indexes': [models.Index(fields=['run', 'status'], name='rematch_range_run_status')],
            },
        ),
    ]
