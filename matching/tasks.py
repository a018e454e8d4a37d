"""Background work for matching (django-tasks; inline in the embedded default)."""

from django_tasks import task

from matching.notifications import send_referral_digests
from matching.runs import rematch_run_range  # noqa: F401 - a task of its own module
from matching.services import rematch_expired


@task()
def rematch_channel(channel_id: int) -> str:
    """A channel's requirements changed: re-score it against every product, spread over the
    workers as a run of product ranges (an unfinished run for the same channel is replaced:
    the ranges it scored used the old requirement)."""
    from matching.runs import rematch_run

    run, _created = rematch_run(channel_ids={channel_id}, supersede=True)
    return f"re-scoring run #{run.pk} ({run.key}): {run.ranges_total} ranges"


@task()
def rematch_every_product() -> str:
    """Reference data the engine reads changed (a category's shelf life, a mark's categories):
    re-score everything as a run over the workers; an unfinished run over every product is
    replaced, since the ranges it scored read the old reference data."""
    from matching.runs import rematch_run

    run, _created = rematch_run(supersede=True)
    return f"re-scoring run #{run.pk} ({run.key}): {run.ranges_total} ranges"


@task()
def rematch_daily() -> str:
    """Run once a day (cron: `manage.py rematch --expired`, or enqueue this task). Also gives
    a task to any unfinished re-scoring run that no worker is on."""
    from matching.runs import rematch_runs_resume

    rematch_runs_resume()
    return str(rematch_expired())


@task()
def send_referral_digests_task() -> int:
    """Email partner members who chose the daily digest the new referrals of the day, one email
    each; running it twice sends nothing twice. Returns how many emails went out."""
    return send_referral_digests()
