# pg_tviews front door (GNU make). CMake does the building; the scripts in scripts/ run the
# suites against private temporary clusters. `make help` lists the targets.

# PG: the PostgreSQL major version to build and test for (15, 17 or 18). 15 is this machine's
# own server; 17 and 18 build and run inside a Debian root (scripts/pg-root.sh: Debian 13 for
# 17, unstable for 18) built on first use and cached outside the repository, each in its own
# build directory (build-pg17, build-pg18). PG_TVIEWS_NATIVE=1 uses a server installed here.
PG         ?= 15
BUILD_TYPE ?= RelWithDebInfo
BUILD_DIR  ?= $(if $(filter 15,$(PG)),build,build-pg$(PG))
JOBS       ?= 2
PG_BIN     ?= /usr/lib/postgresql/$(PG)/bin
PG_PKGLIB  := $(shell $(PG_BIN)/pg_config --pkglibdir 2>/dev/null)
PG_REGRESS ?= $(PG_PKGLIB)/pgxs/src/test/regress/pg_regress
CMAKE_EXTRA_FLAGS ?=
SUDO       := $(if $(filter 0,$(shell id -u)),,sudo)

export BUILD_TYPE PG PG_BIN

ifeq ($(if $(filter 15,$(PG)),,$(if $(PG_TVIEWS_IN_ROOT)$(PG_TVIEWS_NATIVE),,wrap)),wrap)
# ---- PG=17 / PG=18 on this machine: every target runs inside that server's Debian root -----
WRAPPED_GOALS := $(or $(MAKECMDGOALS),all)
.PHONY: $(WRAPPED_GOALS)
$(WRAPPED_GOALS):
	$(SUDO) scripts/pg-root.sh $(PG) $(MAKE) $@ PG=$(PG) BUILD_DIR=$(BUILD_DIR)
else

.PHONY: all configure build install installcheck test unit test-regress test-isolation \
        test-tap test-sql demo demo-stop bench bench-compare bench-kernels soak fuzz clean debug-test help deps \
        deb deb-installcheck check-reproducible

all: build

deps:
	scripts/install-deps.sh

configure:
	cmake -S . -B $(BUILD_DIR) -DPG=$(PG) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_EXTRA_FLAGS)

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

install: build
	$(SUDO) cmake --install $(BUILD_DIR)

# Against an already running server that has pg_tviews installed and preloaded
# (honors PGHOST/PGPORT/PGUSER). Output goes to $(BUILD_DIR)/installcheck. The boundary test
# needs the probes module that only the test suites stage: it is left out here.
installcheck:
	@mkdir -p $(BUILD_DIR)/installcheck
	sed -e 's/^test: boundary /test: /' -e '/^test: boundary$$/d' test/regress_schedule \
	  > $(BUILD_DIR)/installcheck/schedule
	$(PG_REGRESS) --inputdir=. --outputdir=$(BUILD_DIR)/installcheck \
	  --bindir=$(PG_BIN) --schedule=$(BUILD_DIR)/installcheck/schedule --dbname=contrib_regression \
	  --encoding=UTF8 --no-locale

unit: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure

test-regress: build
	BUILD_DIR=$(BUILD_DIR) scripts/run-tests.sh regress

test-isolation: build
	BUILD_DIR=$(BUILD_DIR) scripts/run-tests.sh isolation

test-tap: build
	BUILD_DIR=$(BUILD_DIR) scripts/run-tests.sh tap

test-sql: build
	BUILD_DIR=$(BUILD_DIR) scripts/run-tests.sh all

# Everything: deps, build, unit tests, then all SQL suites. Runs the SQL suites even when
# unit tests fail, and fails if anything failed.
test: deps
	$(MAKE) build
	@echo "===== PostgreSQL $(PG) ====="
	@rc=0; \
	echo "===== unit (ctest) ====="; \
	ctest --test-dir $(BUILD_DIR) --output-on-failure || rc=1; \
	echo "===== fuzz (pg_tviews_check, 15 s) ====="; \
	BUILD_DIR=$(BUILD_DIR) scripts/fuzz-checker.sh 15 || rc=1; \
	BUILD_DIR=$(BUILD_DIR) scripts/run-tests.sh all || rc=2$$rc; \
	case $$rc in 1|21) echo "make test: unit tests (ctest) or the fuzz run FAILED";; esac; \
	[ $$rc = 0 ]

# Debian packages postgresql-N-pg-tviews (debian/, pg_buildext) with lintian and an SPDX SBOM, in
# $(BUILD_DIR)/deb; deb-installcheck installs the package in a clean Debian root and runs
# installcheck there; check-reproducible builds twice and compares the bytes.
deb:
	scripts/deb.sh $(BUILD_DIR)/deb

deb-installcheck:
	scripts/deb-installcheck.sh $(BUILD_DIR)/deb

check-reproducible:
	scripts/check-reproducible.sh $(BUILD_DIR)/deb-repro

# The checker's fuzz target for longer (FUZZ_SECONDS, default 600).
FUZZ_SECONDS ?= 600
fuzz: deps
	$(MAKE) build
	BUILD_DIR=$(BUILD_DIR) scripts/fuzz-checker.sh $(FUZZ_SECONDS)

# Same as `test`, with a Debug build and assertions in build-debug/.
debug-test:
	$(MAKE) test BUILD_DIR=$(if $(filter 15,$(PG)),build-debug,build-pg$(PG)-debug) BUILD_TYPE=Debug \
	  CMAKE_EXTRA_FLAGS=-DPG_TVIEWS_ASSERTS=ON

demo:
	BUILD_DIR=$(BUILD_DIR) scripts/demo.sh start

demo-stop:
	BUILD_DIR=$(BUILD_DIR) scripts/demo.sh stop

bench:
	$(MAKE) build
	BUILD_DIR=$(BUILD_DIR) bash bench/run.sh
	BUILD_DIR=$(BUILD_DIR) bash bench/kernels.sh | tee bench/results/kernels-latest.md

# Two builds side by side in one run (bench/README.md): BEFORE and AFTER are build directories
# (built already, e.g. with `cmake -S <source> -B <dir>`); each gets a cluster of its own, the
# slices interleave. BENCH_WORKLOADS (default W1 W3 C1), BENCH_SECONDS (default 12: 6 rounds of
# 2 s per build, configuration, workload and client count), BENCH_SERVER_CONF (default
# synchronous_commit = off: commits do not wait for the disk, whose noise would hide what the
# code costs) and the other BENCH_* apply.
bench-compare:
	@if [ -z "$(BEFORE)" ] || [ -z "$(AFTER)" ]; then \
	  echo "usage: make bench-compare BEFORE=build-dir AFTER=build-dir"; exit 2; fi
	BENCH_BUILDS="before=$(BEFORE) after=$(AFTER)" BENCH_WORKLOADS="$${BENCH_WORKLOADS:-W1 W3 C1}" \
	  BENCH_SECONDS="$${BENCH_SECONDS:-12}" BENCH_SERVER_CONF="$${BENCH_SERVER_CONF-synchronous_commit = off}" \
	  bash bench/run.sh

# Concurrent random writes for longer (test/tap/t/060_soak.pl): SOAK_SECONDS per isolation level,
# SOAK_CLIENTS clients; the report lands in $(BUILD_DIR)/test-output/tap-compiled/soak-report.txt.
SOAK_SECONDS ?= 60
SOAK_CLIENTS ?= 8
soak: deps
	$(MAKE) build
	PG_TVIEWS_TIERS=compiled PG_TVIEWS_TAP_TESTS=t/060_soak.pl PG_TVIEWS_SOAK_SECONDS=$(SOAK_SECONDS) \
	  PG_TVIEWS_SOAK_CLIENTS=$(SOAK_CLIENTS) BUILD_DIR=$(BUILD_DIR) scripts/run-tests.sh tap
	@cat $(BUILD_DIR)/test-output/tap-compiled/soak-report.txt

# The refresh kernels alone, interpreted and compiled tiers side by side (a few minutes).
bench-kernels:
	$(MAKE) build
	BUILD_DIR=$(BUILD_DIR) bash bench/kernels.sh | tee bench/results/kernels-latest.md

clean:
	rm -rf $(BUILD_DIR)

help:
	@echo "make [all]         configure + build ($(BUILD_DIR)/, BUILD_TYPE=$(BUILD_TYPE), PG=$(PG))"
	@echo "make install       install into the system PostgreSQL $(PG) (sudo if not root)"
	@echo "make test          deps + build + unit tests + regress, isolation and TAP suites"
	@echo "make unit | test-regress | test-isolation | test-tap | test-sql"
	@echo "make installcheck  pg_regress against a running server (PGHOST/PGPORT)"
	@echo "make debug-test    make test with a Debug + asserts build in build-debug/"
	@echo "make deb           Debian packages, lintian, SBOM in $(BUILD_DIR)/deb (deb-installcheck, check-reproducible)"
	@echo "make bench         the benchmark (bench/README.md; BENCH_SUITE, BENCH_SECONDS, ...)"
	@echo "make bench-compare BEFORE=build-dir AFTER=build-dir   two builds side by side (W1 W3 C1)"
	@echo "make demo | demo-stop | bench-kernels | clean"
	@echo "PG=17 or PG=18 (any target): build and test against that server, inside its Debian root"

endif
