"""Settings from the environment, production refusals, check --deploy, /healthz."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.utils import load_backend

from otop_portal.views import database_is_up

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "PATH": os.environ["PATH"],
    "DJANGO_SETTINGS_MODULE": "otop_portal.settings",
    "DJANGO_DEBUG": "false",
    "SECRET_KEY": "k8#Qz!v2Lr@9wXp$3sTn&7uYb^5hGd*1eFc(4jMa)6oKi_0lBq",
    "ALLOWED_HOSTS": "otop.example.go.th",
    "DATABASE_URL": "sqlite:////tmp/otop-deploy-check.sqlite3",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.go.th:587",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_settings_come_from_the_environment():
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['CONN_MAX_AGE'],"
        " s.CACHES['default']['BACKEND'], s.EMAIL_BACKEND, s.EMAIL_HOST, s.ALLOWED_HOSTS,"
        " s.MEDIA_ROOT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": "postgres://otop:pw@db.internal:5432/otop",
        "CONN_MAX_AGE": "120",
        "MEDIA_ROOT": "/srv/otop/media",
    }
    result = _manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "django.db.backends.postgresql 120" in out
    assert "django.core.cache.backends.redis.RedisCache" in out
    assert "smtp.EmailBackend smtp.example.go.th" in out
    assert "['otop.example.go.th']" in out
    assert "/srv/otop/media True True" in out


def test_embedded_default_is_sqlite_console_email_and_inline_tasks():
    env = {"PATH": os.environ["PATH"], "DJANGO_DEBUG": "true"}
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.EMAIL_BACKEND, s.TASKS['default']['BACKEND'],"
        " s.STORAGES['default']['BACKEND'])"
    )
    result = _manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.mail.backends.console.EmailBackend",
        "django_tasks.backends.immediate.ImmediateBackend",
        "django.core.files.storage.FileSystemStorage",
    ]


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_unreachable(client, tmp_path, settings):
    from django.db import connections

    # A real connection that cannot open: a database file in a directory that does not exist.
    broken = {
        **connections["default"].settings_dict,
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "missing-dir" / "db.sqlite3"),
        "OPTIONS": {},
    }
    wrapper = load_backend(broken["ENGINE"]).DatabaseWrapper(broken, alias="broken")
    connections["broken"] = wrapper
    try:
        assert database_is_up("broken") is False
    finally:
        wrapper.close()
        del connections["broken"]
    assert database_is_up("default") is True


def test_production_logs_are_one_json_object_per_line():
    code = (
        "import logging, structlog;"
        "structlog.get_logger('otop').info('referral_approved', referral=7, note='อนุมัติ');"
        "logging.getLogger('django').warning('plain stdlib warning')"
    )
    result = _manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    import json

    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    events = {line["event"]: line for line in lines}
    assert events["referral_approved"]["referral"] == 7
    assert events["referral_approved"]["note"] == "อนุมัติ"
    assert events["referral_approved"]["level"] == "info"
    assert events["plain stdlib warning"]["level"] == "warning"


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_a_statement_run_twice_on_a_connection_is_prepared_not_planned_again(django_user_model):
    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return cursor.fetchone()[0]

    before = prepared()
    for _ in range(2):
        list(django_user_model.objects.filter(email="nobody@example.org").values_list("pk"))
    assert prepared() > before


@pytest.mark.parametrize(("value", "expected"), [(None, "True 1"), ("false", "None None")])
def test_prepared_statements_are_on_for_postgresql_unless_turned_off(value, expected):
    code = (
        "from django.conf import settings as s; o = s.DATABASES['default'].get('OPTIONS', {});"
        "print(o.get('server_side_binding'), o.get('prepare_threshold'))"
    )
    env = {**PRODUCTION_ENV, "DATABASE_URL": "postgres://otop:pw@db.internal:5432/otop"}
    if value is not None:
        env["DATABASE_PREPARED_STATEMENTS"] = value
    result = _manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(
    ("cache_url", "expected"),
    [
        (None, "20000"),  # the database cache by default: room for the national register
        ("dbcache://otop_cache?MAX_ENTRIES=5000", "5000"),
        ("redis://127.0.0.1:6379/1", "None"),
    ],
)
def test_a_database_cache_has_room_for_more_than_djangos_300_entries(cache_url, expected):
    """Past its MAX_ENTRIES a database cache deletes a third of its entries in key order,
    allauth's login limits first: Django's 300 would be reached at once at national size."""
    code = (
        "from django.conf import settings as s;"
        "print(s.CACHES['default'].get('OPTIONS', {}).get('MAX_ENTRIES'))"
    )
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "CACHE_URL"}
    if cache_url is not None:
        env["CACHE_URL"] = cache_url
    result = _manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_the_wsgi_worker_leaves_what_it_loaded_at_start_out_of_the_collectors_passes():
    code = "import gc, otop_portal.wsgi; print(gc.get_freeze_count() > 10000)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=PRODUCTION_ENV, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
