# anchor-service: the two commands are `make run` and `make test`.
# Every target does its own set-up and is idempotent.

PYTHON ?= python3
VENV := .venv
BVENV := .venv-brownie
PY := $(VENV)/bin/python
BROWNIE := $(BVENV)/bin/brownie
export SOLCX_BINARY_PATH := $(CURDIR)/.solcx
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
# The solc-js version pinned in package.json and brownie-config.yaml.
SOLC_VERSION := 0.8.28
SOLC_SHIM := $(SOLCX_BINARY_PATH)/solc-v$(SOLC_VERSION)
# Brownie runs ganache-cli from node_modules/.bin (on PATH above).
BROWNIE_NETWORK := ganache-cli
CONTRACT_TOOLS := $(BVENV)/.installed node_modules/.installed $(SOLC_SHIM) build/.config-stamp

.PHONY: run test setup test-service test-contracts brownie-network gas-report contract-artifact lint benchmark-merkle benchmark-tiles clean browser-tools test-packages reliability

## run: set up everything, then start the service on its embedded defaults
run: setup
	$(VENV)/bin/anchor-service dev

## test: set up everything, then run every test (service and contracts)
test: setup browser-tools test-packages lint test-service test-contracts

setup: $(VENV)/.installed $(CONTRACT_TOOLS)

$(VENV)/.installed: pyproject.toml tools/make-venv.sh
	tools/make-venv.sh $(PYTHON) $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[server,dev]'
	touch $@

$(BVENV)/.installed: requirements-brownie.txt tools/make-venv.sh
	tools/make-venv.sh $(PYTHON) $(BVENV)
	$(BVENV)/bin/pip install -q --disable-pip-version-check -r requirements-brownie.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# solc-js behind the command line py-solc-x expects, so Brownie compiles offline.
$(SOLC_SHIM): tools/solc-shim.js node_modules/.installed
	mkdir -p $(@D)
	install -m 0755 tools/solc-shim.js $@
	$@ --version | grep -q 'Version: $(SOLC_VERSION)+'

# Brownie does not recompile when compiler settings change: drop build/ then.
build/.config-stamp: brownie-config.yaml
	rm -rf build
	mkdir -p build
	touch $@

# Chromium and its WebDriver, for the auditor page's browser tests (tests/service/web).
# Debian packages, installed only when missing (apt-get as root, or through sudo).
CHROMIUM := /usr/bin/chromium
CHROMEDRIVER := /usr/bin/chromedriver
browser-tools:
	@if [ -x $(CHROMIUM) ] && [ -x $(CHROMEDRIVER) ]; then \
		echo "browser-tools: $(CHROMIUM) and $(CHROMEDRIVER) are installed"; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "browser-tools: $(CHROMIUM) or $(CHROMEDRIVER) is missing and apt-get is not" \
			"available: install Chromium and its chromedriver by hand (Debian packages" \
			"chromium, chromium-driver)" >&2; \
		exit 1; \
	else \
		if [ "$$(id -u)" = 0 ]; then sudo=; \
		elif command -v sudo >/dev/null 2>&1; then sudo=sudo; \
		else echo "browser-tools: installing Chromium with apt-get needs root or sudo" >&2; exit 1; fi; \
		echo "browser-tools: installing chromium and chromium-driver with apt-get"; \
		$$sudo apt-get update -q && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; \
	fi

# Servers the service tests start privately, from Debian packages: PgBouncer (transaction
# pooling: tests/service/db/test_pgbouncer.py) and nginx (the exported tiles behind
# /tlog/). Installed only when missing (apt-get as root, or through sudo); `make run`
# needs neither. Each entry is package:executable.
TEST_PACKAGES := pgbouncer:/usr/sbin/pgbouncer nginx:/usr/sbin/nginx
test-packages:
	@missing=; \
	for item in $(TEST_PACKAGES); do \
		[ -x "$${item#*:}" ] || missing="$$missing $${item%%:*}"; \
	done; \
	if [ -z "$$missing" ]; then \
		echo "test-packages: $(foreach item,$(TEST_PACKAGES),$(firstword $(subst :, ,$(item)))) installed"; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "test-packages:$$missing missing and apt-get is not available: install the" \
			"Debian packages$$missing (or your system's) by hand" >&2; \
		exit 1; \
	else \
		if [ "$$(id -u)" = 0 ]; then sudo=; \
		elif command -v sudo >/dev/null 2>&1; then sudo=sudo; \
		else echo "test-packages: installing$$missing with apt-get needs root or sudo" >&2; exit 1; fi; \
		echo "test-packages: installing$$missing with apt-get"; \
		$$sudo apt-get update -q && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q$$missing; \
	fi

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check anchor_service tests benchmarks scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/bandit -q -r anchor_service -lll
	@! git grep -nE '^(<<<<<<<|>>>>>>>)( |$$)' -- . || { echo 'merge conflict markers (above)'; exit 1; }

# Two pytest workers, a test file each at a time: most tests wait on processes (ganache,
# servers, PostgreSQL), so two share the cores well. TEST_WORKERS=0 runs them in one.
TEST_WORKERS ?= 2
test-service: $(VENV)/.installed
	$(VENV)/bin/pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --durations=15 tests/service

# Brownie waits 30 s for a JSON-RPC answer on its development networks; a loaded
# machine can make ganache slower than that on the longest proofs. The setting lives
# in ~/.brownie/network-config.yaml (the project config cannot hold it): set it each run.
BROWNIE_RPC_TIMEOUT := 120
brownie-network: $(BVENV)/.installed
	$(BROWNIE) networks modify $(BROWNIE_NETWORK) timeout=$(BROWNIE_RPC_TIMEOUT) >/dev/null

test-contracts: $(CONTRACT_TOOLS) brownie-network
	$(BROWNIE) test tests/contracts --network $(BROWNIE_NETWORK)

gas-report: $(CONTRACT_TOOLS) brownie-network
	$(BROWNIE) run scripts/gas_report.py --network $(BROWNIE_NETWORK)

## contract-artifact: compile, then write anchor_service/chain/artifacts/AnchorRegistry{,V2}.json
contract-artifact: $(CONTRACT_TOOLS)
	$(BROWNIE) compile
	$(BVENV)/bin/python scripts/export_artifact.py
	$(BVENV)/bin/python scripts/export_artifact.py --contract AnchorRegistryV2

benchmark-merkle: $(VENV)/.installed
	$(PY) benchmarks/merkle_bench.py

## benchmark-tiles: tile req/s from the API and from nginx (deploy/nginx) beside proofs, bytes per entry; 10M entries (TILES_BENCH_ARGS=--quick: 200k)
benchmark-tiles: $(VENV)/.installed
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || \
		{ echo "installing nginx (Debian package) for the benchmark"; \
		  $$(test "$$(id -u)" = 0 || echo sudo) apt-get install -y --no-install-recommends nginx; }
	$(PY) benchmarks/tiles_bench.py $(TILES_BENCH_ARGS)

## benchmark-checkpoints: POST -> signed checkpoint latency at 1,000 entries/s (PostgreSQL)
.PHONY: benchmark-checkpoints
benchmark-checkpoints: $(VENV)/.installed
	$(PY) benchmarks/checkpoint_bench.py

## reliability: the full load and fault scenarios, the long fuzz run (~20 min), a summary table
reliability: setup
	RELIABILITY_SCALE=full $(PY) scripts/reliability.py

clean:
	rm -rf $(VENV) $(BVENV) node_modules build .solcx
