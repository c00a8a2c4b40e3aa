# Territoire — the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs a second time on this PostgreSQL server when it answers.
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/territoire

.PHONY: help run setup deps assets db test test-sqlite test-postgres test-e2e lint typecheck \
        openapi lock bench clean

help:
	@echo "make run   set everything up and start the platform on http://$(HOST):$(PORT)"
	@echo "make test  lint, type checks, the suite on SQLite and PostgreSQL, browser tests"

# --- set-up (each step is skipped when its inputs have not changed) -----------------------

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-virtualenv -r requirements.lock
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/.built: node_modules/.installed $(shell find frontend -type f) scripts/build_assets.py
	$(PY) scripts/build_assets.py
	touch $@

deps: $(VENV)/.installed node_modules/.installed
assets: deps static/.built

db: deps
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py load_territory
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_sensors_demo
	$(PY) manage.py seed_participation_demo
	$(PY) manage.py seed_governance_demo
	$(PY) manage.py seed_knowledge_demo
	$(PY) manage.py seed_procedures_demo
	$(PY) manage.py seed_rights_demo
	$(PY) manage.py seed_insights_demo
	$(PY) manage.py seed_automations_demo

setup: assets db

run: setup
	@echo ""
	@echo "Territoire démarre sur http://$(HOST):$(PORT) (Ctrl+C pour arrêter)."
	@echo "Connectez-vous avec l'un des comptes de démonstration ci-dessus."
	@echo "Capteurs simulés : 7 jours d'historique puis temps réel (journal : var/sensors-simulate.log)."
	@$(PY) manage.py run_huey --quiet & HUEY_PID=$$!; \
	$(PY) manage.py sensors_simulate --backfill-days 7 --realtime > var/sensors-simulate.log 2>&1 & \
	SIM_PID=$$!; \
	trap 'kill $$HUEY_PID $$SIM_PID 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/granian --interface wsgi --host $(HOST) --port $(PORT) --workers 1 \
	  --blocking-threads 4 --log-level warning config.wsgi:application

# --- checks -----------------------------------------------------------------------------

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: deps
	$(VENV)/bin/mypy territoire config

test-sqlite: assets
	$(VENV)/bin/pytest -q

test-e2e: assets
	$(VENV)/bin/pytest -q -m e2e

test-postgres: assets
	@if $(PY) scripts/postgres_reachable.py "$(TEST_POSTGRES_URL)"; then \
	  echo "PostgreSQL reachable: running the suite on it"; \
	  TERRITOIRE_DATABASE_URL="$(TEST_POSTGRES_URL)" $(VENV)/bin/pytest -q -m "not e2e"; \
	elif [ -n "$$CI" ]; then echo "PostgreSQL not reachable at $(TEST_POSTGRES_URL)"; exit 1; \
	else echo "PostgreSQL not reachable at $(TEST_POSTGRES_URL): skipped"; fi

test: lint typecheck test-sqlite test-postgres

openapi: deps
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py export_openapi > docs/openapi.json

lock:
	$(PY) -m piptools compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
	  --extra dev --output-file requirements.lock pyproject.toml

bench: assets
	$(PY) bench/run_all.py

clean:
	rm -rf static staticfiles var node_modules $(VENV)
