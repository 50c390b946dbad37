# The two commands a newcomer needs: `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint unit bench clean browser

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/python -m muster.sandbox.demo --out var/demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Debian's Chromium renders report.html in tests/e2e/test_audit_bundle.py; installed once, quietly (as root).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

test: lint browser
	$(BIN)/python -m pytest

# Every benchmark prints medians, a baseline measured in the same command, and peak RSS. Slow: the large
# synthetic inputs (diff pair, 365-day period) are generated once under var/bench and reused.
bench: install
	$(BIN)/python bench/collect_aws.py
	$(BIN)/python bench/normalise_write.py
	$(BIN)/python bench/normalise_write.py --org 40 --runs 7
	$(BIN)/python bench/collect_gcp.py
	$(BIN)/python bench/collect_azure.py
	$(BIN)/python bench/privilege_peers.py
	$(BIN)/python bench/diff.py --root var/bench/synth
	$(BIN)/python bench/rules_ledger.py --root var/bench/rules
	$(BIN)/python bench/bundle.py

clean:
	rm -rf var .pytest_cache .ruff_cache
