# oncall — a terminal cockpit for on-call operators.
GO        ?= go
PKGS      ?= ./...
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -s -w -X oncall/internal/cli.Version=$(VERSION) -X oncall/internal/cli.Commit=$(COMMIT) -X oncall/internal/cli.Date=$(DATE)
PREFIX    ?= /usr/local
# An execution count, not a duration: Go 1.26's fuzz coordinator can fail a
# duration run with a bare "context deadline exceeded" at -fuzztime's end on
# a loaded machine (golang/go#75804, fixed in Go 1.27), with no failing
# input. A count has no deadline to race. 10000 runs take 0.2–5 s per target.
FUZZTIME  ?= 10000x

include Makefile.tools.mk

.PHONY: all build demo test vet lint unit fuzz bench install clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/oncall ./cmd/oncall

## demo: run oncall on the simulated incident (nothing but Go needed)
demo:
	$(GO) run ./cmd/oncall demo

## test: vet, lint, then every test with the race detector (real Prometheus,
## Alertmanager and Jaeger servers are started by the tests), then a short fuzz run.
test: vet lint tools unit fuzz

vet:
	$(GO) vet $(PKGS)

## lint: staticcheck (built from tools/staticcheck), and go.mod/go.sum must be tidy
lint: $(STATICCHECK_BIN)
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(STATICCHECK_BIN) $(PKGS)
	$(GO) mod tidy -diff

unit:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

# Short fuzz runs of the parsers that face untrusted input.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzText$$' -fuzztime $(FUZZTIME) ./internal/sanitize
	$(GO) test -run '^$$' -fuzz '^FuzzExtract$$' -fuzztime $(FUZZTIME) ./internal/traceid
	$(GO) test -run '^$$' -fuzz '^FuzzParseFilter$$' -fuzztime $(FUZZTIME) ./internal/alerts
	$(GO) test -run '^$$' -fuzz '^FuzzParseMatchers$$' -fuzztime $(FUZZTIME) ./internal/alerts
	$(GO) test -run '^$$' -fuzz '^FuzzSlug$$' -fuzztime $(FUZZTIME) ./runbooks
	$(GO) test -run '^$$' -fuzz '^FuzzSection$$' -fuzztime $(FUZZTIME) ./runbooks
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/config
	$(GO) test -run '^$$' -fuzz '^FuzzQueryRangeDecode$$' -fuzztime $(FUZZTIME) ./sources/loki
	$(GO) test -run '^$$' -fuzz '^FuzzHTTPDecode$$' -fuzztime $(FUZZTIME) ./sources/jaeger
	$(GO) test -run '^$$' -fuzz '^FuzzExtract$$' -fuzztime $(FUZZTIME) ./internal/logql
	$(GO) test -run '^$$' -fuzz '^FuzzNarrow$$' -fuzztime $(FUZZTIME) ./internal/logql
	$(GO) test -run '^$$' -fuzz '^FuzzIndexApply$$' -fuzztime $(FUZZTIME) ./internal/alerts
	$(GO) test -run '^$$' -fuzz '^FuzzSlackEsc$$' -fuzztime $(FUZZTIME) ./internal/handoff
	$(GO) test -run '^$$' -fuzz '^FuzzCut$$' -fuzztime $(FUZZTIME) ./internal/handoff

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 bin/oncall $(DESTDIR)$(PREFIX)/bin/oncall

clean:
	rm -rf bin dist

# --- release packaging (GoReleaser, built from tools/goreleaser; not part of `make test`) ---
GORELEASER := $(TOOLS_ROOT)/.cache/bin/goreleaser

.PHONY: goreleaser release-check snapshot man completions

## goreleaser: build .cache/bin/goreleaser from the tools/goreleaser module (slow the first time)
goreleaser: $(GORELEASER)

$(GORELEASER): $(TOOLS_ROOT)/tools/goreleaser/go.mod $(TOOLS_ROOT)/tools/goreleaser/go.sum
	@mkdir -p $(@D)
	cd $(TOOLS_ROOT)/tools/goreleaser && $(GO) build -o $(GORELEASER) github.com/goreleaser/goreleaser/v2
	@touch $@

## release-check: validate .goreleaser.yaml
release-check: $(GORELEASER)
	$(GORELEASER) check

## snapshot: build every archive and package locally into dist/ (nothing is published)
snapshot: $(GORELEASER)
	$(GORELEASER) release --snapshot --clean

## man: write the man pages into man/
man:
	$(GO) run ./cmd/oncall man --dir man

## completions: write the bash, zsh and fish completion scripts into completions/
completions:
	@mkdir -p completions
	$(GO) run ./cmd/oncall completion bash > completions/oncall.bash
	$(GO) run ./cmd/oncall completion zsh > completions/_oncall
	$(GO) run ./cmd/oncall completion fish > completions/oncall.fish
