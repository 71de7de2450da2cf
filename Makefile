# Two commands on a fresh machine: `make run` serves the portal, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip -q --disable-pip-version-check

.PHONY: run test e2e bench install install-dev assets lint format messages check-messages check-deploy clean

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

# The filing journey in headless Chromium (needs Debian's chromium and fonts-noto-cjk); screenshots in e2e/.
e2e: install assets
	scripts/e2e.sh

# Ratios against raw SQL in the same run (bench/README.md); PostgreSQL at BENCH_DATABASE_URL.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal_bench
bench: install-dev
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_READ_DOT_ENV=false $(PY) bench/facility_list.py
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_READ_DOT_ENV=false $(PY) bench/subsidy_month.py
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_READ_DOT_ENV=false $(PY) bench/indicators.py

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
