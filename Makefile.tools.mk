# Makefile.tools.mk: builds the server binaries that integration tests need,
# and the linter.
# Include it from the main Makefile (`include Makefile.tools.mk`) or run
# `make -f Makefile.tools.mk tools`. Paths are relative to this file, so it
# works from any directory.

TOOLS_ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
GO ?= go
JAEGER_BIN := $(TOOLS_ROOT)/.cache/bin/jaeger
STATICCHECK_BIN := $(TOOLS_ROOT)/.cache/bin/staticcheck

.PHONY: tools
## tools: build .cache/bin/jaeger (Jaeger v2, used by internal/testkit/testenv) and
## .cache/bin/staticcheck (used by `make lint`) if missing or out of date
tools: $(JAEGER_BIN) $(STATICCHECK_BIN)

$(JAEGER_BIN): $(TOOLS_ROOT)/tools/jaeger/go.mod $(TOOLS_ROOT)/tools/jaeger/go.sum
	@mkdir -p $(@D)
	cd $(TOOLS_ROOT)/tools/jaeger && $(GO) build -o $(JAEGER_BIN) github.com/jaegertracing/jaeger/cmd/jaeger
	@touch $@

$(STATICCHECK_BIN): $(TOOLS_ROOT)/tools/staticcheck/go.mod $(TOOLS_ROOT)/tools/staticcheck/go.sum
	@mkdir -p $(@D)
	cd $(TOOLS_ROOT)/tools/staticcheck && $(GO) build -o $(STATICCHECK_BIN) honnef.co/go/tools/cmd/staticcheck
	@touch $@
