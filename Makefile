# insights: customer-base research toolkit.
# `make` (or `make help`) lists the targets. UNIT and QUARTER are read by the
# recipes from the environment ("$$UNIT"), never pasted into a shell line; the shell
# checks UNIT (CHECK_UNIT) before make builds anything, and the `insights` command
# validates it again against params/ before anything runs.

.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_STAMP := data/demo/.complete
UNIT ?= fleet
QUARTER ?=
FROM ?=
LAB_STAMP := $(VENV)/.lab-installed
# JupyterLab's admin defaults (the user's own settings still win): .py opens as a notebook.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
# Take UNIT and QUARTER literally: $(value ...) stops make from expanding a value such as
# '$(shell ...)' given on the command line; recipes read them from the environment.
override UNIT := $(value UNIT)
override QUARTER := $(value QUARTER)
override FROM := $(value FROM)
export UNIT QUARTER FROM
# UNIT must fully match [a-z][a-z0-9_-]* and name a file in params/ (as insights.params.UNIT_NAME
# and publish.resolve_unit require); tested in the shell, so no extra Python process per run.
CHECK_UNIT = [[ "$$UNIT" =~ ^[a-z][a-z0-9_-]*$$ && -f "params/$$UNIT.yaml" ]] || { \
  printf 'insights: unit %q is not a unit: name a file in params/ (lowercase letters, digits, _ or -)\n' \
  "$$UNIT" >&2; exit 2; }

.PHONY: help report reports check test test-fast lint lab unit demo-data bench bench-100m clean distclean venv lock test-floors messages

help: ## list the targets
	@echo "insights: make <target> [UNIT=fleet] [QUARTER=2026Q3]"
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-10s %s\n", $$1, $$2}'

# The environment is installed from requirements.lock (exact versions, tested by CI); the
# package itself goes in editable on top, without re-resolving anything.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP) ## create or update .venv from pyproject.toml

$(DEMO_STAMP): $(STAMP) $(wildcard src/insights/demo/*.py)
	$(PY) -m insights.cli demo-data --out data/demo

demo-data: $(DEMO_STAMP) ## generate the deterministic demo export in data/demo/

report: $(STAMP) ## publish one unit's quarterly report: make report UNIT=fleet [QUARTER=2026Q3]
	@$(CHECK_UNIT)
	@$(MAKE) --no-print-directory $(DEMO_STAMP)
	$(PY) -m insights.cli report --unit "$$UNIT" --quarter "$$QUARTER"

check: $(STAMP) ## read, clean and gate one unit's data, publish nothing: make check UNIT=fleet [QUARTER=2026Q3]
	@$(CHECK_UNIT)
	@$(MAKE) --no-print-directory $(DEMO_STAMP)
	$(PY) -m insights.cli check --quarter "$$QUARTER" -- "$$UNIT"

reports: $(STAMP) $(DEMO_STAMP) ## publish every unit in params/ (goes on past failures, exits non-zero if any failed)
	exec $(PY) -m insights.cli reports --stop-with-parent --quarter "$$QUARTER"

test: $(STAMP) ## run the test suite (unit tests, docstring examples, end-to-end report runs) on every core
	$(PY) -m pytest -n auto --dist loadgroup

# Message catalogues: collect every _()/ngettext()/N_() string into the template, then merge it
# into each language's .po (new strings arrive untranslated; translate them and commit the .po).
LOCALE := src/insights/locale
messages: $(STAMP) ## extract the report's strings and update every language's .po (src/insights/locale)
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location --sort-output -k N_ -k pgettext:1c,2 \
	  --project insights -o $(LOCALE)/insights.pot .
	$(VENV)/bin/pybabel update --no-fuzzy-matching --ignore-obsolete -D insights -i $(LOCALE)/insights.pot -d $(LOCALE)

lock: $(STAMP) ## re-pin requirements.lock from pyproject.toml (after changing a dependency)
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --extra spark --extra postgres \
	  --universal --python-version 3.11 --quiet -o requirements.lock \
	  --custom-compile-command 'make lock'

# The floors in pyproject.toml are promises too: resolve the lowest versions they allow into
# .venv-floors and run the fast tests there (CI does this after make test).
FLOORS := .venv-floors
test-floors: $(STAMP) ## make test-fast on the lowest dependency versions pyproject.toml allows
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --resolution lowest-direct \
	  --python-version 3.11 --quiet -o $(FLOORS).lock
	@test -x $(FLOORS)/bin/python || $(PYTHON) -m venv $(FLOORS)
	$(FLOORS)/bin/python -m pip install --quiet -r $(FLOORS).lock
	$(FLOORS)/bin/python -m pip install --quiet --no-deps -e .
	$(FLOORS)/bin/python -m pytest -q -m "not slow and not services" -p no:cacheprovider
test-fast: $(STAMP) ## the inner loop: the tests without the slow end-to-end runs and service engines
	$(PY) -m pytest -n auto --dist loadgroup -m "not slow and not services"

lint: $(STAMP) ## ruff, the import contracts (analysis modules stay pure) and mypy on src/
	$(VENV)/bin/ruff check src tests notebooks benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

unit: $(STAMP) ## set a unit up from its export: make unit UNIT=shop FROM=data/shop.csv [FORCE=1]
	$(PY) -m insights.cli init "$$UNIT" --from "$$FROM" $(if $(FORCE),--force,)

$(LAB_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,lab]'
	@touch $(LAB_STAMP)

$(LAB_SETTINGS): .jupyter/lab/overrides.json $(LAB_STAMP)
	install -D -m 644 .jupyter/lab/overrides.json $(LAB_SETTINGS)

lab: $(LAB_STAMP) $(LAB_SETTINGS) ## JupyterLab on the project root; .py notebooks open as notebooks
	$(VENV)/bin/jupyter lab --notebook-dir=.

bench: $(STAMP) ## benchmarks, ours beside each anchor: benchmarks/results.json and the README tables
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) benchmarks/run.py

bench-100m: $(STAMP) ## publish synthetic units of 10M, 30M and 100M transactions; time and memory
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) benchmarks/large.py
	$(PY) benchmarks/readme_table.py

clean: ## remove generated reports, demo data and caches (keeps .venv)
	rm -rf data/demo data/cache reports/*/ reports/index.html .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean ## clean, and remove .venv
	rm -rf $(VENV)
