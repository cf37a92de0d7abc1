# SC-WRES toolkit. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
KERNEL := wres-tools
DATA_DIR ?= data/demo
OUT_DIR ?= outputs
JOBS ?= 2

.DEFAULT_GOAL := help
.PHONY: help install demo test test-fast lint lab lock bench clean

help:  ## list the targets
	@grep -E '^[a-zA-Z_.-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "} {printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --compile-bytecode requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (wres-tools)" >/dev/null
	touch $@

install: $(VENV)/.installed  ## create or update the pinned virtual environment and the Jupyter kernel

demo: install  ## the main job: synthetic returns for 18 authorities x 3 years, validated, every report, the index
	$(BIN)/wres synth --out $(DATA_DIR)
	@# every notice and the summary line; the table of 54 returns is left out
	set -o pipefail; $(BIN)/wres validate --data-dir $(DATA_DIR) | grep -Ev '^ *(Validation *$$|[┏┃┡│└])'
	$(BIN)/wres run --data-dir $(DATA_DIR) --out $(OUT_DIR) --jobs $(JOBS)

test: install  ## run the whole test suite (what CI runs)
	$(BIN)/python -m pytest -n 2 -q

test-fast: install  ## the quick loop: all but the papermill, batch and whole-demo tests, fewer property examples
	$(BIN)/python -m pytest -n 2 -q -m "not slow and not heavy" --hypothesis-profile=fast

lint: install  ## ruff over the package, tests and benchmarks; mypy over the package
	$(BIN)/ruff check wres_tools tests benchmarks
	$(BIN)/mypy

lab: install  ## start JupyterLab on the project kernel (as root too)
	$(BIN)/jupyter lab notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

lock:  ## re-solve requirements.lock from pyproject.toml and rewrite environment.yml from it
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes --no-header --upgrade -o requirements.lock
	$(BIN)/python scripts/lock_to_environment.py requirements.lock environment.yml

bench: install  ## run the speed benchmarks
	$(BIN)/python -m benchmarks

clean:  ## remove the virtual environment, demo data and outputs
	rm -rf $(VENV) data/demo $(OUT_DIR)/*
