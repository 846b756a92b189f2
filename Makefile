# luna: see README.md. Every Go command needs the lua53 build tag (golua
# picks the Lua 5.3 headers and links Debian's liblua5.3 with it).
GO       ?= go
TAGS     := lua53
BIN      := bin/luna
# A count, not a duration: with a duration, Go 1.26's fuzz coordinator can
# report its own deadline as a failure ("context deadline exceeded", no
# crasher; golang/go#75804, fixed in Go 1.27). 100 000 inputs take 1-7 s
# per target here.
FUZZTIME ?= 100000x

.PHONY: all build example run test verify vet race nocgo crossbuild fuzz bench soak clean windows wine-test

# Recipes run in bash with pipefail: the test targets pipe go test -json
# into testsum, which counts every test into SUMMARY for make test's last
# line.
SHELL       := bash
.SHELLFLAGS := -o pipefail -c
SUMMARY     := $(CURDIR)/bin/test-summary
TESTSUM     := $(CURDIR)/bin/testsum

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
# for the other systems, the packages below the Lua face built and tested
# without cgo, a short run of every fuzz target, and the container test when
# a Docker engine is present (it says SKIP otherwise).
# It ends with one line: N passed, N failed, N skipped, over every test it
# ran (subtests and fuzz targets included; docker-test counts as one).
test: $(TESTSUM)
	@rm -f $(SUMMARY); start=$$(date +%s); \
	$(MAKE) --no-print-directory verify race nocgo crossbuild fuzz docker-test wine-test; rc=$$?; \
	echo "== make test: $$(( $$(date +%s) - start )) s"; \
	$(TESTSUM) -file $(SUMMARY) -total || rc=1; exit $$rc

$(TESTSUM): internal/testsum/main.go
	$(GO) build -o $@ ./internal/testsum

verify:
	@fmt=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$fmt" ]; then echo "gofmt: $$fmt"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...
	$(GO) mod tidy -diff

race: $(TESTSUM)
	$(GO) test -json -tags $(TAGS) -race -count=1 -timeout 20m ./... | $(TESTSUM) -file $(SUMMARY) -name race

# The transport and the router need no cgo (and no Lua): they must build
# and pass on their own.
NOCGO_PKGS := ./netpoll/... ./luna/wire/... ./luna/node/... ./luna/router/... ./luna/admin/... ./luna/discovery/...
nocgo: $(TESTSUM)
	CGO_ENABLED=0 $(GO) vet $(NOCGO_PKGS)
	CGO_ENABLED=0 $(GO) test -json -count=1 $(NOCGO_PKGS) | $(TESTSUM) -file $(SUMMARY) -name nocgo

crossbuild:
	@for os in darwin freebsd windows; do \
		echo "GOOS=$$os go build+vet ./netpoll/"; \
		GOOS=$$os CGO_ENABLED=0 $(GO) build ./netpoll/... || exit 1; \
		GOOS=$$os CGO_ENABLED=0 $(GO) vet ./netpoll/... || exit 1; \
	done

fuzz: $(TESTSUM)
	@for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for f in $$(grep -h '^func Fuzz' $$pkg/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -json -tags $(TAGS) -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg | \
				$(TESTSUM) -file $(SUMMARY) -name fuzz || exit 1; \
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

# 64-bit Windows, cross-built on this machine: bin/windows/luna.exe and
# lua53.dll (Lua 5.3.6 from Debian's lua5.3 source package). Installs
# mingw-w64 and fetches the source when missing (scripts/windows.sh).
windows:
	GO=$(GO) bash scripts/windows.sh

# The port's integration tests and the kit's oneway and ping-pong against
# luna.exe under Wine (tests/wine/run.sh); "SKIP: no wine64" without Wine.
wine-test: $(TESTSUM)
	@mkdir -p bin; WINE_GO_TEST_ARGS=-json GO=$(GO) bash tests/wine/run.sh | tee bin/wine-test.log | \
		$(TESTSUM) -file $(SUMMARY) -name wine; rc=$$?; \
	if grep -q '^SKIP' bin/wine-test.log; then $(TESTSUM) -file $(SUMMARY) -name wine -record skip; fi; exit $$rc

# Containers (deploy/, see deploy/README.md): a Docker engine and Docker
# Compose (`docker compose` or `docker-compose`). The bases default to the
# local stand-ins docker-base makes (debootstrap, no registry; root, or sudo
# without a password); set BUILDER_IMAGE/RUNTIME_IMAGE (e.g.
# golang:1.26-bookworm, debian:bookworm-slim) to build from other images.
# LUNA_IMAGE names the image (luna:latest).
.PHONY: docker-base docker-build docker-up docker-down docker-logs docker-test

docker-base:
	bash deploy/base-images.sh

docker-build:
	bash deploy/build.sh

docker-up: docker-build
	bash deploy/up.sh

docker-down:
	bash deploy/compose.sh down --remove-orphans -t 10

docker-logs:
	bash deploy/compose.sh logs -f --tail=20

# Build the image, run the cluster, stop and restart a router, check daemon()
# and the HEALTHCHECK; "SKIP: no docker engine" (exit 0) without an engine.
docker-test: $(TESTSUM)
	@mkdir -p bin; bash deploy/test.sh | tee bin/docker-test.log; rc=$$?; \
	if [ $$rc -ne 0 ]; then r=fail; elif grep -q '^SKIP' bin/docker-test.log; then r=skip; else r=pass; fi; \
	$(TESTSUM) -file $(SUMMARY) -name docker-test -record $$r; exit $$rc
