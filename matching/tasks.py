"""Background work for matching (django-tasks; inline in the embedded default)."""

from django_tasks import task

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
def make_export(job_id: int) -> str:
    """Write the file of a queued spreadsheet export and notify the officer who asked."""
    from matching.exports import export_make
    from matching.models import ExportJob, ExportStatus

    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.status != ExportStatus.QUEUED:
        return job.status  # already made (a task run twice)
    return export_make(job=job).status
