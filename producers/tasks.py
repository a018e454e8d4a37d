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


@task()
def import_register(import_id: int) -> str:
    """Import an uploaded national-register file (producers.register.run_import)."""
    from producers.models import RegisterImport, RegisterImportStatus
    from producers.register import run_import

    register_import = RegisterImport.objects.get(pk=import_id)
    if register_import.status != RegisterImportStatus.QUEUED:
        return register_import.status  # already run (a task run twice)
    return run_import(register_import).status
