# Two commands on a fresh machine: `make run` serves the portal, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip -q --disable-pip-version-check

.PHONY: run test e2e serve csp-check fuzz bench load faults install install-dev assets lint format messages check-messages check-deploy clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Third-party CSS/JS from npm (package-lock.json pins them); served locally, never from a CDN.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed

run: install assets
	$(PY) scripts/write_dev_env.py
	$(PY) scripts/ensure_database.py
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	scripts/serve.sh

test: install-dev
	$(VENV)/bin/pytest

# The main journeys in headless Chromium (Debian's chromium, fonts-noto-cjk; chromium-l10n for the browser's own
# words in Chinese): filing, supervision on a phone, indicators. Screenshots in e2e/screenshots/<journey>/.
e2e: install assets
	scripts/e2e.sh

# Production processes: gunicorn, a Celery worker and Celery beat on PostgreSQL and Redis, production settings
# from the environment or .env (README, "Running in production"). `make serve SERVE_ROLE=worker` runs one kind.
SERVE_ROLE ?= all
serve: install assets
	scripts/serve_production.sh $(SERVE_ROLE)

# The content-security policy in headless Chromium: production settings, demo data, every role's pages.
csp-check: install assets
	scripts/csp_check.sh

# schemathesis against /api/schema/ as the city admin on a throw-away database with the demo data: no 5xx, no
# response outside the schema (scripts/fuzz.sh; FUZZ_DATABASE_URL=postgres://... to run on PostgreSQL).
fuzz: install-dev
	scripts/fuzz.sh

# Ratios against raw SQL in the same run (bench/README.md); PostgreSQL at BENCH_DATABASE_URL.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal_bench
bench: install-dev
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_READ_DOT_ENV=false $(PY) bench/facility_list.py
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_READ_DOT_ENV=false $(PY) bench/subsidy_month.py
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_READ_DOT_ENV=false $(PY) bench/indicators.py
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/load.py

# wrk against gunicorn + PostgreSQL (server on core 0, wrk on core 1) and a raw psycopg2 + orjson WSGI handler
# serving the same rows; a throw-away database portal_load_<pid>; ~4 minutes (bench/README.md). Needs `wrk`.
load: install-dev
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/load.py

# Fault tests (tests/faults/): a worker killed mid-compilation, Redis stopped, PostgreSQL restarted — against private
# PostgreSQL (port 55432) and Redis (56379) instances that scripts/faults.sh starts and tears down; ~6 minutes.
faults: install-dev
	scripts/faults.sh

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Regenerate the Chinese catalogue after changing UI strings, then translate and `make messages` again.
messages: install-dev
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --no-location -i ".venv/*" -i "node_modules/*" -i "tests/*"
	$(PY) manage.py compilemessages -l zh_Hans

check-messages: install-dev
	$(PY) scripts/check_translations.py

clean:
	rm -rf $(VENV) node_modules staticfiles
