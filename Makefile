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

.PHONY: demo check preflight lint typecheck template test test-unit api-check clean

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

# Test workers: one per core by default (JOBS=1 to debug in order).
JOBS ?= auto
test: $(VENV)/.installed preflight
	$(PY) -m pytest -n $(JOBS)

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
