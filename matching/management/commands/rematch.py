import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from matching.models import RematchRun, RunStatus
from matching.runs import (
    RANGE_SIZE,
    latest_runs,
    rematch_run,
    rematch_run_enqueue,
    rematch_run_start,
    rematch_run_work,
    run_progress,
    run_summary,
    runs_inline,
)
from matching.selectors import matchable_products
from matching.services import rematch_expired, rematch_products
from partners.models import Channel


class Command(BaseCommand):
    help = (
        "Re-score products against partner channels and store what changed. --all and "
        "--channel open a run of product ranges that every db_worker shares (or that this "
        "process scores itself when tasks run inline); --status shows how far runs are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every product × every channel")
        parser.add_argument("--channel", help="one channel (its code) against every product")
        parser.add_argument(
            "--product", type=int, help="one product (its id) against every channel"
        )
        parser.add_argument(
            "--expired",
            action="store_true",
            help="the daily job: products whose certificates expired lately",
        )
        parser.add_argument(
            "--status", action="store_true", help="the latest runs and how far they are"
        )
        parser.add_argument(
            "--here",
            action="store_true",
            help="with --all/--channel: score ranges in this process too, next to the workers",
        )
        parser.add_argument(
            "--wait", action="store_true", help="with --all/--channel: follow the run to its end"
        )
        parser.add_argument("--range-size", type=int, default=RANGE_SIZE, help="products a range")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **opts):
        chosen = [k for k in ("all", "channel", "product", "expired", "status") if opts.get(k)]
        if len(chosen) != 1:
            raise CommandError(
                "Say what to re-score: --all, --channel CODE, --product ID or --expired "
                "(or --status)."
            )
        if opts["status"]:
            self._status()
            return
        if opts["product"]:
            self.stdout.write(str(rematch_products([opts["product"]])))
            return
        if opts["expired"]:
            self.stdout.write(str(rematch_expired()))
            return
        channel_ids = None
        if opts["channel"]:
            channel = Channel.objects.filter(code=opts["channel"]).first()
            if channel is None:
                raise CommandError(f"No channel with the code {opts['channel']!r}.")
            channel_ids = {channel.pk}
        if runs_inline() or opts["here"]:
            run = self._score_here(channel_ids, opts)
        else:
            run, created = rematch_run(channel_ids=channel_ids, range_size=opts["range_size"])
            verb = "queued" if created else "joined (it was running already)"
            self.stdout.write(
                f"Run #{run.pk} ({run.key}) {verb}: {run.ranges_total} ranges of about "
                f"{opts['range_size']:,} products for the db_workers. Follow it with "
                f"`manage.py rematch --status`."
            )
            if opts["wait"]:
                run = self._follow(run, opts)
        if run.status != RunStatus.RUNNING:
            self.stdout.write(f"Run #{run.pk} ({run.key}) {run.status}: {run_summary(run)}")

    def _score_here(self, channel_ids, opts) -> RematchRun:
        run, created = rematch_run_start(channel_ids=channel_ids, range_size=opts["range_size"])
        if not created:
            self.stdout.write(f"Run #{run.pk} ({run.key}) was running already: joining it.")
        elif not runs_inline():
            rematch_run_enqueue(run)  # the workers share it with this process
        total = matchable_products().count()
        with tqdm(
            total=total, unit="products", disable=opts["no_progress"], file=self.stderr._out
        ) as bar:
            written = 0

            def progress(products: int, rows: int) -> None:
                nonlocal written
                written += rows
                bar.update(products)
                bar.set_postfix(written=f"{written:,}", refresh=False)

            rematch_run_work(run_id=run.pk, progress=progress)
        run.refresh_from_db()
        return run

    def _follow(self, run: RematchRun, opts) -> RematchRun:
        with tqdm(
            total=run.ranges_total,
            unit="ranges",
            disable=opts["no_progress"],
            file=self.stderr._out,
        ) as bar:
            while True:
                run.refresh_from_db()
                bar.update(run.ranges_done - bar.n)
                bar.set_postfix(scored=f"{run.pairs:,}", written=f"{run.written:,}")
                if run.status != RunStatus.RUNNING:
                    return run
                time.sleep(1)

    def _status(self) -> None:
        runs = latest_runs()
        if not runs:
            self.stdout.write("No re-scoring run yet.")
            return
        for run in runs:
            p = run_progress(run)
            started = timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M:%S")
            line = (
                f"Run #{run.pk} ({run.key}) {run.status}, started {started}: "
                f"{p.done}/{p.total} ranges done"
            )
            if run.status == RunStatus.RUNNING:
                line += f", {p.out} being scored, {p.stalled} stalled (worker gone)"
            if p.failed:
                line += f", {p.failed} failed"
            self.stdout.write(f"{line}; {run_summary(run)}")
