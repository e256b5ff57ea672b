# consentd — build, test and measure.
GO       ?= go
BIN      ?= bin
BENCHDIR ?= $(CURDIR)/.bench
export CGO_ENABLED ?= 0

.PHONY: build test test-postgres test-sqlite lint bench bench-page mock demo clean

build:
	$(GO) build -o $(BIN)/consentd ./cmd/consentd
	$(GO) build -o $(BIN)/mockcrm ./cmd/mockcrm

# The packages whose tests reach company databases: they run once per engine.
CONFORMANCE ?= ./store/... ./sync/... ./consent/... ./jobs/... ./cmd/consentd/...

## test: lint, every package against the local PostgreSQL (CONSENTD_TEST_DSN), then the database tests again on SQLite
test: lint test-postgres test-sqlite

test-postgres:
	CGO_ENABLED=1 CONSENTD_TEST_DRIVER=postgres $(GO) test -race -count=1 ./...

test-sqlite:
	CGO_ENABLED=1 CONSENTD_TEST_DRIVER=sqlite $(GO) test -race -count=1 $(CONFORMANCE)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## bench: mirror 100k contacts from a mock CRM process into PostgreSQL; prints the figures
bench: build
	$(GO) run ./cmd/benchmirror -consentd $(BIN)/consentd -mockcrm $(BIN)/mockcrm -dir $(BENCHDIR)

## bench-page: load the consent page of a serve process on loopback (GET, consent POST, write-back); prints the figures
bench-page: build
	$(GO) run ./cmd/benchpage -consentd $(BIN)/consentd -mockcrm $(BIN)/mockcrm -dir $(BENCHDIR)

## mock: run the mock CRM with 1000 seeded contacts on 127.0.0.1:8091
mock:
	$(GO) run ./cmd/mockcrm -listen 127.0.0.1:8091 -contacts 1000 -seed 1

demo:
	$(GO) run ./cmd/consentd demo

clean:
	rm -rf $(BIN) $(BENCHDIR)
