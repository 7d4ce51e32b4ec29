# Two commands for a new user: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FUGONG := $(BIN)/fugong
export FUGONG_DATA_DIR ?= $(CURDIR)/var
FUGONG_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/fugong
DEMO_SCALE ?= county

.PHONY: install assets demo serve test lint test-sqlite test-postgres test-browser clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

assets: install
	$(FUGONG) build-assets
	$(FUGONG) build-messages
	$(FUGONG) collectstatic --noinput -v0

demo: assets
	$(FUGONG) migrate --noinput -v0
	$(FUGONG) seed-demo --if-empty --scale $(DEMO_SCALE)
	@echo "Open http://127.0.0.1:$${PORT:-8000}/ and log in with one of the accounts above."
	$(FUGONG) serve

serve: assets
	$(FUGONG) migrate --noinput -v0
	$(FUGONG) serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite: assets
	DATABASE_URL= $(BIN)/pytest -m "not browser" -n 2 -q

test-postgres: assets
	@if $(BIN)/python scripts/pg_available.py "$(FUGONG_TEST_POSTGRES_URL)"; then \
		echo "Running the suite on PostgreSQL ($(FUGONG_TEST_POSTGRES_URL))"; \
		DATABASE_URL="$(FUGONG_TEST_POSTGRES_URL)" $(BIN)/pytest -m "not browser" -n 2 -q; \
	elif [ "$${FUGONG_REQUIRE_POSTGRES:-0}" = "1" ]; then \
		echo "FAILED: PostgreSQL is required here but does not answer at $(FUGONG_TEST_POSTGRES_URL)"; exit 1; \
	else \
		echo "SKIPPED: the PostgreSQL half of the suite (no server at $(FUGONG_TEST_POSTGRES_URL); set FUGONG_TEST_POSTGRES_URL)"; \
	fi

test-browser: assets
	DATABASE_URL= $(BIN)/pytest -m browser -q -p no:xdist

test: lint test-sqlite test-postgres test-browser

clean:
	rm -rf $(VENV) node_modules build
