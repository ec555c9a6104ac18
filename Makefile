# Kommunalschutz – everything a new machine needs, from python3 and make.
# `make run` and `make test` are the README's quick start; both set up what they need.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
PORT ?= 8000
HOST ?= 127.0.0.1
MANAGE := $(PY) -m kommunalschutz

# Development mode only for the local server; the test suite runs with production settings
# (DEBUG off), so that what CI checks is what an operator deploys.
run demo migrate worker messages: export DEBUG ?= true

.PHONY: run test lint bench screenshots install install-dev system-libs chromium r-survey migrate demo worker messages clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.installed: requirements/base.lock pyproject.toml | $(VENV)/bin/activate
	$(UV) pip sync --quiet --python $(PY) requirements/base.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	rm -f $(VENV)/.installed-dev
	touch $@

$(VENV)/.installed-dev: requirements/dev.lock pyproject.toml | $(VENV)/bin/activate
	$(UV) pip sync --quiet --python $(PY) requirements/dev.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed system-libs
install-dev: $(VENV)/.installed-dev system-libs

# WeasyPrint (PDF documents) needs Pango and a font; Debian's packages, installed only if missing.
system-libs:
	@{ ldconfig -p | grep -q libpangoft2-1.0.so.0 && fc-list 2>/dev/null | grep -qi dejavu; } || { \
	  echo "Installing Debian's Pango and DejaVu fonts for PDF output (needs root)…"; \
	  $$(command -v sudo || true) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$(command -v sudo || true) apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fontconfig >/dev/null; }

# The survey estimates are tested against R's survey package, the reference implementation (Debian's packages).
r-survey:
	@{ command -v Rscript >/dev/null 2>&1 && Rscript -e 'library(survey)' >/dev/null 2>&1; } || { \
	  echo "Installing Debian's R and r-cran-survey (reference for the survey estimates; needs root)…"; \
	  $$(command -v sudo || true) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$(command -v sudo || true) apt-get install -y -qq r-base-core r-cran-survey >/dev/null; }

# Browser tests drive Debian's Chromium; Playwright's own browser download is not used.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium (needs root)…"; \
	  $$(command -v sudo || true) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$(command -v sudo || true) apt-get install -y -qq chromium >/dev/null; }

migrate: install
	$(MANAGE) migrate --noinput -v0

demo: migrate
	$(MANAGE) import-registry
	$(MANAGE) import-pks --bundled
	$(MANAGE) load-programme
	$(MANAGE) demo

run: demo
	@echo "Serving at http://$(HOST):$(PORT) (task worker runs alongside; Ctrl-C stops both)"
	@trap 'kill 0' EXIT INT TERM; \
	  $(MANAGE) run_huey --quiet & \
	  $(MANAGE) runserver $(HOST):$(PORT)

worker: install
	$(MANAGE) run_huey

# The suite runs on every core (pytest-xdist); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
test: install-dev chromium r-survey
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check kommunalschutz tests bench
	KOMMUNALSCHUTZ_TESTING=1 $(VENV)/bin/mypy
	KOMMUNALSCHUTZ_TESTING=1 $(MANAGE) makemigrations --check --dry-run

bench: install-dev
	@command -v wrk >/dev/null 2>&1 || { echo "Installing Debian's wrk (load generator)…"; \
	  $$(command -v sudo || true) apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m bench

# docs/img/screenshots/: every role's start page, the reporting path and the survey report, from a fresh demo
# installation of its own (bench/screenshots.py; the README shows some of them).
screenshots: install-dev chromium
	$(PY) -m bench.screenshots

# One catalogue per app (kommunalschutz/<wing>/<app>/locale) and one for the shell and core
# (kommunalschutz/locale); app templates live inside their app so each run finds its own strings.
APP_LOCALES = $(wildcard kommunalschutz/*/*/locale)
messages: install-dev
	cd kommunalschutz && ../$(MANAGE) makemessages -l de --no-location --ignore "static/*" \
	  $(foreach loc,$(APP_LOCALES),--ignore "$(patsubst kommunalschutz/%/locale,%,$(loc))/*")
	for loc in $(APP_LOCALES); do \
	  (cd "$$(dirname $$loc)" && $(CURDIR)/$(PY) -P -m kommunalschutz makemessages -l de --no-location); \
	done
	$(MANAGE) compilemessages -l de --ignore ".venv/*"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
