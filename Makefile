# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= var/demo

.PHONY: install services browser test test-fast test-asan lint typecheck demo bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml uv.lock scripts/bootstrap.sh hatch_build.py src/distillguard/ingest/_scan.c src/distillguard/ingest/_scan_json.h src/distillguard/ingest/_scan_request.h
	bash scripts/bootstrap.sh
	@touch $@

services:
	bash scripts/services.sh

# Debian's Chromium and chromedriver for the console's real-browser tests.
browser:
	bash scripts/browser.sh

# The whole gate CI runs: lint, types, then every test (Spark, the
# PostgreSQL/Redis-backed suites and the console's browser suite included, each
# in a bounded form).
test: install services browser
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not spark and not slow"

# The native ingest scanner (C) under AddressSanitizer + UBSan, with the ingest tests.
test-asan: install
	bash scripts/asan.sh

lint: install
	$(BIN)/ruff check src tests bench

typecheck: install
	$(BIN)/mypy

demo: install
	bash scripts/demo.sh $(DEMO)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache src/distillguard/ingest/_scan*.so
