# Two commands matter: `make run` (portal + demo data on SQLite) and `make test` (the whole suite).
# Only python3 (3.11) and make are needed; everything else is installed into .venv from uv.lock.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
PORT   ?= 8000
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
# The embedded default is a development setup; production never runs make (see README).
export DJANGO_DEBUG ?= true

.PHONY: run test install setup lint messages clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check "uv>=0.9"

# Re-sync whenever the lock changes; --frozen refuses to run with a lock that does not match pyproject.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --python $(PY)
	@touch $@

install: $(VENV)/.synced

# Idempotent: migrations, translations, reference and demo data can all run again and lose nothing.
setup: install
	$(PY) manage.py compiletranslations
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py load_reference_data
	$(PY) manage.py load_demo_data

run: setup
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# SQLite by default; PostgreSQL when DATABASE_URL is set. PYTEST_ARGS passes extra options.
test: install
	$(PY) manage.py compiletranslations
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Refresh locale/th/LC_MESSAGES/django.po from the source (needs GNU gettext; compiling does not).
messages: install
	$(PY) manage.py makemessages -l th --ignore=.venv --ignore=bench --ignore=tests --no-obsolete

clean:
	rm -rf $(VENV) .pytest_cache
