from django.core.management.base import BaseCommand

from matching.officer.exports import exports_remove_old_files


class Command(BaseCommand):
    help = (
        "Delete the files of officers' exports finished more than EXPORT_KEEP_DAYS days ago "
        "(the record of who exported what stays). Run it once a day (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="Override EXPORT_KEEP_DAYS.")

    def handle(self, *args, days=None, **options):
        self.stdout.write(f"export files removed: {exports_remove_old_files(days=days)}")
