# One entry per job. Each installs what it needs first, from a hashed lock:
#   .venv/      tests, lint, benchmarks, uv   <- requirements-dev.lock
#   .venv-sam/  the AWS SAM CLI               <- requirements-sam.lock (its pins clash with ours)
#   the layer   (layers/shared/Makefile)      <- layers/shared/requirements.lock
# The *.txt beside each lock are the inputs (direct dependencies, pinned by hand);
# `make lock` resolves them again. After a merge conflict in a lock, take either side, then
# `make lock`: the venv installs from the old lock and uv rewrites it from the merged inputs.
# Python: the Lambda runtime's version (3.13) when pyenv has it, else python3.
PYTHON ?= $(shell PYENV_VERSION=3.13.0 python3 -c 'import sys; print(sys.executable)' 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed
PIP_INSTALL := python -m pip install --quiet --disable-pip-version-check --require-hashes
BUILD_DIR := .aws-sam/build
export SAM_CLI_TELEMETRY := 0

.PHONY: demo test lint typecheck cfn-lint bench build lock lock-check clean

# pyproject.toml is a prerequisite: the editable install maps the packages it lists. The .pth
# puts the checkout itself on the venv's path, so `.venv/bin/closedwon --offline` finds the
# offline stack (a dev tool that the distribution deliberately does not ship).
$(STAMP): requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/$(PIP_INSTALL) -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	echo "$(CURDIR)" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/closedwon-checkout.pth"
	touch $(STAMP)

$(SAM_STAMP): requirements-sam.lock
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/$(PIP_INSTALL) -r requirements-sam.lock
	touch $(SAM_STAMP)

## demo: sync the bundled sample deal through the offline stack (run it twice: nothing new is created)
demo: $(STAMP)
	$(BIN)/python -m offline run --config offline/sample/mapping-demo.yaml \
	  events/opportunity_closed_won.json events/opportunity_amendment_closed_won.json \
	  events/opportunity_renewal_closed_won.json

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

## build: validate the template, build what `sam deploy` ships, then check that artifact.
## The venv's python3.13 goes first on PATH: sam builds the functions with it, and the layer's
## Makefile installs and compiles with it (without one, `sam build --use-container`).
build: $(STAMP) $(SAM_STAMP)
	$(SAM) validate --lint
	PATH="$(abspath $(BIN)):$$PATH" $(SAM) build --build-dir $(BUILD_DIR)
	$(BIN)/python -m tools.check_build $(BUILD_DIR)

## bench: every benchmark under bench/ with its defaults (coldstart measures the `make build` artifact)
bench: $(STAMP)
	$(BIN)/python -m bench.economy
	$(BIN)/python -m bench.large
	$(BIN)/python -m bench.coldstart
	$(BIN)/python -m bench.cost
	$(BIN)/python -m bench.burst
	$(BIN)/python -m bench.faults

UV := $(abspath $(BIN)/uv)
LOCK_COMPILE = $(UV) pip compile --quiet --generate-hashes --python-version 3.13 \
	--custom-compile-command "make lock" $(UPGRADE)

# Run in folder $(1), which holds the inputs (and the locks whose pins are kept).
define compile-locks
	cd $(1) && $(LOCK_COMPILE) --python-platform aarch64-manylinux_2_34 \
		layers/shared/requirements.txt -o layers/shared/requirements.lock
	cd $(1) && $(LOCK_COMPILE) --universal -c layers/shared/requirements.lock \
		requirements-dev.txt -o requirements-dev.lock
	cd $(1) && $(LOCK_COMPILE) --universal requirements-sam.txt -o requirements-sam.lock
endef
LOCK_FILES := layers/shared/requirements.txt layers/shared/requirements.lock \
	requirements-dev.txt requirements-dev.lock requirements-sam.txt requirements-sam.lock

## lock: re-resolve the three inputs into their hashed locks, keeping every pin that still fits
## (`make lock UPGRADE=--upgrade` takes the newest releases instead). The layer's lock is
## resolved for Lambda (python3.13, manylinux aarch64); the dev lock takes the layer's versions.
lock: $(STAMP)
	$(call compile-locks,.)

## lock-check: fails when an input changed and its lock was not refreshed
lock-check: $(STAMP)
	rm -rf .lock-check && mkdir .lock-check
	cp --parents $(LOCK_FILES) .lock-check/
	$(call compile-locks,.lock-check)
	for f in layers/shared/requirements.lock requirements-dev.lock requirements-sam.lock; do \
		diff -u $$f .lock-check/$$f || { echo "$$f is stale: run make lock"; exit 1; }; done
	rm -rf .lock-check

clean:
	rm -rf .offline-state .pytest_cache .mypy_cache .ruff_cache .hypothesis .aws-sam .lock-check
