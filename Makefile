# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= var/demo

.PHONY: install services test test-fast lint typecheck demo bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml uv.lock scripts/bootstrap.sh
	bash scripts/bootstrap.sh
	@touch $@

services:
	bash scripts/services.sh

test: install services
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not spark and not slow"

lint: install
	$(BIN)/ruff check src tests bench

typecheck: install
	$(BIN)/mypy

demo: install
	bash scripts/demo.sh $(DEMO)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache
