"""Scheduled work for accounts and notifications (django-tasks; run daily from cron by
`manage.py send_referral_digests`)."""

from django_tasks import task

from otop_portal.notifications import email_notifications_now, send_referral_digests


@task()
def send_referral_digests_task() -> int:
    """Email partner members who chose the daily digest the new referrals of the day, one email
    each; running it twice sends nothing twice. Returns how many emails went out."""
    return send_referral_digests()


@task()
def email_notifications(notification_ids: list[int]) -> int:
    """Email notifications made by a committed change (see notifications._email_after_commit)."""
    email_notifications_now(notification_ids)
    return len(notification_ids)
