from django.core.management.base import BaseCommand

from producers.tasks import send_certificate_expiry_reminders


class Command(BaseCommand):
    help = (
        "Mark expired certificates and email producers 60, 30 and 7 days before a certificate "
        "expires. Run it daily (cron); running it twice sends nothing twice."
    )

    def handle(self, *args, **options):
        result = send_certificate_expiry_reminders.enqueue()
        if result.is_finished:
            value = result.return_value
            self.stdout.write(
                f"certificates marked expired: {value['expired']}; reminders sent: {value['sent']}"
            )
        else:
            self.stdout.write(f"queued as task {result.id}")
