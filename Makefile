# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# `make run` runs the Procfile's processes (gunicorn and the clock) through honcho, as in production.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# The demo passwords are public: serve on this machine only unless HOST says otherwise.
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test venv install browser-deps clock lighthouse clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP) $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app seed-demo --if-empty
	PATH="$(abspath $(BIN)):$$PATH" HOST="$(HOST)" $(BIN)/honcho start -f Procfile -p $(PORT)

clock: $(STAMP)
	$(BIN)/flask --app app scheduler

browser-deps:
	@sh scripts/browser-deps.sh

test: $(TEST_STAMP) browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lighthouse: $(STAMP)
	@sh scripts/lighthouse.sh

clean:
	rm -rf $(VENV)
