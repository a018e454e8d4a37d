from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from matching.demo import load_demo_referrals
from otop_portal.demo import DEMO_PASSWORD, load_demo_accounts
from producers.demo import load_demo_producer


class Command(BaseCommand):
    help = "Create the demo accounts (one per role) if missing, and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Allow with DEBUG off (never in production)."
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demo accounts have a published password: refused with DEBUG off. "
                "Use --force only on a throw-away database."
            )
        rows = load_demo_accounts()
        created = sum(made for _account, made in rows)
        self.stdout.write(f"demo data: {created} account(s) added, {len(rows) - created} kept")
        self.stdout.write(f"demo data: {load_demo_producer()} demo product(s) added")
        # The demo's referral moves notify the demo people: kept in memory, not printed over
        # the demo logins by the console email backend (nor sent, whatever EMAIL_URL says).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            sent = load_demo_referrals()
        self.stdout.write(f"demo data: {sent} demo referral(s) sent to partners")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for account, _made in rows:
            extra = ""
            if account.provinces:
                extra = f" provinces {','.join(account.provinces)}"
            if account.partner:
                extra = f" partner {account.partner}" + (
                    " (admin)" if account.partner_admin else ""
                )
            self.stdout.write(f"  {account.role:<9} {account.email}{extra}")
        self.stdout.write("")
