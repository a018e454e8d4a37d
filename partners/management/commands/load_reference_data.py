from django.core.management.base import BaseCommand

from otop_portal.choices import reference_changed
from otop_portal.reference import load_provinces
from partners.reference import load_channels, load_partners
from producers.reference import load_categories, load_certification_types


class Command(BaseCommand):
    help = (
        "Load provinces, OTOP categories, certification types and the eight MOU partners. "
        "Safe to re-run on a live database: it only adds what is missing."
    )

    def handle(self, *args, **options):
        steps = [
            ("provinces", load_provinces),
            ("OTOP categories and sub-types", load_categories),
            ("certification types", load_certification_types),
            ("MOU partners", load_partners),
            ("partner channels and requirements", load_channels),
        ]
        for label, load in steps:
            self.stdout.write(f"reference data: {label}: {load()} added")
        # Rows added in bulk send no signal: the selects of every process are rendered afresh.
        reference_changed()
