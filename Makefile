# The README's quick start: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: install demo test lint layers wheel-demo format run bench bench-quick eval train serve clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/tipsheet demo

run: $(STAMP)
	$(BIN)/tipsheet run --config config.yaml

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The import contracts in pyproject.toml, checked on the tree a wheel holds (build/layers),
# where the top-level folders sit inside the tipsheet namespace as they do when installed.
layers: $(STAMP)
	rm -rf build/layers
	$(BIN)/python -W ignore -c "from setuptools import setup; setup()" -q build_py --build-lib build/layers
	cd build/layers && ../../$(BIN)/lint-imports --config ../../pyproject.toml --no-cache

test: lint layers
	$(BIN)/pytest

# tipsheet as a user installs it: the wheel, in a fresh venv, run from outside the checkout
# (so nothing is imported from it), then the wheel's contents checked for one namespace.
wheel-demo: $(STAMP)
	rm -rf build/wheel build/wheel-venv build/wheel-demo
	$(BIN)/pip wheel -q --no-deps -w build/wheel .
	$(PY) -m venv build/wheel-venv
	build/wheel-venv/bin/pip install -q build/wheel/tipsheet-*.whl
	cd / && $(CURDIR)/build/wheel-venv/bin/tipsheet demo --output $(CURDIR)/build/wheel-demo
	build/wheel-venv/bin/python -m zipfile -l build/wheel/tipsheet-*.whl | awk 'NR>1 {split($$1, p, "/"); print p[1]}' | sort -u > build/wheel/top-level
	test "$$(grep -cv -e '^tipsheet$$' -e '^tipsheet-.*\.dist-info$$' build/wheel/top-level)" = 0 || { echo "the wheel installs more than tipsheet:"; cat build/wheel/top-level; exit 1; }
	cd / && $(CURDIR)/build/wheel-venv/bin/python -c "import tipsheet.connectors.http, tipsheet.core.events, sys; assert 'site-packages' in tipsheet.connectors.http.__file__, tipsheet.connectors.http.__file__"

bench: $(STAMP)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.orchestration --part cost
	$(BIN)/python -m bench.longrun

bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --quick

eval: $(STAMP)
	$(BIN)/python -m evals.run

# Rebuilds core/models/ from ../shared/corpus (seeded; commit the result).
train: $(STAMP)
	$(BIN)/python -m training.train

serve: $(STAMP)
	$(BIN)/python -m tipsheet.serve

clean:
	rm -rf $(VENV) build demo-output .pytest_cache
