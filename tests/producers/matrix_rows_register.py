"""Permission rows for the national register: the import (administrators and national
officers; the `officer` of the cast is provincial, so 403), the claim-code pages (officers see
the records of their provinces: `other_officer`, of Khon Kaen, gets 404 for a Chiang Mai
record) and the producer's claim page. National officers: tests/producers/test_register_pages.py.
"""

from tests import factories
from tests.matrix import Row, only, roles

ADMINS_ONLY = only("admin")
OFFICERS_AND_ADMINS = only("officer", "other_officer", "admin")
PRODUCERS = only("producer", "other_producer")


def _import(request) -> dict:
    from django.core.files.base import ContentFile

    from producers.models import RegisterImport, RegisterImportStatus

    register_import = RegisterImport(filename="register.csv", status=RegisterImportStatus.DONE)
    register_import.file.save("register.csv", ContentFile(b"x"), save=False)
    register_import.save()
    return {"pk": register_import.pk}


def _record_in_chiang_mai(request) -> dict:
    record = factories.RegisterRecordFactory(province=request.getfixturevalue("province"))
    return {"pk": record.pk}


def _record_only(request) -> dict:
    _record_in_chiang_mai(request)
    return {}


def _issue_data(request) -> dict:
    from producers.models import Producer

    return {"producer": [p.pk for p in Producer.objects.filter(user=None)], "format": "csv"}


ROWS = [
    Row("producers:register_imports", ADMINS_ONLY),
    Row(
        "producers:register_imports",
        # An upload without a file: the form comes back with its error.
        ADMINS_ONLY,
        method="post",
    ),
    Row("producers:register_import", ADMINS_ONLY, setup=_import),
    Row("producers:register_import_report", ADMINS_ONLY, setup=_import),
    Row("producers:register_template", ADMINS_ONLY),
    Row("producers:register_records", OFFICERS_AND_ADMINS),
    Row(
        "producers:register_records",
        # The officer of the province gets the file; another province's officer finds nothing
        # to issue and is sent back to the list.
        roles(403, anonymous=302, officer=200, other_officer=302, admin=200),
        method="post",
        setup=_record_only,
        data=_issue_data,
    ),
    Row(
        "producers:register_link",
        roles(403, anonymous=302, officer=200, other_officer=404, admin=200),
        setup=_record_in_chiang_mai,
    ),
    Row(
        "producers:register_link",
        roles(403, anonymous=302, officer=200, other_officer=404, admin=200),
        method="post",
        setup=_record_in_chiang_mai,
        data={"email": "nobody@example.org"},  # no such account: the form says so
    ),
    Row("producers:claim", PRODUCERS),
    Row(
        "producers:claim",
        PRODUCERS,  # a wrong code: the form says so (200)
        method="post",
        data={"id_number": "1101700230708", "code": "AAAAA-BBBBB"},
    ),
]
