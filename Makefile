# One-command set-up: `make run` serves the portal, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools/node_modules
export PATH := $(CURDIR)/$(TOOLS)/.bin:$(CURDIR)/$(BIN):$(PATH)
export REFLEX_TELEMETRY_ENABLED := false
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test setup db lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt $(VENV)/.runtime-installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(TOOLS)/.installed: .tools/package.json .tools/package-lock.json
	npm ci --prefix .tools --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.runtime-installed $(TOOLS)/.installed

db: setup
	$(BIN)/alembic upgrade head
	$(BIN)/python -m portal_app.cli seed-demo

run: db
	@echo ""
	@echo "  Portal: http://localhost:3000/portal"
	@echo "  Demo sign-in: demo@example.com / portal-demo   (two organisations: multi@example.com / portal-demo)"
	@echo ""
	$(BIN)/reflex run --env prod

$(CHROMIUM):
	@if [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chromium is missing: install Debian's 'chromium' package (the browser tests will be skipped)."; \
	fi

test: setup $(VENV)/.dev-installed $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 tests/unit
	$(BIN)/pytest tests/e2e

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

clean:
	rm -rf .web .states var

# Load benchmark + service benchmarks; starts its own servers (var/bench), writes bench/RESULTS.md.
bench: setup $(VENV)/.dev-installed
	$(BIN)/python -m bench.run
	@echo "Browser round trip: start 'make run', then run '$(BIN)/python -m bench.history_roundtrip'"
