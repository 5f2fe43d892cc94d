# greenlight: `make help` lists the targets.
#
# Sections: build, test and lint, CDK (synth and deploy), then the demo,
# benchmark and end-to-end targets at the end of the file.

SHELL      := /bin/bash
GO         ?= go
# go.mod asks for the Go toolchain that fixes the standard library's known
# vulnerabilities; an older go command downloads it through the module proxy.
export GOTOOLCHAIN := auto
# MODULES are the repository's Go modules (go.work ties them together for
# development): the deployer, the local cloud, and the programs that run the
# one on the other (the CLI, the demo, the end-to-end tests, the benchmarks).
MODULES    := . localcloud cmd
ALL_PKGS   := ./... ./localcloud/... ./cmd/...
# ARCH is the architecture the functions are built for: arm64 is what
# `make deploy` ships; the local cloud runs the host's (`make build-local`).
ARCH       ?= arm64
HOST_ARCH  := $(shell $(GO) env GOARCH)
LAMBDA_DIR := build/lambda
FUNCTIONS   = $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))
# The CDK's name for ARCH, for the greenlight:architecture context.
CDK_ARCH    = $(if $(filter amd64 x86_64,$(ARCH)),x86_64,arm64)

# The CDK CLI is pinned in .cdk/package.json and installed under .cdk/ (a dot
# folder, so that `go ... ./...` does not wander into node_modules' Go templates).
CDK_DIR    := .cdk
CDK        := $(CDK_DIR)/node_modules/.bin/cdk
CDK_FLAGS  ?=
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

STATICCHECK_VERSION := v0.8.2
# Installed per version under build/, so that an older staticcheck on PATH
# (one that cannot read this Go version) is never the one that runs.
STATICCHECK := $(CURDIR)/build/tools/staticcheck-$(STATICCHECK_VERSION)/staticcheck
# govulncheck reads its vulnerability database from build/vulndb/, built by
# cmd/internal/vulndb from the OSV entries of the golang.org/x/vulndb module
# (fetched through the module proxy like any module; a newer pseudo-version of
# it brings newer entries), so `make vulncheck` needs no other server.
GOVULNCHECK_VERSION := v1.10.0
GOVULNCHECK := $(CURDIR)/build/tools/govulncheck-$(GOVULNCHECK_VERSION)/govulncheck
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB      := $(CURDIR)/build/vulndb/$(VULNDB_VERSION)
# The CDK packages run through Node (jsii) and are slow and memory-hungry:
# their tests run one package at a time, apart from the fast unit tests.
CDK_PKGS    = ./infra/... ./workflow/... ./examples/iac/cdk
UNIT_PKGS   = $(shell $(GO) list $(ALL_PKGS) | grep -v -e '/infra' -e '/workflow' -e '/e2e' -e '/examples/iac/cdk')

.DEFAULT_GOAL := help

# ---- Build -------------------------------------------------------------------

.PHONY: build build-local
build: ## Build functions/<name> into build/lambda/<name>/bootstrap (ARCH=arm64|amd64)
	@test -n "$(FUNCTIONS)" || { echo "no functions/<name>/main.go to build" >&2; exit 1; }
	@for fn in $(FUNCTIONS); do \
		echo "build $$fn (linux/$(ARCH))"; \
		CGO_ENABLED=0 GOOS=linux GOARCH=$(ARCH) $(GO) build -tags lambda.norpc -trimpath \
			-ldflags='-s -w' -o $(LAMBDA_DIR)/$$fn/bootstrap ./functions/$$fn || exit 1; \
	done

build-local: ## Build the functions for the host architecture (what the local cloud runs)
	@$(MAKE) --no-print-directory build ARCH=$(HOST_ARCH)

# ---- Test and lint -----------------------------------------------------------

# summarized runs a verbose `go test` ($(2)) with its output kept in
# build/test-$(1).log, and prints the package results and the summary lines
# the tests print ("asl-conformance: passed=…", "fault-matrix: …"); the whole
# log too when something failed.
define summarized
	@mkdir -p build; set +e; $(2) > build/test-$(1).log 2>&1; rc=$$?; \
	grep -E '^(ok|FAIL|--- FAIL|[a-z][a-z0-9-]*: ([a-z_-]+ )*[a-z_-]+=)' build/test-$(1).log; \
	if [ $$rc -ne 0 ]; then echo "--- full log (build/test-$(1).log):"; cat build/test-$(1).log; fi; exit $$rc
endef

.PHONY: test test-unit test-cdk fuzz-short lint vet tidy-check vulncheck workflow
test: vet test-unit test-cdk fuzz-short e2e ## go vet, the unit tests, the CDK tests, a short fuzz run, then the end-to-end tests on the local cloud

vet: ## go vet every module
	$(GO) vet $(ALL_PKGS)

tidy-check: ## Fail when go.mod or go.sum of a module is not tidy
	@for m in $(MODULES); do \
		echo "go mod tidy -diff ($$m)"; \
		(cd $$m && GOWORK=off $(GO) mod tidy -diff) || { echo "$$m: go.mod/go.sum not tidy: run make tidy" >&2; exit 1; }; \
	done

.PHONY: tidy
tidy: ## go mod tidy every module
	@for m in $(MODULES); do (cd $$m && GOWORK=off $(GO) mod tidy) || exit 1; done

test-unit: ## The fast tests: everything but the CDK and end-to-end packages
	$(call summarized,unit,$(GO) test -count=1 -v $(UNIT_PKGS))

test-cdk: ## The CDK assertion and cdk-nag tests of infra/ and workflow/ (needs Node)
	$(GO) test -p 1 $(CDK_PKGS)

lint: vet tidy-check $(STATICCHECK) ## go vet, the tidy check and staticcheck, every module
	$(STATICCHECK) $(ALL_PKGS)

$(STATICCHECK):
	GOBIN=$(dir $(STATICCHECK)) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# govulncheck's package loader asks the go command on PATH for the Go version
# with modules off, so without switching toolchains: the go of the module's
# toolchain goes first on PATH, or the standard library of the newer Go fails
# to type-check as the older one's.
vulncheck: $(GOVULNCHECK) $(VULNDB)/index/modules.json ## govulncheck every module (the code it calls) against golang.org/x/vulndb@VULNDB_VERSION
	@for m in $(MODULES); do \
		echo "govulncheck ($$m)"; \
		(cd $$m && export GOWORK=off && PATH="$$($(GO) env GOROOT)/bin:$$PATH" \
			$(GOVULNCHECK) -db file://$(VULNDB) ./...) || exit 1; \
	done

$(GOVULNCHECK):
	GOBIN=$(dir $(GOVULNCHECK)) $(GO) install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

$(VULNDB)/index/modules.json:
	$(GO) run ./cmd/internal/vulndb -module golang.org/x/vulndb@$(VULNDB_VERSION) -out $(VULNDB)

workflow: ## Regenerate workflow/testdata/definition.asl.json from the construct
	$(GO) test ./workflow -run TestDefinitionRendered -update

# ---- CDK -----------------------------------------------------------------------

.PHONY: synth synth-local deploy diff node_modules
node_modules: $(CDK_DIR)/node_modules ## Install the CDK CLI pinned in .cdk/package.json
$(CDK_DIR)/node_modules: $(CDK_DIR)/package.json $(CDK_DIR)/package-lock.json
	npm ci --prefix $(CDK_DIR) --no-audit --no-fund
	@touch $(CDK_DIR)/node_modules

synth: build node_modules ## Synthesize the stack into cdk.out/ (functions built for ARCH)
	$(CDK) synth --no-notices --quiet -c greenlight:architecture=$(CDK_ARCH) $(CDK_FLAGS)

synth-local: ## Synthesize for the local cloud: functions built for the host
	@$(MAKE) --no-print-directory synth ARCH=$(HOST_ARCH)

diff: build node_modules ## Show what `make deploy` would change in the AWS account
	$(CDK) diff --no-notices -c greenlight:architecture=$(CDK_ARCH) $(CDK_FLAGS)

deploy: build node_modules ## Deploy the stack to the AWS account of the current credentials
	$(CDK) deploy --no-notices -c greenlight:architecture=$(CDK_ARCH) $(CDK_FLAGS)

# ---- Housekeeping --------------------------------------------------------------

.PHONY: clean help
clean: ## Remove build/ and cdk.out/
	rm -rf build cdk.out

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# ---- Demo, benchmarks, end-to-end ------------------------------------------------

.PHONY: demo e2e cli
TIME_SCALE ?= 60

cli: ## Build the greenlight CLI into build/greenlight
	$(GO) build -o build/greenlight ./cmd/greenlight

demo: synth-local cli ## The whole release story on the local cloud (promotion, alarm rollback, failed tests; then a group of two functions)
	build/greenlight demo --template cdk.out --time-scale $(TIME_SCALE)

# E2E_VERIFY_SIGNATURES=1 (the default) runs the end-to-end suite on local
# clouds that verify every request's SigV4 signature (local up
# --verify-signatures); 0 runs it on ones that accept any credentials.
E2E_VERIFY_SIGNATURES ?= 1

e2e: synth-local cli ## End-to-end tests on the local cloud, signatures verified: the Go release story and the AWS CLI scripts
	$(call summarized,e2e,GREENLIGHT_VERIFY_SIGNATURES=$(E2E_VERIFY_SIGNATURES) GREENLIGHT_BIN=$(CURDIR)/build/greenlight $(GO) test -count=1 -v -timeout 30m ./cmd/e2e/...)

# FUZZ_TARGETS are the fuzz targets of every decoder of outside input
# (events, console inputs, manifests, configuration, the local cloud's wire
# formats), as package:Target; `make fuzz` runs each for FUZZTIME.
FUZZ_TARGETS = \
	./internal/release:FuzzParseEvent \
	./internal/release:FuzzParseConsole \
	./internal/release:FuzzParseManifest \
	./internal/config:FuzzParse \
	./localcloud/asl:FuzzParse \
	./localcloud/asl:FuzzPath \
	./localcloud/asl:FuzzIntrinsic \
	./localcloud/cfn:FuzzApply \
	./localcloud/cloudwatch:FuzzQueryDecode \
	./localcloud/cloudwatch:FuzzCBORDecode \
	./localcloud/cloudwatch:FuzzJSONDecode \
	./localcloud/cloudwatch:FuzzParseExpr \
	./localcloud/events/pattern:FuzzCompile \
	./localcloud/lambda:FuzzParseFunctionRef \
	./localcloud/s3:FuzzDecodeAWSChunked \
	./localcloud/internal/sigv4:FuzzParseSignedBody
FUZZTIME ?= 5s

.PHONY: fuzz
fuzz-short: ## Every fuzz target for 5,000 inputs (part of make test; a count, not a time, so a slow machine cannot time it out)
	$(call summarized,fuzz,$(MAKE) --no-print-directory fuzz FUZZTIME=5000x)

fuzz: ## A short fuzz run of every decoder of outside input (FUZZTIME per target, default 5s)
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; echo "fuzz $$pkg $$fn"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

.PHONY: bench
bench: synth-local ## Benchmarks on the local cloud: rollback latency, time to a release's end, watchdog, deployer overhead, cost per release, engine, builds; writes cmd/bench/RESULTS.md
	$(GO) run ./cmd/bench/report -o cmd/bench/RESULTS.md
