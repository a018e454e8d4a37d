from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from otop_portal.models import User
from producers.models import RegisterImport, RegisterImportStatus
from producers.register import estimate_rows, file_kind, run_import


class Command(BaseCommand):
    help = (
        "Import the national OTOP register (CSV or XLSX; docs/register-import.md): the same "
        "code path as the upload page. Prints the counts; the rejected rows are on the report "
        "page of the import (and in its XLSX report)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv or .xlsx file in the register's column layout")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--by", help="email of the officer or administrator recorded as the importer"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        kind = file_kind(path.name)
        by = None
        if opts["by"]:
            by = User.objects.filter(email=opts["by"].lower()).first()
            if by is None:
                raise CommandError(f"No user with the email {opts['by']!r}.")
        with path.open("rb") as f:
            register_import = RegisterImport(
                filename=path.name, dry_run=opts["dry_run"], uploaded_by=by
            )
            register_import.file.save(path.name, File(f), save=False)
            register_import.save()
        total = estimate_rows(path, kind)
        with tqdm(
            total=total, unit="rows", disable=opts["no_progress"], file=self.stderr._out
        ) as bar:
            result = run_import(register_import, progress=bar.update)
        if result.status == RegisterImportStatus.FAILED:
            raise CommandError(result.failure_en)
        prefix = "Dry run (nothing written): " if result.dry_run else ""
        self.stdout.write(
            f"{prefix}{result.processed_rows:,} rows: {result.created:,} created, "
            f"{result.updated:,} updated, {result.unchanged:,} unchanged, "
            f"{result.rejected:,} rejected (import #{result.pk})."
        )
        for rejection in result.rejections.order_by("line", "pk")[:20]:
            self.stdout.write(
                f"  line {rejection.line} [{rejection.column}]: {rejection.reason_en}"
            )
        if result.rejected > 20:
            self.stdout.write("  ... the full list is on the import's report page.")
