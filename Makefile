# oncall — a terminal cockpit for on-call operators.
GO        ?= go
PKGS      ?= ./...
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -s -w -X oncall/internal/cli.Version=$(VERSION) -X oncall/internal/cli.Commit=$(COMMIT) -X oncall/internal/cli.Date=$(DATE)
PREFIX    ?= /usr/local
FUZZTIME  ?= 5s

include Makefile.tools.mk

.PHONY: all build demo test vet unit fuzz bench install clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/oncall ./cmd/oncall

## demo: run oncall on the simulated incident (nothing but Go needed)
demo:
	$(GO) run ./cmd/oncall demo

## test: vet, then every test with the race detector (real Prometheus,
## Alertmanager and Jaeger servers are started by the tests), then a short fuzz run.
test: vet tools unit fuzz

vet:
	$(GO) vet $(PKGS)

unit:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

# Short fuzz runs of the parsers that face untrusted input.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzText$$' -fuzztime $(FUZZTIME) ./internal/sanitize
	$(GO) test -run '^$$' -fuzz '^FuzzExtract$$' -fuzztime $(FUZZTIME) ./internal/traceid

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 bin/oncall $(DESTDIR)$(PREFIX)/bin/oncall

clean:
	rm -rf bin dist
