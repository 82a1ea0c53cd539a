# Two entry points (see README): `make demo` and `make check`. Both set up what they need.
SHELL := /bin/bash
PYTHON ?= $(shell p="$$(pyenv root 2>/dev/null)/versions/3.13.0/bin/python3"; [ -x "$$p" ] && echo "$$p" || command -v python3.13)
VENV := .venv
SAM_VENV := .venv-sam
CHECKOV_VENV := .venv-checkov
PY := $(VENV)/bin/python
PYDIR := $(dir $(PYTHON))

# The EHF schemas and rules the document tests read (data beside the project, never copied in).
EHF_DIR ?= $(abspath ../shared/ehf)
export EHF_DIR

.PHONY: demo check preflight lint typecheck template test test-unit api-check browser clean

$(VENV)/.installed: requirements/dev.txt layers/shared/requirements.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.13 not found (pyenv 3.13.0 or python3.13 on PATH)"; exit 1; }
	@echo "Setting up .venv once (Python 3.13 and the pinned packages: a minute or two) ..."
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements/dev.txt -r layers/shared/requirements.txt
	$(VENV)/bin/pip install -q --no-deps -e .
	@touch $@

$(SAM_VENV)/.installed: requirements/sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q -r requirements/sam.txt
	@touch $@

# checkov pins an old boto3: its own environment, like SAM's.
$(CHECKOV_VENV)/.installed: requirements/checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q -r requirements/checkov.txt
	@touch $@

demo: $(VENV)/.installed
	$(PY) -m periodyear_local demo

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

template: $(VENV)/.installed $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed
	$(VENV)/bin/cfn-lint template.yaml
	$(CHECKOV_VENV)/bin/checkov -f template.yaml --framework cloudformation --compact --quiet --skip-download
	SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam validate --lint
	PATH="$(PYDIR):$$PATH" SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam build --build-dir build/sam --cached --cache-dir build/sam-cache

# The start page's tests drive Debian's Chromium (tests/browser): installed here when missing and
# this is root with apt-get (as CI runs), else said in one line with the command to install it.
CHROMIUM ?= /usr/lib/chromium/chromium
export CHROMIUM
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's Chromium for the start page's tests (about a minute) ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else \
	    echo "Chromium not found at $(CHROMIUM): sudo apt-get install chromium (or make check CHROMIUM=<path>)"; exit 1; \
	  fi; \
	fi

# Test workers: one per core by default (JOBS=1 to debug in order).
JOBS ?= auto
# The start page's tests run in a process of their own (one browser, one local server).
test: $(VENV)/.installed preflight browser
	$(PY) -m pytest -n $(JOBS) --ignore=tests/browser
	$(PY) -m pytest tests/browser -n 0 -q -p no:schemathesis

# The inner loop: the pure rules and the services on in-memory repositories (a stub document
# renderer); property tests draw a tenth of their examples (make check draws them all). The
# documents' own tests (tests/documents) and the template's (tests/stack) run in make test.
# One process, no Schemathesis plugin: workers and plugins cost more than they save here.
test-unit: $(VENV)/.installed
	PROPERTY_EXAMPLES=fast $(PY) -m pytest tests/unit -n 0 -q -p no:schemathesis

# Schemathesis against the register API served on localhost over the in-process moto stack.
api-check: $(VENV)/.installed
	$(PY) -m periodyear_local.api_check

# What `check` needs that it cannot install, said in one line before anything runs.
preflight:
	$(if $(wildcard $(EHF_DIR)/peppol-bis-3),@true,$(error the EHF schemas and rules (../shared/ehf) are not at $(EHF_DIR): clone the project beside ../shared, or run make check EHF_DIR=<folder holding peppol-bis-3>))

check: preflight lint typecheck template test api-check

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) build .aws-sam out
