# anchor-service: the two commands are `make run` and `make test`.
# Every target does its own set-up and is idempotent.

PYTHON ?= python3
VENV := .venv
BVENV := .venv-brownie
PY := $(VENV)/bin/python
BROWNIE := $(BVENV)/bin/brownie
export SOLCX_BINARY_PATH := $(CURDIR)/.solcx
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: run test setup test-service test-contracts lint benchmark-merkle clean

## run: set up everything, then start the service on its embedded defaults
run: setup
	$(VENV)/bin/anchor-service dev

## test: set up everything, then run every test (service and contracts)
test: setup lint test-service test-contracts

setup: $(VENV)/.installed $(BVENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

$(BVENV)/.installed: requirements-brownie.txt
	test -x $(BVENV)/bin/python || $(PYTHON) -m venv $(BVENV)
	$(BVENV)/bin/pip install -q --disable-pip-version-check -r requirements-brownie.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check anchor_service tests benchmarks scripts
	$(VENV)/bin/mypy

test-service: $(VENV)/.installed
	$(VENV)/bin/pytest -p no:cacheprovider tests/service

test-contracts: setup
	$(BROWNIE) test tests/contracts --network ganache-cli

benchmark-merkle: $(VENV)/.installed
	$(PY) benchmarks/merkle_bench.py

clean:
	rm -rf $(VENV) $(BVENV) node_modules build .solcx
