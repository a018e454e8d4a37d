"""Background work for matching (django-tasks; inline in the embedded default)."""

from django_tasks import task

from matching.notifications import send_referral_digests
from matching.services import rematch_all, rematch_expired


@task()
def rematch_channel(channel_id: int) -> str:
    """A channel's requirements changed: re-score it against every product."""
    return str(rematch_all(channel_ids={channel_id}))


@task()
def rematch_every_product() -> str:
    """Reference data the engine reads changed (a category's shelf life, a mark's categories)."""
    return str(rematch_all())


@task()
def rematch_daily() -> str:
    """Run once a day (cron: `manage.py rematch --expired`, or enqueue this task)."""
    return str(rematch_expired())


@task()
def send_referral_digests_task() -> int:
    """Email partner members who chose the daily digest the new referrals of the day, one email
    each; running it twice sends nothing twice. Returns how many emails went out."""
    return send_referral_digests()
