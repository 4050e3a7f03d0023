# HazeOps: `make run` (demo on SQLite) and `make test` (everything, both databases, real browser).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8050

.PHONY: run test install install-dev system-deps lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: create the venv, install, migrate, seed the demo county (first time only), serve on $PORT
run: export HAZEOPS_DEMO = 1
run: export PORT := $(PORT)
run: $(VENV)/.installed
	$(BIN)/python -m dashboard db upgrade
	$(BIN)/python -m dashboard seed --demo
	$(BIN)/python -m dashboard serve

## system-deps: Debian chromium, chromium-driver, PostgreSQL and CJK fonts for the tests (when absent)
system-deps:
	bash scripts/install-system-deps.sh

## test: install what the tests need and run the whole suite on SQLite and on PostgreSQL
test: $(VENV)/.installed-dev system-deps
	bash scripts/test.sh

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-dev system-deps
	$(BIN)/python bench/login.py

clean:
	rm -rf $(VENV) test-artifacts .scratch
