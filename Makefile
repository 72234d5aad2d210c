# Prachum — `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := config.settings

.DEFAULT_GOAL := help
.PHONY: help run janus-start janus-stop janus-status test test-domain lint bench bench-media setup venv dev system-deps test-system-deps messages migrate fmt clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  \033[1m%-18s\033[0m %s\n", $$1, $$2}'

# Installs stay quiet (-qq: errors only); a failure still prints pip's error and stops.
PIP_QUIET := -qq --disable-pip-version-check
$(VENV)/.installed: pyproject.toml
	@echo "Installing Prachum into $(VENV) ..."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PIP) install $(PIP_QUIET) --upgrade pip
	@$(PIP) install $(PIP_QUIET) -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	@echo "Installing the development tools ..."
	@$(PIP) install $(PIP_QUIET) -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed ## Create the virtualenv and install Prachum

dev: $(VENV)/.dev-installed ## Install the development dependencies

system-deps: ## Install the Thai font, PDF tools and Janus (apt, when run as root)
	@bash scripts/system-deps.sh run

test-system-deps: ## Install what the tests need: fonts, poppler, Janus, Chromium (apt, as root)
	@bash scripts/system-deps.sh test

setup: venv system-deps ## Migrate the database and load the demo data
	@echo "Preparing the database and the demo data ..."
	@DEMO_MODE=$${DEMO_MODE:-true} $(PY) manage.py migrate --noinput --verbosity 0
	@DEMO_MODE=$${DEMO_MODE:-true} $(PY) manage.py seed_demo --verbosity 0

run: setup ## Set up and start the whole system (web + worker) with demo data
	@HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

janus-start: venv ## Start Prachum's own Janus on loopback (rendered var/janus/etc)
	@bash scripts/janus.sh start

janus-stop: ## Stop the Janus started by janus-start or run
	@bash scripts/janus.sh stop

janus-status: ## Is our Janus running?
	@bash scripts/janus.sh status

test: dev test-system-deps test-domain ## Run the whole test suite (CI=true: nothing may be skipped)
	$(VENV)/bin/pytest

test-domain: dev ## The law engine alone: no Django loaded, 100% branch coverage required
	$(VENV)/bin/pytest tests/domain -q -p no:django --confcutdir=tests/domain \
		--cov=prachum.domain --cov-branch --cov-report=term-missing:skip-covered --cov-fail-under=100

lint: dev ## ruff, mypy, import-linter, missing migrations
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy prachum config
	$(VENV)/bin/lint-imports
	DEMO_MODE=true $(PY) manage.py makemigrations --check --dry-run

bench: dev ## Run the benchmarks (one JSON line per figure)
	@for b in bench/[!_]*.py; do $(PY) $$b || exit 1; done

bench-media: dev ## Janus under N aiortc audio publishers, recording on/off (root; BENCH_MEDIA_ARGS="--n 10,25 --seconds 10")
	$(PY) bench/media.py $(BENCH_MEDIA_ARGS)

messages: dev ## Update and compile the Thai translation
	$(PY) manage.py makemessages -l th --no-obsolete --ignore=.venv --ignore=var --ignore=tests
	$(PY) manage.py compilemessages -l th --ignore=.venv

fmt: dev ## Format the code
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean: ## Remove the virtualenv and local data (var/)
	rm -rf $(VENV) var
