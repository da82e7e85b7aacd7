# Zhurnal developer tasks. `make run` serves the app on 127.0.0.1:$PORT (default 8000);
# `make test` is the whole quality gate (also what .ci/run calls).

SHELL       := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed
# A stuck test run (e.g. a browser waiting forever) must not hang CI: hard limit per pytest run.
TEST_TIMEOUT ?= 1800
# Browser tests drive Debian's Chromium through Playwright; they skip when it is absent.
export ZHURNAL_CHROMIUM ?= /usr/bin/chromium

.PHONY: help venv run test test-sqlite test-postgres test-citus lint format messages clean bench load

help:
	@echo "make venv      create .venv from requirements.lock"
	@echo "make run       migrate, load the demo school if the database is empty, serve on 127.0.0.1:\$${PORT:-8000}"
	@echo "make test      ruff (lint and format), the import contract, migrations check, pytest on SQLite, pytest on PostgreSQL"
	@echo "make test-citus  the database tests of CITUS_TESTS on a local Citus cluster (docs/scaling.md)"
	@echo "make lint      ruff check and ruff format --check"
	@echo "make messages  makemessages -l ru -l en, compilemessages"
	@echo "make bench     page benchmark on 1 and 20 generated schools (docs/performance.md)"
	@echo "make load      load test: the peak mix against the production server (LOAD_ARGS; docs/scaling.md)"
	@echo "make clean     remove .venv and var/"

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@py=python3.11; command -v $$py >/dev/null 2>&1 && $$py -c '' 2>/dev/null || py=python3; \
	  echo "venv: creating $(VENV) with $$($$py --version)"; \
	  $$py -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -r requirements.lock
	@$(BIN)/python -m pip install -q --no-deps -e .
	@touch $@
	@echo "venv: ready"

run: $(STAMP)
	$(BIN)/zhurnal migrate --noinput -v0
	$(BIN)/zhurnal collectstatic --noinput -v0
	$(BIN)/zhurnal demo --if-empty
	@echo "Zhurnal: http://127.0.0.1:$${PORT:-8000}/  (stop with Ctrl+C)"
	exec scripts/serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/zhurnal makemigrations --check --dry-run
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

# Browser tests use Debian's Chromium; scripts/ensure-chromium installs it when it can
# (root + apt), prints "SKIPPED: ..." when it cannot, and fails when CI=true.
# The regional sign-in tests run a real OpenID provider (npm `oidc-provider`, tests/oidc):
# scripts/ensure-oidc-provider installs it with `npm ci`.
test-sqlite: $(STAMP)
	@scripts/ensure-chromium
	@scripts/ensure-oidc-provider
	env -u DATABASE_URL \
	  timeout --foreground -k 30 $(TEST_TIMEOUT) $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

test-postgres: $(STAMP)
	@scripts/ensure-chromium >/dev/null 2>&1 || true
	@scripts/ensure-oidc-provider
	TEST_TIMEOUT=$(TEST_TIMEOUT) scripts/test-postgres $(PYTEST_ARGS)

# Citus (docs/scaling.md): scripts/citus builds Citus from its source tarball when this
# PostgreSQL has none (CITUS_TARBALL; cached) and starts a coordinator and two workers under
# var/citus; the test database is migrated, then distributed by tests/conftest.py as
# `zhurnal distribute` does it. The workers' copies of the test database are dropped after.
CITUS_TESTS ?= tests/test_citus_routing.py tests/test_journal_grid.py tests/test_diary.py \
  tests/test_api_journal.py tests/test_journal_services.py tests/test_absence_sheet.py \
  tests/test_access_matrix.py tests/test_citus_migrations.py
CITUS_TIMEOUT ?= 600

test-citus: $(STAMP)
	scripts/citus start
	status=0; ZHURNAL_CITUS=1 ZHURNAL_PGPORT=$$(scripts/citus port) TEST_TIMEOUT=$(CITUS_TIMEOUT) \
	  scripts/test-postgres $(CITUS_TESTS) $(PYTEST_ARGS) || status=$$?; \
	  scripts/citus prune; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

MSG_IGNORE := --ignore=.venv --ignore=var --ignore=node_modules

messages: $(STAMP)
	mkdir -p zhurnal/locale
	$(BIN)/zhurnal makemessages -l ru -l en $(MSG_IGNORE)
	$(BIN)/zhurnal makemessages -d djangojs -l ru -l en $(MSG_IGNORE) --ignore=zhurnal/core/static/vendor
	$(BIN)/zhurnal compilemessages $(MSG_IGNORE)

# Page benchmark: fresh PostgreSQL databases with 1 and 20 demo schools (SQLite without a server).
bench: $(STAMP)
	scripts/bench

# Load test (docs/scaling.md "Load test"): the production server (scripts/serve) on a free
# loopback port, locust for a bounded time, a table per request kind. DATABASE_URL's database
# (SQLite in var/ without it) gets the demo schools if it has none.
LOAD_ARGS ?= --mix peak --writes 10 --time 60s

load: $(STAMP)
	scripts/load $(LOAD_ARGS)

clean:
	rm -rf $(VENV) var tests/oidc/node_modules
