from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from matching.selectors import matchable_products
from matching.services import rematch_all, rematch_expired, rematch_products
from partners.models import Channel


class Command(BaseCommand):
    help = "Re-score products against partner channels and store the results."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every product × every channel")
        parser.add_argument("--channel", help="one channel (its code) against every product")
        parser.add_argument(
            "--product", type=int, help="one product (its id) against every channel"
        )
        parser.add_argument(
            "--expired",
            action="store_true",
            help="the daily job: products whose certificates expired lately",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **opts):
        chosen = [k for k in ("all", "channel", "product", "expired") if opts.get(k)]
        if len(chosen) != 1:
            raise CommandError(
                "Say what to re-score: --all, --channel CODE, --product ID or --expired."
            )
        if opts["product"]:
            summary = rematch_products([opts["product"]])
        elif opts["expired"]:
            summary = rematch_expired()
        else:
            channel_ids = None
            if opts["channel"]:
                channel = Channel.objects.filter(code=opts["channel"]).first()
                if channel is None:
                    raise CommandError(f"No channel with the code {opts['channel']!r}.")
                channel_ids = {channel.pk}
            total = matchable_products().count()
            with tqdm(
                total=total, unit="products", disable=opts["no_progress"], file=self.stderr._out
            ) as bar:
                summary = rematch_all(channel_ids=channel_ids, progress=bar.update)
        self.stdout.write(str(summary))
