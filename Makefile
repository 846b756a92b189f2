# luna: see README.md. Every Go command needs the lua53 build tag (golua
# picks the Lua 5.3 headers and links Debian's liblua5.3 with it).
GO       ?= go
TAGS     := lua53
BIN      := bin/luna
FUZZTIME ?= 5s

.PHONY: all build example run test verify vet race crossbuild fuzz bench soak clean

all: build

build:
	$(GO) build -tags $(TAGS) -o $(BIN) .

example: build
	./$(BIN) scripts/examples/hello.lua

# The example cluster (scripts/cluster): 2 routers, 2 gamesvr, 2 dbagent,
# 2 matchsvr on 127.0.0.1; Ctrl-C stops them all.
run: build
	LUNA=$(CURDIR)/$(BIN) scripts/cluster/run.sh

# The whole suite: formatting and vet, race-enabled tests of every package
# (the integration tests in tests/ build their own binary), the poller built
# for the other systems, and a short run of every fuzz target.
test: verify race crossbuild fuzz

verify:
	@fmt=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$fmt" ]; then echo "gofmt: $$fmt"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...
	$(GO) mod tidy -diff

race:
	$(GO) test -tags $(TAGS) -race -count=1 -timeout 20m ./...

crossbuild:
	@for os in darwin freebsd windows; do \
		echo "GOOS=$$os go vet ./netpoll/"; \
		GOOS=$$os CGO_ENABLED=0 $(GO) vet ./netpoll/... || exit 1; \
	done

fuzz:
	@for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for f in $$(grep -h '^func Fuzz' $$pkg/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -tags $(TAGS) -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

# The Go micro-benchmarks, then the suite of real luna processes on 127.0.0.1
# (tests/bench/run.sh; BENCH_SECS, BENCH_FILTER, ... are described there).
bench: build
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem ./...
	LUNA=$(CURDIR)/$(BIN) GO=$(GO) bash tests/bench/run.sh

# Route messages through one router for SOAK_SECS (600) and print its RSS
# at the start and the end (not part of make test).
soak: build
	LUNA=$(CURDIR)/$(BIN) bash tests/soak/run.sh

clean:
	rm -rf bin
