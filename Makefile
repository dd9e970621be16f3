# The README's commands. Every target installs what it needs first, so each works on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
NODE_STAMP := node_modules/.installed

.PHONY: install install-test serve build check test lint golden bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

install-test: $(TEST_STAMP) $(NODE_STAMP)

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Test-only Node tools (Nu Html Checker, axe-core, the sitemap schema), exactly as locked.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

serve: install
	$(BIN)/python build.py serve

build: install
	$(BIN)/python build.py build

check: install
	$(BIN)/python build.py check

test: install-test
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Regenerate the golden site's expected output after an intended change; review the diff.
golden: install
	$(BIN)/python -m tests.golden

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf public .cache .pytest_cache .mypy_cache .ruff_cache
