# One entry per job. Each installs what it needs into .venv/ first.
# Python: the Lambda runtime's version (3.13) when pyenv has it, else python3 (3.11+).
PYTHON ?= $(shell PYENV_VERSION=3.13.0 python3 -c 'import sys; print(sys.executable)' 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck cfn-lint bench clean

$(STAMP): requirements-dev.txt layers/shared/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

## demo: sync the bundled sample deal through the offline stack (run it twice: nothing new is created)
demo: $(STAMP)
	$(BIN)/python -m offline run

## test: the whole suite (unit, doubles, infrastructure, end to end), then lint and type checks
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q
	$(BIN)/ruff check .
	$(BIN)/mypy

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

cfn-lint: $(STAMP)
	$(BIN)/cfn-lint template.yaml

## bench: every benchmark under bench/ with its defaults
bench: $(STAMP)
	$(BIN)/python -m bench.economy
	$(BIN)/python -m bench.large
	$(BIN)/python -m bench.coldstart
	$(BIN)/python -m bench.cost
	$(BIN)/python -m bench.burst
	$(BIN)/python -m bench.faults

clean:
	rm -rf .offline-state .pytest_cache .mypy_cache .ruff_cache .hypothesis
