# Balagh — one command to run it, one to test it.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEBIAN_PACKAGES := gettext fonts-hosny-amiri poppler-utils chromium chromium-driver
export DEBUG ?= 1
export SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test lint setup system-deps venv venv-dev dotenv i18n migrate seed bench clean manage

run: setup seed ## site + Celery worker + beat on the embedded default (SQLite, filesystem broker)
	@echo ""
	@echo "  Balagh is starting on http://127.0.0.1:$(PORT)/   (admin: http://127.0.0.1:$(PORT)/admin/)"
	@echo "  Demo logins (password balagh-demo): admin agent roads roads_head cleaning water committee mayor"
	@echo "  Ctrl-C stops the site, the worker and the scheduler."
	@echo ""
	PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

test: system-deps venv-dev i18n ## the whole suite (SQLite by default; DATABASE_URL/REDIS_URL for PostgreSQL/Redis)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: venv-dev ## ruff (lint + format), mypy and the import layers; CI runs it before the tests
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

setup: system-deps venv dotenv i18n migrate
	$(PY) manage.py collectstatic --noinput -v 0

system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt -c requirements.lock
	touch $@

venv-dev: $(VENV)/.installed-dev

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt requirements.lock
	$(PY) -m pip install -q -r requirements-dev.txt -c requirements.lock
	touch $@

# .env (git-ignored): what make configures, read by the settings, so `manage.py` run by hand agrees with the site.
dotenv: venv
	$(PY) scripts/write_env.py DEBUG=$(DEBUG) SITE_URL=$(SITE_URL)

manage: venv dotenv ## any management command with make's settings: make manage ARGS="escalate_overdue"
	$(PY) manage.py $(ARGS)

i18n: venv
	$(PY) manage.py compilemessages -v 0 --ignore=.venv

migrate: venv
	$(PY) manage.py migrate --noinput -v 0

seed: migrate
	$(PY) manage.py seed_demo

bench: setup ## benchmarks; BENCH_DATABASE_URL selects PostgreSQL
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf var/balagh.sqlite3* var/broker var/static var/media var/mail
