# roster: make demo, make test. See README.md.
GO ?= go

.PHONY: all build test vet demo demo-down bench fmt clean

all: build

build:
	$(GO) build -o bin/roster ./cmd/roster

# Runs every test against real PostgreSQL: the harness starts a throwaway
# cluster itself (or uses ROSTER_TEST_DATABASE_URL).
test:
	@command -v $(GO) >/dev/null || { echo "make test needs Go 1.26 or newer on PATH (https://go.dev/dl/)"; exit 1; }
	@scripts/ensure-postgres.sh >/dev/null
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 12m ./...

# Run again, make demo starts over. ROSTER_DEMO_DIR and ROSTER_DEMO_PORT
# choose where it keeps its database and the port (scripts/demo.sh).
demo:
	@scripts/demo.sh

demo-down:
	@scripts/demo.sh down

# About 6 minutes on 2 idle cores, the database of a million accounts
# included (bench/doc.go); the timeout leaves room for a busy machine.
bench:
	@scripts/ensure-postgres.sh >/dev/null
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 90m ./bench/

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
