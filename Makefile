# rebel-base & x-wing: the one build entry.
# `make` builds both programs; `make help` lists the other targets.

VERSION := $(shell cat VERSION)
BUILD   ?= build
PREFIX  ?= /usr/local
CC      ?= cc
PKG_CONFIG ?= pkg-config

# STATIC=1 (the image build, docker/*.Dockerfile): fully static link against static archives;
# CC and PKG_CONFIG_PATH/PKG_CONFIG_LIBDIR come from the caller (e.g. CC=musl-gcc).
ifeq ($(STATIC),1)
PKG_CONFIG += --static
endif

PKGS := libmicrohttpd libcjson libcurl
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion \
        -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
# Hardening: FORTIFY, stack protector, PIE and full RELRO.
HARDEN_CFLAGS  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now
OPT := -O2 -g

ifeq ($(SANITIZE),1)
HARDEN_CFLAGS  := -fPIE
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
HARDEN_LDFLAGS := -pie -fsanitize=address,undefined
endif
# SANITIZE=thread: ThreadSanitizer (make tsan); it cannot be combined with ASan.
ifeq ($(SANITIZE),thread)
HARDEN_CFLAGS  := -fPIE
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
HARDEN_LDFLAGS := -pie -fsanitize=thread
endif

# STATIC_MALLOC: an object that replaces libc's malloc in the static link. The images
# pass mimalloc (docker/deps.sh): musl's allocator hands memory back to the kernel on
# every connection (madvise + mmap/munmap), which cost the shipped binaries ~40% CPU.
ifeq ($(STATIC),1)
HARDEN_LDFLAGS := -static -Wl,-z,relro,-z,now $(STATIC_MALLOC)
endif
# In the static link every memcpy goes through common/small_copy.c first: musl's
# is slow on the short copies libcurl makes by the hundred per request.
ifeq ($(STATIC),1)
CPPFLAGS += -DSMALL_COPY_WRAP
HARDEN_LDFLAGS += -Wl,--wrap=memcpy
endif

CPPFLAGS += -D_DEFAULT_SOURCE -D_GNU_SOURCE -DPROJECT_VERSION='"$(VERSION)"' -Icommon
CFLAGS   += -std=c11 $(OPT) $(WARN) $(HARDEN_CFLAGS) $(PKG_CFLAGS) -MMD -MP
LDFLAGS  += $(HARDEN_LDFLAGS)
LDLIBS   += $(PKG_LIBS) -lpthread -lm

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

COMMON_OBJ := $(call obj,$(wildcard common/*.c))
RB_OBJ     := $(call obj,$(filter-out rebel-base/main.c,$(wildcard rebel-base/*.c)))
XW_OBJ     := $(call obj,$(filter-out x-wing/main.c,$(wildcard x-wing/*.c x-wing/*/*.c)))

# x-wing's rooms, bottom up: core/ (what every mode uses), then one folder per mode
# (client/, serve/, probe/), then cli/ (the command line of all three) and main.c.
XW_DIRS    := core client serve probe cli
XW_INC     := $(addprefix -Ix-wing/,$(XW_DIRS))

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

BINS := $(BUILD)/bin/rebel-base $(BUILD)/bin/xwing

.PHONY: all ci test test-repeat engine unit integration asan tsan bench install clean help deps demo \
        images kind-load lab fuzz compdb valgrind stress tools

## all: $(BUILD)/bin/rebel-base and $(BUILD)/bin/xwing; what `make` alone does
all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# gcc would turn small_copy's loops back into a memcpy call, which --wrap sends
# to small_copy again (the static link's only; other builds have no wrap).
ifeq ($(STATIC),1)
$(BUILD)/obj/common/small_copy.o: CFLAGS += -fno-tree-loop-distribute-patterns
endif

$(BUILD)/bin/rebel-base: $(call obj,rebel-base/main.c) $(RB_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Each room's objects see its own folder and core/ only (cli/ and main.c: all), so an
# include back up, or from one mode into another, does not build.
$(call obj,$(wildcard x-wing/core/*.c x-wing/client/*.c x-wing/serve/*.c x-wing/probe/*.c)): \
    CPPFLAGS += -Ix-wing/core
$(call obj,x-wing/main.c $(wildcard x-wing/cli/*.c)): CPPFLAGS += $(XW_INC)

$(BUILD)/bin/xwing: $(call obj,x-wing/main.c) $(XW_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# A unit test links the objects of its own program and common/ only: test_rb_*
# rebel-base's, test_xw_* x-wing's, the others (test_opt, ...) common/'s alone.
# Its .d file adds the headers it includes to $^; they are not linked.
define unit_link
@mkdir -p $(@D)
$(CC) $(CPPFLAGS) $(CFLAGS) $(1) $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(LDLIBS) -lcmocka
endef

$(BUILD)/tests/test_rb_%: tests/unit/test_rb_%.c $(RB_OBJ) $(COMMON_OBJ)
	$(call unit_link,-Irebel-base)

$(BUILD)/tests/test_xw_%: tests/unit/test_xw_%.c $(XW_OBJ) $(COMMON_OBJ)
	$(call unit_link,$(XW_INC))

$(BUILD)/tests/test_%: tests/unit/test_%.c $(COMMON_OBJ)
	$(call unit_link,)

# test_xw_alloc counts the blocks x-wing's modules take and fails the Nth: the
# allocator calls from its objects go to the test's wrappers.
$(BUILD)/tests/test_xw_alloc: LDFLAGS += $(foreach f,malloc calloc realloc free,-Wl,--wrap=$(f))
# test_rb_init_errors makes pthread refuse, to see each initialiser name the cause.
$(BUILD)/tests/test_rb_init_errors: LDFLAGS += $(foreach f,create mutex_init rwlock_init cond_init,\
    -Wl,--wrap=pthread_$(f))

# The load tools of the stress runs, with the programs' warnings, where
# tests/stress/common.sh looks for them (it builds them itself when missing).
TOOL_BIN := $(patsubst tests/tools/%.c,$(BUILD)/stress/%,$(wildcard tests/tools/*.c))

$(BUILD)/stress/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) -std=c11 $(OPT) $(WARN) $(HARDEN_CFLAGS) -MMD -MP $(LDFLAGS) -o $@ $< -lpthread -lm

# The libFuzzer targets, with clang, ASan, UBSan and the programs' warnings
# (but -Wmissing-prototypes: libFuzzer's entry point has no header). Each
# target's header names the project sources it compiles ("SOURCES: a.c b.c").
FUZZ_CC    ?= clang
FUZZ_BIN   := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_FLAGS := -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=all -D_DEFAULT_SOURCE -DPROJECT_VERSION='"$(VERSION)"' \
              -Icommon -Irebel-base $(XW_INC)
fuzz_sources = $(shell sed -n 's/.*SOURCES: *//p' $(1) | head -1 | sed 's#\*/##')
HEADERS    := $(wildcard common/*.h rebel-base/*.h x-wing/*.h x-wing/*/*.h)

.SECONDEXPANSION:
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(call fuzz_sources,tests/fuzz/fuzz_%.c) $(HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -Wno-missing-prototypes $(PKG_CFLAGS) -o $@ $< \
	    $(call fuzz_sources,$<) $(PKG_LIBS) -lpthread -lm

## test: every test — cmocka unit tests, then integration tests on loopback and Docker
# Starts the Docker engine when nothing else runs it (tests/docker-up.sh) and builds the
# images once before the scenarios, so the container scenarios neither skip nor race to
# build them. Without a usable engine they SKIP loudly (FAIL with CI=true).
test: unit engine integration

## unit: the cmocka unit tests (tests/unit)
unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

## integration: the scenarios of tests/integration, JOBS=3 at a time; ONLY=regex and EXCEPT=regex pick by file name
integration: $(BINS)
	BIN=$(abspath $(BUILD)/bin) ONLY="$(ONLY)" EXCEPT="$(EXCEPT)" bash tests/integration/run.sh

## engine: start the Docker engine if none answers (tests/docker-up.sh) and build the images the container scenarios use
# The engine and the images, for the container scenarios; a missing engine is not an
# error here (the scenarios report it), a failing image build is. The arm64 images too
# where qemu-aarch64 can run them for t_container_arm64 (on arm64 they are the native ones).
engine:
	@if bash tests/docker-up.sh; then bash docker/build.sh $(VERSION) && \
	    if { command -v qemu-aarch64-static || command -v qemu-aarch64; } >/dev/null; then \
	        PLATFORM=linux/arm64 bash docker/build.sh $(VERSION); fi; fi

## test-repeat: the whole suite N times in a row (default 5), stopping at the first failure
test-repeat: all $(UNIT_BIN)
	@set -e; for i in $$(seq 1 $(or $(N),5)); do \
	    echo "== test-repeat: run $$i of $(or $(N),5)"; s=$$(date +%s); \
	    $(MAKE) --no-print-directory test; \
	    echo "== test-repeat: run $$i passed in $$(( $$(date +%s) - s )) s"; done

## asan: the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
# The image and manifest scenarios don't run our host binaries, so the sanitizer
# and valgrind passes leave them to `make test`.
asan:
	$(MAKE) BUILD=build/asan SANITIZE=1 EXCEPT="$${EXCEPT:-t_container|t_k8s}" test

## tsan: unit tests and the integration suite with both programs under ThreadSanitizer, 0 reports
# Reports go to files (log_path), so one from a server a scenario killed still counts;
# the target fails when there is any. Waits stretch (TIME_SCALE) as TSan runs ~5x slower.
TSAN_LOGS := $(abspath build/tsan/reports)
tsan:
	@rm -rf $(TSAN_LOGS) && mkdir -p $(TSAN_LOGS)
	@TSAN_OPTIONS="log_path=$(TSAN_LOGS)/tsan exitcode=66 $${TSAN_OPTIONS:-}" TIME_SCALE=3 \
	    $(MAKE) BUILD=build/tsan SANITIZE=thread \
	    EXCEPT="$${EXCEPT:-t_container|t_k8s|t_cluster}" unit integration; rc=$$?; \
	    n=$$(find $(TSAN_LOGS) -type f | wc -l); \
	    [ "$$n" = 0 ] || { head -n 60 $(TSAN_LOGS)/*; rc=1; }; \
	    echo "tsan: $$n ThreadSanitizer report file(s) in $(TSAN_LOGS)"; exit $$rc

## valgrind: the integration suite with both programs under memcheck (0 errors, 0 definitely lost)
valgrind: $(BINS)
	BIN=$(abspath $(BUILD)/bin) EXCEPT="$${EXCEPT:-t_container|t_k8s}" bash tests/stress/valgrind-check.sh

## ci: what CI runs: test, asan, tsan, valgrind, short fuzzing, the bounded stress runs, mutate-known
# The whole suite runs twice in a row, so a flake shows up in CI, not on a user's machine.
ci: all
	$(MAKE) test-repeat N=2
	$(MAKE) asan
	$(MAKE) tsan
	$(MAKE) valgrind
	$(MAKE) fuzz FUZZ_SECONDS=$${FUZZ_SECONDS:-60}
	$(MAKE) stress
	$(MAKE) soak SOAK_S=$${SOAK_S:-60}
	$(MAKE) mutate-known

## mutate: mutation testing of common/, rebel-base/, x-wing/ (universalmutator, pinned): scores, survivors; long, not in CI
# MUTANTS per file (6), MUTATE_SEED (1), MUTATE_FILES=regex, MUTATE_BUDGET=seconds; the report
# lands in $(BUILD)/mutate. Mutates a copy of HEAD: commit first. Reviewed equivalent mutants:
# tests/mutate/equivalent.tsv.
.PHONY: mutate
mutate:
	MUTATE_OUT=$(abspath $(BUILD)/mutate) python3 tests/mutate/mutate.py

## mutate-known: tests/mutate/known.tsv's hand-made bugs, one at a time on a copy of HEAD; each must fail its tests
# KNOWN=regex picks mutants by id; MUTATE_FROM=worktree copies the checkout instead of HEAD.
.PHONY: mutate-known
mutate-known:
	bash tests/mutate/known.sh

## bench: both builds (dev, and the static binaries copied out of the images) against nginx, ab, hey, wrk and curl
# Ratios against the anchors and the performance goals, never a failure. BENCH_QUICK=1: a short smoke run.
# ONLY=rebel_base, bench_xwing, scale or profile picks. Output and plot data: $(BUILD)/bench.
bench: $(BINS)
	BIN=$(abspath $(BUILD)/bin) BENCH_OUT=$(abspath $(BUILD)/bench) bash tests/bench/run.sh

## static-variants: the images' static binaries and variants of their recipe (-O2, libmicrohttpd 1.0) for make bench
.PHONY: static-variants
static-variants:
	bash tests/bench/static-variants.sh $(abspath $(BUILD)/static-variants)

## bench-plot: the scaling figures of the last make bench as PNGs in $(BUILD)/bench (gnuplot)
.PHONY: bench-plot
bench-plot:
	bash tests/bench/plot.sh $(abspath $(BUILD)/bench)

## stress: bounded abuse, churn and shutdown runs that print their figures
stress: $(BINS) $(TOOL_BIN)
	BIN=$(abspath $(BUILD)/bin) bash tests/stress/run.sh

## soak: rebel-base and xwing probe under mixed load for SOAK_S seconds (default 600): RSS, fds, threads flat
.PHONY: soak
soak: $(BINS) $(TOOL_BIN)
	BIN=$(abspath $(BUILD)/bin) SOAK_S=$(or $(SOAK_S),600) bash tests/stress/soak.sh

## tools: the stress runs' load tools (tests/tools) into $(BUILD)/stress
tools: $(TOOL_BIN)

## fuzz: libFuzzer targets, FUZZ_SECONDS each (default 60)
fuzz: $(FUZZ_BIN)
	FUZZ_OUT=$(abspath $(BUILD)/fuzz) FUZZ_PREBUILT=1 bash tests/fuzz/run.sh $${FUZZ_SECONDS:-60}

## demo: Koornacht and Tion rebel-bases on loopback, tallied by xwing
demo: $(BINS)
	BIN=$(abspath $(BUILD)/bin) bash tests/demo.sh

## images: rebel-base:$(VERSION) and x-wing:$(VERSION); PLATFORM=linux/arm64 or linux/amd64,linux/arm64 for others
# The engine's own architecture is tagged NAME:$(VERSION), another NAME:$(VERSION)-ARCH.
images:
	PLATFORM='$(PLATFORM)' bash docker/build.sh $(VERSION)

## image-archive: both images for linux/amd64 and linux/arm64 as OCI archives in $(BUILD)/images
.PHONY: image-archive
image-archive:
	PLATFORM='$(PLATFORM)' bash docker/archive.sh $(VERSION) $(BUILD)/images

## kind-load: load both images into the koornacht and tion kind clusters
kind-load:
	bash k8s/kind-load.sh $(VERSION)

## lab: the whole Cluster Mesh lab on kind (needs docker, kind, kubectl, cilium)
lab:
	bash k8s/lab.sh

## cluster-tools: kind, Kubernetes, containerd, etcd, CoreDNS ... built offline into a kind node image (k8s/cluster)
# Long when cold (see k8s/README.md); cached in ~/.cache/rbxw-cluster. Runs host-prep first.
.PHONY: cluster-tools host-prep e2e-one e2e e2e-teardown
cluster-tools: host-prep
	bash k8s/cluster/tools.sh

## host-prep: only what this host lacks for kind (a runc wrapper where CAP_SYS_RESOURCE is missing, inotify limits)
host-prep:
	bash tests/docker-up.sh
	bash k8s/cluster/host-prep.sh
	bash docker/base-image.sh debian:bookworm-slim

## e2e-one: one real kind cluster running our images with the mission's commands, checked
e2e-one: images
	bash k8s/cluster/e2e-one.sh

## e2e: the whole lab (k8s/lab.sh up, then steps with MCS-API) on two real kind clusters with Cilium, offline
e2e: images
	bash k8s/cluster/e2e.sh

## e2e-teardown: delete the e2e-one cluster and its node containers
e2e-teardown:
	bash k8s/cluster/e2e-one.sh teardown

## deps: install the Debian packages the build and the tests need
deps:
	bash tests/deps.sh

## compdb: compile_commands.json for clangd and clang-tidy
compdb:
	bear -- $(MAKE) -B all $(UNIT_BIN)

## install: both programs into $(DESTDIR)$(PREFIX)/bin
install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/

## clean: remove $(BUILD) and compile_commands.json
clean:
	rm -rf $(BUILD) compile_commands.json

## help: this list
# The lines above are read as written, so the variables they name are put in by hand:
# a literal $(VERSION) tells a reader nothing.
help:
	@sed -n 's/^## \([^:]*\): /\1\t/p' Makefile | \
	    sed -e 's|$$(VERSION)|$(VERSION)|g' -e 's|$$(BUILD)|$(BUILD)|g' \
	        -e 's|$$(DESTDIR)|$(DESTDIR)|g' -e 's|$$(PREFIX)|$(PREFIX)|g' | \
	    awk -F '\t' '{ printf "  make %-16s %s\n", $$1, $$2 }'

-include $(shell find $(BUILD)/obj $(BUILD)/tests $(BUILD)/stress -name '*.d' 2>/dev/null)
