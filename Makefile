# packgate: `make run` (the main job) and `make test` (everything CI checks).
# Both do their own set-up through `make setup`, which is quick when nothing changed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(CURDIR)/.tools/bin
export PATH := $(BIN):$(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup chromium run test test-rego screenshots bench soak clean

setup: $(VENV)/.installed $(BIN)/.opa-ready $(BIN)/.ollama-ready chromium

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(BIN)/.opa-ready: opa/install.sh opa/regal/go.mod
	bash opa/install.sh
	touch $@

# A real Ollama (built from the Go module proxy, CPU only) and the tiny model the client tests serve.
$(BIN)/.ollama-ready: tests/ollama/install.sh tests/ollama/tinymodel.py $(VENV)/.installed
	bash tests/ollama/install.sh
	touch $@

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
