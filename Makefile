# The README's quick start: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: install demo test lint format run bench bench-quick eval train serve clean

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

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.orchestration --part cost
	$(BIN)/python -m bench.longrun

bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --quick

eval: $(STAMP)
	$(BIN)/python -m evals.run

# Rebuilds tipsheet/models/ from ../shared/corpus (seeded; commit the result).
train: $(STAMP)
	$(BIN)/python -m training.train

serve: $(STAMP)
	$(BIN)/python -m flows.serve

clean:
	rm -rf $(VENV) demo-output .pytest_cache
