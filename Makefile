# The two commands of the README: `make demo` and `make test`. Both set up
# everything they need on a fresh clone and are quick the second time.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

# Every Pulumi run this project starts: no update check, no plugin download,
# and a PULUMI_HOME of its own so nothing touches the user's ~/.pulumi.
export PULUMI_SKIP_UPDATE_CHECK := true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true
export PULUMI_HOME := $(CURDIR)/.tools/pulumi-home
export PATH := $(CURDIR)/.tools/bin:$(CURDIR)/$(VENV)/bin:$(PATH)
# The documented development passphrase of the local `dev` stack (docs/development.md).
export PULUMI_CONFIG_PASSPHRASE ?= hcinfra-dev-passphrase

PYTEST_WORKERS ?= 2
LINT_PATHS := hcinfra stacks tests $(wildcard bench)

.PHONY: help setup engine demo test lint typecheck unit clean

help:
	@echo "make demo   set up, then deploy the dev stack (pulumi up) against the local emulator"
	@echo "make test   set up, then run every check and test"

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bootstrap,emulator]'
	touch $@

engine:
	@scripts/install-pulumi

setup: $(INSTALLED) engine

demo: setup
	@scripts/demo

lint: $(INSTALLED)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)

typecheck: $(INSTALLED)
	$(VENV)/bin/mypy hcinfra

test: setup lint typecheck
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

clean:
	rm -rf .pulumi .state $(VENV)
