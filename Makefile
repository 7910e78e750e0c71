# insights: customer-base research toolkit.
# `make` (or `make help`) lists the targets. UNIT and QUARTER are read by the
# recipes from the environment ("$$UNIT"), never pasted into a shell line, and
# the `insights` command validates UNIT against params/ before anything runs.

.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_STAMP := data/demo/.complete
UNIT ?= fleet
QUARTER ?=
# Take UNIT and QUARTER literally: $(value ...) stops make from expanding a value such as
# '$(shell ...)' given on the command line; recipes read them from the environment.
override UNIT := $(value UNIT)
override QUARTER := $(value QUARTER)
export UNIT QUARTER

.PHONY: help report reports check test lint lab demo-data bench clean distclean venv

help: ## list the targets
	@echo "insights: make <target> [UNIT=fleet] [QUARTER=2026Q3]"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,spark,postgres]'
	@touch $(STAMP)

venv: $(STAMP) ## create or update .venv from pyproject.toml

$(DEMO_STAMP): $(STAMP) src/insights/demo.py
	$(PY) -m insights.cli demo-data --out data/demo

demo-data: $(DEMO_STAMP) ## generate the deterministic demo export in data/demo/

report: $(STAMP) ## publish one unit's quarterly report: make report UNIT=fleet [QUARTER=2026Q3]
	$(PY) -m insights.cli check-unit --unit "$$UNIT"
	@$(MAKE) --no-print-directory $(DEMO_STAMP)
	$(PY) -m insights.cli report --unit "$$UNIT" --quarter "$$QUARTER"

check: $(STAMP) ## read, clean and gate one unit's data, publish nothing: make check UNIT=fleet [QUARTER=2026Q3]
	$(PY) -m insights.cli check-unit --unit "$$UNIT"
	@$(MAKE) --no-print-directory $(DEMO_STAMP)
	$(PY) -m insights.cli check --quarter "$$QUARTER" -- "$$UNIT"

reports: $(STAMP) $(DEMO_STAMP) ## publish every unit in params/ (goes on past failures, exits non-zero if any failed)
	$(PY) -m insights.cli reports --quarter "$$QUARTER"

test: $(STAMP) ## run the test suite (unit tests + one end-to-end report run)
	$(PY) -m pytest

lint: $(STAMP) ## ruff and the import contracts (analysis modules stay pure)
	$(VENV)/bin/ruff check src tests notebooks benchmarks
	$(VENV)/bin/lint-imports

lab: $(STAMP) ## JupyterLab with insights importable (installs the lab extra)
	$(PY) -m pip install --quiet -e '.[dev,lab]'
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

bench: $(STAMP) ## benchmarks (timings live here, never in make test)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) benchmarks/run.py

clean: ## remove generated reports, demo data and caches (keeps .venv)
	rm -rf data/demo reports/*/ reports/index.html .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean ## clean, and remove .venv
	rm -rf $(VENV)
