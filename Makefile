# packgate: `make run` (the main job) and `make test` (everything CI checks).
# Both do their own set-up through `make setup`, which is quick when nothing changed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(CURDIR)/.tools/bin
export PATH := $(BIN):$(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup postgres chromium run test test-rego test-fleet screenshots bench soak clean

setup: $(VENV)/.installed $(VENV)/.native $(BIN)/.opa-ready $(BIN)/.ollama-ready postgres chromium

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# The detector core in Rust (native/: PyO3 through maturin, crates from crates.io at Cargo.lock's
# versions), built from source into the venv; rebuilt when its sources change.
# Rust comes from rustup here (~/.cargo/bin); on a machine with neither, Debian's cargo and rustc are installed.
export PATH := $(PATH):$(HOME)/.cargo/bin
$(VENV)/.native: $(VENV)/.installed native/Cargo.toml native/Cargo.lock native/pyproject.toml $(wildcard native/src/*.rs native/src/*/*.rs)
	@command -v cargo >/dev/null || { echo "make setup: cargo not found; installing Debian's cargo and rustc (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cargo rustc >/dev/null; }
	$(PY) -m pip install --quiet --disable-pip-version-check ./native
	touch $@

$(BIN)/.opa-ready: opa/install.sh opa/regal/go.mod
	bash opa/install.sh
	touch $@

# A real Ollama (built from the Go module proxy, CPU only) and the tiny model the client tests serve.
$(BIN)/.ollama-ready: tests/ollama/install.sh tests/ollama/tinymodel.py $(VENV)/.installed
	bash tests/ollama/install.sh
	touch $@

# PostgreSQL 15 from Debian: the fleet tests start their own server from its binaries (initdb, pg_ctl,
# as the postgres user). Installed when missing; the package's own cluster is not used.
postgres:
	@if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then :; else \
	  echo "make setup: PostgreSQL server not found; installing Debian's postgresql (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi
	@if [ "$$(id -u)" = 0 ] && ! runuser -u postgres -- test -w /dev/null; then \
	  echo "make setup: /dev/null is not writable by the postgres user (initdb needs it): chmod 666 /dev/null"; \
	  chmod 666 /dev/null; \
	fi

# Debian's Chromium for the review console's browser tests (Playwright drives /usr/bin/chromium;
# browser downloads are not possible here, so never `playwright install`).
CHROMIUM := /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM) || { echo "make setup: installing Debian's chromium (apt-get) for the browser tests"; \
		apt-get update -qq && apt-get install -y -qq chromium; }

# Refresh docs/review-queue.png and docs/review-detail.png (the README's Human review section).
screenshots: setup
	PACKGATE_SCREENSHOTS=1 $(PY) -m pytest -q tests/review/test_console.py -k approves

run: setup
	$(VENV)/bin/packgate demo

test: setup test-rego
	$(PY) -m pytest -q -m "not slow"

# The fleet alone: three replicas, one PostgreSQL, one bundle service (also part of `make test`).
test-fleet: setup
	$(PY) -m pytest -q tests/fleet tests/audit/test_postgres.py

# The Rego library's own tests and every pack's generated tests, with the real opa (pytest
# re-checks these with fmt/check/regal/coverage; this step shows them plainly first).
test-rego: setup
	$(BIN)/opa test rego
	$(VENV)/bin/packgate test packs/*.yaml

bench: setup
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	$(PY) -m bench

soak: setup
	$(PY) -m pytest -q -s -m slow tests

clean:
	rm -rf $(VENV) .tools out .pytest_cache .hypothesis
