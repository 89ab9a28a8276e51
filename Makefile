# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test check lint format typecheck clean retrain replay totp clean-key-phrases

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check 'pip<26.3'
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	exec $(PY) -m local

# Retrain a commune's sentiment model with its staff's corrections (needs `make run` running).
retrain: $(STAMP)
	$(PY) -m local.retrain --commune $(COMMUNE)

# Move a queue's dead-letter messages back to it (needs `make run` running), e.g. QUEUE=analysis.
replay: $(STAMP)
	$(PY) -m local.replay $(QUEUE)

# Remove key phrases naming personal data recorded by older analyses (needs `make run`
# running, or a stack's CONCERTO_* variables and AWS credentials); COMMUNE=slug for one.
clean-key-phrases: $(STAMP)
	$(PY) -m local.clean_key_phrases $(if $(COMMUNE),--commune $(COMMUNE))

# The demo admins' current TOTP code (admin actions need two-factor sign-in).
totp: $(STAMP)
	$(PY) -m local.mfa

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) chalice.out .pytest_cache .mypy_cache .ruff_cache
