# Two commands on a fresh machine: `make demo` and `make test`. Everything they need is installed
# here or by the launcher (Debian's PostgreSQL, Java and Maven when missing; Kafka's jars from Maven
# Central into .cache/; Python packages into .venv/).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint down

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) \
	  || { apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

setup: $(VENV)/.installed
	$(BIN)/python -c 'from infra import kafka, postgres; postgres.ensure_installed(); kafka.ensure_installed()'

demo: setup
	$(BIN)/agdref-anef demo

test: setup
	$(BIN)/python -m pytest

# Static gates (CI runs them after the tests): ruff on everything, mypy strict on the pure packages.
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

down:
	$(BIN)/agdref-anef demo stop
