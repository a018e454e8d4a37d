from django.core.management.base import BaseCommand

from matching.tasks import send_referral_digests_task


class Command(BaseCommand):
    help = (
        "Email each partner member who chose the daily digest one email listing the new "
        "referrals not emailed yet. Run it once a day (cron); running it twice sends nothing "
        "twice."
    )

    def handle(self, *args, **options):
        result = send_referral_digests_task.enqueue()
        if result.is_finished:
            self.stdout.write(f"referral digests sent: {result.return_value}")
        else:
            self.stdout.write(f"queued as task {result.id}")
