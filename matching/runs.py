"""A full re-score (or one channel's) spread over any number of task workers.

A run cuts the product ids into ranges. Workers (`manage.py db_worker`, on any machine, sharing
the one PostgreSQL) claim a range at a time with SELECT … FOR UPDATE SKIP LOCKED and renew a
lease after every chunk of products. A range whose lease ran out (its worker was killed) is
claimed again by the next worker that asks, so nothing is lost: scoring a range twice writes
nothing the second time (services.CHANGES). The last range to finish, holding the run's row
lock, does the run's end once: the stale-result cleanup and the referral lapse.

django-tasks-db marks a task RUNNING when a worker takes it and never looks at it again if
that worker dies, so the queue alone cannot bring a lost range back. Hence the leases here, and
one queued check per run (a task with run_after at the earliest lease's end) while ranges are
out with other workers.

With a backend that runs tasks inline (ImmediateBackend: the embedded default, the tests) the
caller's process does every range itself, in order.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.utils import timezone
from django_tasks import task

from matching.models import RangeStatus, RematchRange, RematchRun, RunStatus
from matching.selectors import matchable_products
from matching.services import Progress, RematchSummary, analyze_results, rematch_finish
from matching.services import rematch_range as score_range
from otop_portal.statements import Statement

RANGE_SIZE = 5000  # products per range: ~5 s of work on one core at 40 channels
MAX_ATTEMPTS = 5  # a range that fails this often is left failed (the run says so)
CHECK_SLACK = dt.timedelta(seconds=1)
KEEP_FINISHED = dt.timedelta(days=90)  # finished runs (and their ranges) kept this long


class LostClaim(Exception):
    """Another worker took this range over (our lease ran out): stop, it is theirs now."""


def _key(channel_ids: set[int] | None) -> str:
    return "all" if channel_ids is None else "channel:" + ",".join(map(str, sorted(channel_ids)))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _boundaries(range_size: int) -> list[int]:
    """The first product id of each range: every range_size-th matchable product."""
    ids = matchable_products().order_by("id").values_list("id", flat=True)
    return [pid for i, pid in enumerate(ids.iterator(chunk_size=10_000)) if i % range_size == 0]


def rematch_run_start(
    *,
    channel_ids: set[int] | None = None,
    as_of: dt.date | None = None,
    range_size: int = RANGE_SIZE,
    lease_seconds: int = 120,
    join: bool = True,
    supersede: bool = False,
) -> tuple[RematchRun, bool]:
    """Open a run over every product (or against `channel_ids` only), cut into ranges of
    `range_size` products. Returns (run, created). While a run of the same kind is unfinished,
    no second one is opened: with join=True the unfinished one is returned (created False),
    else RunAlreadyRunning is raised. With supersede=True (a channel's requirement changed
    again: ranges already scored used the old one) the unfinished run is stopped and a new one
    opened. The work is not started here: see rematch_run_enqueue and rematch_run_work."""
    key = _key(channel_ids)
    if supersede:
        _supersede(key)
    open_run = RematchRun.objects.filter(key=key, status=RunStatus.RUNNING).first()
    if open_run is not None:
        if not join:
            raise RunAlreadyRunning(open_run)
        return open_run, False
    RematchRun.objects.filter(finished_at__lt=timezone.now() - KEEP_FINISHED).delete()
    starts = _boundaries(range_size) or [0]
    starts[0] = 0  # the ranges cover every id, new products included
    try:
        with transaction.atomic():
            run = RematchRun.objects.create(
                key=key,
                channel_ids=None if channel_ids is None else sorted(channel_ids),
                as_of=as_of or timezone.localdate(),
                lease_seconds=lease_seconds,
                ranges_total=len(starts),
            )
            RematchRange.objects.bulk_create(
                RematchRange(run=run, first_id=first, last_id=nxt - 1 if nxt else None)
                for first, nxt in zip(starts, [*starts[1:], None], strict=True)
            )
    except IntegrityError:  # another process opened it meanwhile (one_unfinished_run_per_key)
        open_run = RematchRun.objects.get(key=key, status=RunStatus.RUNNING)
        if not join:
            raise RunAlreadyRunning(open_run) from None
        return open_run, False
    return run, True


def _supersede(key: str) -> None:
    """Stop the unfinished run of this kind: its ranges end as failed, so a worker scoring one
    loses its claim at the next chunk; the new run does the end (cleanup, lapse)."""
    with transaction.atomic():
        old = RematchRun.objects.select_for_update().filter(key=key, status=RunStatus.RUNNING)
        for run in old:
            run.ranges.filter(status__in=[RangeStatus.PENDING, RangeStatus.CLAIMED]).update(
                status=RangeStatus.FAILED, error="superseded", lease_until=None
            )
            run.status, run.finished_at = RunStatus.SUPERSEDED, timezone.now()
            run.save(update_fields=["status", "finished_at"])


class RunAlreadyRunning(Exception):
    def __init__(self, run: RematchRun):
        super().__init__(f"re-scoring run #{run.pk} ({run.key}) is still running")
        self.run = run


def runs_inline() -> bool:
    """True when the task backend runs tasks in the caller's process (no workers)."""
    from django_tasks_db import DatabaseBackend

    return not isinstance(rematch_run_range.get_backend(), DatabaseBackend)


def rematch_run_enqueue(run: RematchRun, *, tasks: int | None = None) -> int:
    """Queue tasks for the workers (after the commit): one per unfinished range by default, so
    every worker gets one, whatever their number. Each task claims ranges until none is left
    to claim; the surplus ones find nothing and end at once. Returns how many were queued."""
    left = run.ranges.filter(status__in=[RangeStatus.PENDING, RangeStatus.CLAIMED]).count()
    n = max(1, left) if tasks is None else tasks
    run_id = run.pk
    for _ in range(n):
        transaction.on_commit(lambda: rematch_run_range.enqueue(run_id))
    return n


def rematch_run(
    *,
    channel_ids: set[int] | None = None,
    as_of: dt.date | None = None,
    range_size: int = RANGE_SIZE,
    supersede: bool = False,
    progress: Progress | None = None,
) -> tuple[RematchRun, bool]:
    """Start (or join) a run and set it going: queued for the workers, or done here and now
    when tasks run inline. Joining an unfinished run queues one more task for it, which also
    takes over ranges left by a dead worker. Returns (run, created)."""
    run, created = rematch_run_start(
        channel_ids=channel_ids, as_of=as_of, range_size=range_size, supersede=supersede
    )
    if runs_inline():
        rematch_run_work(run_id=run.pk, progress=progress)
        run.refresh_from_db()
    else:
        rematch_run_enqueue(run, tasks=None if created else 1)
    return run, created


@dataclass
class _Claim:
    range: RematchRange
    token: int


def _claim(run: RematchRun, worker: str) -> _Claim | None:
    """Take a waiting range, or one whose lease ran out, for this worker."""
    now = timezone.now()
    with transaction.atomic():
        while True:
            found = (
                RematchRange.objects.select_for_update(skip_locked=True)
                .filter(run=run)
                .filter(
                    Q(status=RangeStatus.PENDING)
                    | Q(status=RangeStatus.CLAIMED, lease_until__lt=now)
                )
                .order_by("first_id")
                .first()
            )
            if found is None:
                return None
            if found.attempts >= MAX_ATTEMPTS:
                found.status = RangeStatus.FAILED
                found.save(update_fields=["status"])
                continue
            found.status = RangeStatus.CLAIMED
            found.attempts += 1
            found.worker = worker
            found.lease_until = now + dt.timedelta(seconds=run.lease_seconds)
            found.save(update_fields=["status", "attempts", "worker", "lease_until"])
            return _Claim(found, found.attempts)


def _renew(run: RematchRun, claim: _Claim) -> None:
    lease = timezone.now() + dt.timedelta(seconds=run.lease_seconds)
    still_ours = RematchRange.objects.filter(
        pk=claim.range.pk, status=RangeStatus.CLAIMED, attempts=claim.token
    ).update(lease_until=lease)
    if not still_ours:
        raise LostClaim


def _release(claim: _Claim, error: BaseException) -> None:
    """A range whose work raised goes back to waiting (tried again up to MAX_ATTEMPTS)."""
    RematchRange.objects.filter(
        pk=claim.range.pk, status=RangeStatus.CLAIMED, attempts=claim.token
    ).update(status=RangeStatus.PENDING, lease_until=None, error=repr(error)[:2000])


def _complete(run_id: int, claim: _Claim, summary: RematchSummary) -> bool:
    """Mark the range done and add its figures to the run, under the run's row lock; the last
    range to finish ends the run. Returns False if the range was no longer ours."""
    with transaction.atomic():
        run = RematchRun.objects.select_for_update().get(pk=run_id)
        ours = RematchRange.objects.filter(
            pk=claim.range.pk, status=RangeStatus.CLAIMED, attempts=claim.token
        ).update(
            status=RangeStatus.DONE,
            products=summary.products,
            pairs=summary.pairs,
            written=summary.written,
            eligible=summary.eligible,
            lease_until=None,
            error="",
            finished_at=timezone.now(),
        )
        if not ours:
            return False
        run.ranges_done += 1
        run.products += summary.products
        run.pairs += summary.pairs
        run.written += summary.written
        run.eligible += summary.eligible
        run.save(update_fields=["ranges_done", "products", "pairs", "written", "eligible"])
        finished = _end_if_complete(run)
    if finished:
        analyze_results()
    return True


def _end_if_complete(run: RematchRun) -> bool:
    """(Under the run's row lock.) When no range is waiting or out, do the run's end once.
    A worker killed in here rolls back with the last range's "done", so that range is scored
    again and its worker ends the run."""
    if run.status != RunStatus.RUNNING:
        return False
    if run.ranges.filter(status__in=[RangeStatus.PENDING, RangeStatus.CLAIMED]).exists():
        return False
    channel_ids = None if run.channel_ids is None else set(run.channel_ids)
    summary = RematchSummary()
    rematch_finish(channel_ids=channel_ids, summary=summary, analyze=False)
    run.removed, run.lapsed = summary.removed, summary.lapsed
    failed = run.ranges.filter(status=RangeStatus.FAILED).exists()
    run.status = RunStatus.FAILED if failed else RunStatus.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["removed", "lapsed", "status", "finished_at"])
    return True


def _check_later(run: RematchRun) -> None:
    """Ranges are out with other workers: queue one check for when the earliest lease runs
    out, so a range whose worker died is taken over even if no other task of the run is left.
    At most one check is queued per run at a time."""
    if runs_inline():
        return  # there are no other workers to wait for
    earliest = run.ranges.filter(status=RangeStatus.CLAIMED).aggregate(at=Min("lease_until"))["at"]
    if earliest is None:
        return
    now = timezone.now()
    at = max(earliest, now) + CHECK_SLACK
    due = Q(check_at__isnull=True) | Q(check_at__lte=now)
    if (
        RematchRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING)
        .filter(due)
        .update(check_at=at)
    ):
        run_id = run.pk
        transaction.on_commit(lambda: rematch_run_range.using(run_after=at).enqueue(run_id))


def rematch_run_work(
    *,
    run_id: int,
    max_ranges: int | None = None,
    worker: str | None = None,
    progress: Progress | None = None,
) -> tuple[int, RematchSummary]:
    """Claim and score ranges of the run until none is left to claim (or `max_ranges` were
    done); returns how many ranges this call finished and their figures. Ends the run if it
    finished the last range."""
    worker = worker or worker_name()
    run = RematchRun.objects.get(pk=run_id)
    done, mine = 0, RematchSummary()
    while run.status == RunStatus.RUNNING and (max_ranges is None or done < max_ranges):
        claim = _claim(run, worker)
        if claim is None:
            with transaction.atomic():
                locked = RematchRun.objects.select_for_update().get(pk=run_id)
                finished = _end_if_complete(locked)
            if finished:
                analyze_results()
            else:
                _check_later(run)
            break

        def renew(products: int, written: int, claim: _Claim = claim) -> None:
            _renew(run, claim)
            if progress:
                progress(products, written)

        r = claim.range
        try:
            summary = score_range(
                first_id=r.first_id,
                last_id=r.last_id,
                channel_ids=None if run.channel_ids is None else set(run.channel_ids),
                as_of=run.as_of,
                progress=renew,
            )
        except LostClaim:
            continue
        except Exception as exc:
            _release(claim, exc)
            if not runs_inline():
                rematch_run_enqueue(run, tasks=1)  # someone tries it again (MAX_ATTEMPTS)
            raise
        if _complete(run_id, claim, summary):
            done += 1
            mine.add(summary)
            mine.seconds += summary.seconds
        run.refresh_from_db(fields=["status"])
    return done, mine


def run_summary(run: RematchRun) -> RematchSummary:
    """A run's figures as a RematchSummary (seconds: from its start to its end, or to now)."""
    end = run.finished_at or timezone.now()
    return RematchSummary(
        products=run.products,
        pairs=run.pairs,
        written=run.written,
        eligible=run.eligible,
        removed=run.removed,
        lapsed=run.lapsed,
        seconds=(end - run.started_at).total_seconds(),
    )


def rematch_runs_resume() -> int:
    """The daily job's safety net: queue one more task for every unfinished run that nobody is
    working on (no range held under a live lease), e.g. after every worker was stopped at once.
    A task that finds nothing to claim ends at once, so this never doubles work. Returns how
    many runs were given a task."""
    if runs_inline():
        return 0
    now = timezone.now()
    resumed = 0
    for run in RematchRun.objects.filter(status=RunStatus.RUNNING):
        if not run.ranges.filter(status=RangeStatus.CLAIMED, lease_until__gte=now).exists():
            rematch_run_enqueue(run, tasks=1)
            resumed += 1
    return resumed


@dataclass
class RunProgress:
    run: RematchRun
    out: int  # ranges claimed now
    stalled: int  # ranges claimed whose lease ran out (their worker is gone)
    failed: int

    @property
    def done(self) -> int:
        return self.run.ranges_done

    @property
    def total(self) -> int:
        return self.run.ranges_total

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


# The officers' dashboard shows the latest run's progress on every visit: compiled once
# (otop_portal.statements).
_RANGES_LEFT = Statement(
    lambda run_id: (
        RematchRange.objects.filter(run_id=run_id)
        .exclude(status=RangeStatus.DONE)
        .values_list("status", "lease_until")
    )
)
_LATEST_RUNS = Statement(lambda *, limit: RematchRun.objects.order_by("-started_at", "-pk")[:limit])


def run_progress(run: RematchRun) -> RunProgress:
    """How far a run is: ranges done / total, out with workers, stalled, failed. One query."""
    now = timezone.now()
    counts = {"out": 0, "stalled": 0, "failed": 0}
    for status, lease in _RANGES_LEFT.all(run.pk):
        if status == RangeStatus.CLAIMED:
            counts["stalled" if lease and lease < now else "out"] += 1
        elif status == RangeStatus.FAILED:
            counts["failed"] += 1
    return RunProgress(run=run, **counts)


def latest_runs(limit: int = 5) -> list[RematchRun]:
    return _LATEST_RUNS.all(limit=limit)


# The task lives here, not in matching.tasks, so that the two modules do not import each
# other; matching.tasks re-exports it.
@task()
def rematch_run_range(run_id: int) -> str:
    """Score ranges of a split re-score until none is left to claim."""
    done, summary = rematch_run_work(run_id=run_id)
    return f"re-scoring run #{run_id}: {done} ranges by {worker_name()}: {summary}"
