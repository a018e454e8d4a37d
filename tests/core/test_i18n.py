import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from otop_portal.templatetags.thai_dates import format_local_date

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "th" / "LC_MESSAGES" / "django.po"


def test_thai_date_shows_the_buddhist_era():
    with translation.override("th"):
        assert format_local_date(dt.date(2025, 3, 3)) == "3 มีนาคม 2568"


def test_english_date_stays_gregorian():
    with translation.override("en"):
        assert format_local_date(dt.date(2025, 3, 3)) == "March 3, 2025"


def test_thai_datetime_is_shown_in_bangkok_time():
    moment = dt.datetime(2025, 12, 31, 18, 30, tzinfo=dt.UTC)  # 01:30 on 1 Jan in Bangkok
    with translation.override("th"):
        assert format_local_date(moment, "j F Y H:i") == "1 มกราคม 2569 01:30"


def test_a_date_kept_once_formatted_still_reads_in_the_language_asked():
    """Formatted dates are kept per language (thai_dates._date_in): asking again, in turn,
    gives each language its own calendar, and a datetime shown as a date is its Bangkok day."""
    late = dt.datetime(2026, 3, 3, 20, 0, tzinfo=dt.UTC)  # 03:00 on 4 March in Bangkok
    for _ in range(2):
        with translation.override("th"):
            assert format_local_date(late, "SHORT_DATE_FORMAT") == "4 มี.ค. 2569"
            assert format_local_date(late) == "4 มีนาคม 2569"
            assert format_local_date(late, "SHORT_DATETIME_FORMAT") == "4 มี.ค. 2569, 3:00"
        with translation.override("en"):
            assert format_local_date(late, "SHORT_DATE_FORMAT") == "03/04/2026"
            assert format_local_date(late) == "March 4, 2026"


def test_escaped_year_letters_are_left_alone():
    with translation.override("th"):
        assert format_local_date(dt.date(2025, 1, 2), r"\Y: Y") == "Y: 2568"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9000, 12, 31)))
def test_every_thai_date_carries_year_plus_543(day):
    with translation.override("th"):
        assert format_local_date(day, "Y y").split() == [
            str(day.year + 543),
            f"{(day.year + 543) % 100:02d}",
        ]


@pytest.mark.django_db
def test_language_switch_changes_the_page_and_remembers_the_account_choice(client, producer):
    client.force_login(producer)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/producer/"})
    assert response.status_code == 302
    page = client.get("/producer/")
    assert page["Content-Language"] == "en"
    assert "Producer home" in page.content.decode()
    producer.refresh_from_db()
    assert producer.language == "en"


@pytest.mark.django_db
def test_language_switch_refuses_to_redirect_off_site(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_thai_catalogue_is_complete():
    catalogue = polib.pofile(str(PO))
    missing = [e.msgid for e in catalogue if not e.obsolete and (not e.translated() or e.fuzzy)]
    assert not missing, f"{len(missing)} strings without a Thai translation: {missing[:10]}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (CI installs it)")
def test_every_source_string_is_in_the_thai_catalogue(tmp_path):
    """Run makemessages on a copy of the source: no string may be missing from locale/th.

    (makemessages writes into every locale/ folder it finds, hence the copy.)
    """
    ignore = shutil.ignore_patterns("__pycache__", "*.mo", "migrations")
    for name in ("otop_portal", "producers", "partners", "matching", "templates", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=ignore)
    shutil.copy(ROOT / "manage.py", tmp_path)
    env = {"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "true", "PYTHONPATH": str(tmp_path)}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "th", "--no-obsolete", "-v", "0"],
        cwd=tmp_path,
        env=env,
        check=True,
        timeout=120,
    )
    fresh = {e.msgid for e in polib.pofile(str(tmp_path / "locale/th/LC_MESSAGES/django.po"))}
    shipped = {e.msgid for e in polib.pofile(str(PO))}
    assert not fresh - shipped, f"not in locale/th: {sorted(fresh - shipped)[:10]}"
