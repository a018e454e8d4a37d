"""Scheduled work for producers (django-tasks; run daily from cron by
`manage.py send_expiry_reminders`)."""

from django_tasks import task

from producers import services


@task()
def send_certificate_expiry_reminders() -> dict[str, int]:
    """Mark expired certificates, then email the 60/30/7-day reminders that are due (once each)."""
    expired = services.certifications_expire()
    sent = services.certificate_reminders_send()
    return {"expired": expired, "sent": sent}
