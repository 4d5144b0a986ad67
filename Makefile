# SPDX-License-Identifier: GPL-2.0-only
#
# bpfapply build.  `make deps` installs what a fresh Debian 12 needs,
# `make` builds build/bpfapply, `make check` runs every test.

PREFIX  ?= /usr/local
DESTDIR ?=
# Where systemd and bash-completion look under PREFIX (/usr/local/lib/systemd/system
# and /usr/local/share/bash-completion/completions are on their default paths).
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR    ?= $(PREFIX)/share/bash-completion/completions
PKGCONFIGDIR   ?= $(PREFIX)/lib/pkgconfig
BUILD   ?= build
CC      ?= cc
CLANG   ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

VERSION := 0.1.0
PKGS    := libbpf libelf zlib yaml-0.1 libxxhash

DEB_PKGS := build-essential pkg-config libbpf-dev libelf-dev zlib1g-dev \
	    libyaml-dev libxxhash-dev libcmocka-dev clang llvm bpftool jq \
	    iproute2 python3 python3-jsonschema python3-yaml util-linux \
	    libclang-rt-14-dev man-db cppcheck clang-tidy ansible-core systemd \
	    strace bsdutils shellcheck qemu-system-x86 busybox-static binutils xz-utils zstd
# The test VM's kernel (tests/vm/): a Debian kernel package unpacked here,
# outside the tree.  `make check VM_KERNEL=DIR` boots another one.
VM_CACHE ?= /var/cache/bpfapply/vm
export VM_CACHE

# Quiet by default, like the kernel: V=1 shows the commands.
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' $(1) $(2);
endif

WERROR  ?= -Werror
# CFLAGS is the user's (optimisation, sanitizers); the project's own flags
# are kept apart so that `make CFLAGS=...` cannot drop them.
CFLAGS  ?= -O2 -g
PROJECT_CFLAGS := -std=gnu11 -Wall -Wextra $(WERROR) -Wshadow -Wno-missing-field-initializers \
	   -D_GNU_SOURCE -DBPFAPPLY_VERSION=\"$(VERSION)\" \
	   -Iinclude -Isrc $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
ALL_CFLAGS = $(PROJECT_CFLAGS) $(CFLAGS)
LDLIBS  += $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

# src/ holds the commands and the kind-blind drivers, src/core/ what every
# stage shares, src/kinds/KIND/ one resource kind each (see src/kind.h).
SRC_DIRS := src src/core $(wildcard src/kinds/*)
SRCS     := $(sort $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c)))
HDRS     := $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.h)) $(wildcard include/bpfapply/*.h)
OBJS     := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB_OBJS := $(filter-out $(BUILD)/obj/main.o,$(OBJS))
LIB      := $(BUILD)/libbpfapply.a
# The pure halves: everything that neither asks nor changes the kernel.  The
# diff's unit tests link only these, so a call from the diff into a reader or
# the executor fails to link (src/kind.h).
KERNEL_SRCS := src/main.c src/api.c $(wildcard src/cmd_*.c) src/exec.c src/live.c \
	       src/kinds_kernel.c src/planfile.c src/probe_check.c src/core/state_io.c \
	       src/core/probe.c src/core/probe_explain.c src/core/paths.c src/core/scope_check.c \
	       $(wildcard src/kinds/*/exec.c src/kinds/*/live.c src/kinds/*/readback.c \
			  src/kinds/*/batch_ops.c src/kinds/*/probe.c)
PURE_OBJS := $(filter-out $(KERNEL_SRCS:src/%.c=$(BUILD)/obj/%.o),$(OBJS))
PURE_LIB  := $(BUILD)/libbpfapply-pure.a
PURE_TESTS := test_diff test_diff_kinds test_diff_links test_plan_render test_graph

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_FIXTURE := $(BUILD)/tests/fixture.o

.PHONY: all deps check check-random unit live schema-check bench install uninstall clean \
	format lint asan bpf
all: $(BUILD)/bpfapply bpf

$(BUILD)/obj/%.o: src/%.c $(HDRS) | $(BUILD)/obj
	$(call msg,CC,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(PURE_LIB): $(PURE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/bpfapply: $(BUILD)/obj/main.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj $(BUILD)/tests:
	mkdir -p $@

# ---- BPF objects for tests and examples (built with clang) -----------------
include bpf.mk

# ---- fuzzing (make fuzz, see tests/fuzz/README.md) -----------------------------
include fuzz.mk

# ---- tests -------------------------------------------------------------------
# The plan tests' shared fixture (tests/unit/fixture.[ch]), linked into every test.
$(UNIT_FIXTURE): tests/unit/fixture.c tests/unit/fixture.h tests/unit/unit.h \
		$(HDRS) | $(BUILD)/tests
	$(call msg,TEST-CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -c -o $@ $<

$(PURE_TESTS:%=$(BUILD)/tests/%): TEST_LIB = $(PURE_LIB)
$(PURE_TESTS:%=$(BUILD)/tests/%): $(PURE_LIB)
TEST_LIB ?= $(LIB)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h tests/unit/fixture.h tests/unit/ydump.h $(UNIT_FIXTURE) $(LIB) \
		| $(BUILD)/tests
	$(call msg,TEST-CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(UNIT_FIXTURE) $(TEST_LIB) $(LDLIBS) \
		$(shell $(PKG_CONFIG) --libs cmocka)

unit: $(UNIT_BINS)

check: all unit
	tests/run.sh

live: all
	tests/run.sh live

# The differential test with any seed, for longer runs than `make check` does
# (tests/random/README.md): make check-random SEED=7 STEPS=2000
SEED  ?= $(shell date +%s)
STEPS ?= 2000
check-random: all
	tests/random/run.sh $(SEED) $(STEPS)

$(BUILD)/tests/rawbatch: tests/bench/rawbatch.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LDLIBS)

bench: all $(BUILD)/tests/rawbatch
	tests/bench/run.sh

deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEB_PKGS)
	tests/vm/fetch-kernel.sh

# ---- install -------------------------------------------------------------------
UNITS := bpfapply.service bpfapply-drift.service bpfapply-drift.timer

# bpfapply.pc and the units are written at install time, for this PREFIX.
# The library is static: its dependencies go in Requires, not Requires.private,
# so that a plain `pkg-config --libs bpfapply` links.
install: $(BUILD)/bpfapply $(LIB)
	printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' \
		'libdir=$${prefix}/lib' '' 'Name: bpfapply' \
		'Description: Make the eBPF objects of a host match a YAML manifest' \
		'Version: $(VERSION)' 'Requires: $(PKGS)' \
		'Libs: -L$${libdir} -lbpfapply' 'Cflags: -I$${includedir}' > $(BUILD)/bpfapply.pc
	install -D -m 0755 $(BUILD)/bpfapply $(DESTDIR)$(PREFIX)/sbin/bpfapply
	install -D -m 0644 docs/bpfapply.8 $(DESTDIR)$(PREFIX)/share/man/man8/bpfapply.8
	install -D -m 0644 docs/bpfapply-manifest.5 $(DESTDIR)$(PREFIX)/share/man/man5/bpfapply-manifest.5
	install -D -m 0644 schema/bpfapply.schema.json $(DESTDIR)$(PREFIX)/share/bpfapply/bpfapply.schema.json
	install -D -m 0644 schema/bpfapply-plan.schema.json \
		$(DESTDIR)$(PREFIX)/share/bpfapply/bpfapply-plan.schema.json
	install -D -m 0644 include/bpfapply/bpfapply.h $(DESTDIR)$(PREFIX)/include/bpfapply/bpfapply.h
	install -D -m 0644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libbpfapply.a
	install -D -m 0644 $(BUILD)/bpfapply.pc $(DESTDIR)$(PKGCONFIGDIR)/bpfapply.pc
	install -D -m 0644 contrib/bash-completion/bpfapply $(DESTDIR)$(BASHCOMPDIR)/bpfapply
	for u in $(UNITS); do \
		sed 's|/usr/local/sbin/bpfapply|$(PREFIX)/sbin/bpfapply|' contrib/systemd/$$u > $(BUILD)/$$u && \
		install -D -m 0644 $(BUILD)/$$u $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/bpfapply \
	      $(DESTDIR)$(PKGCONFIGDIR)/bpfapply.pc \
	      $(DESTDIR)$(BASHCOMPDIR)/bpfapply \
	      $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(UNITS)) \
	      $(DESTDIR)$(PREFIX)/share/man/man8/bpfapply.8 \
	      $(DESTDIR)$(PREFIX)/share/man/man5/bpfapply-manifest.5 \
	      $(DESTDIR)$(PREFIX)/share/bpfapply/bpfapply.schema.json \
	      $(DESTDIR)$(PREFIX)/share/bpfapply/bpfapply-plan.schema.json \
	      $(DESTDIR)$(PREFIX)/include/bpfapply/bpfapply.h \
	      $(DESTDIR)$(PREFIX)/lib/libbpfapply.a

# ---- developer conveniences ------------------------------------------------------
format:
	clang-format -i $(SRCS) $(filter src/%,$(HDRS)) include/bpfapply/*.h tests/unit/*.c tests/unit/*.h

# cppcheck needs libbpf's option macro spelt out; clang-tidy runs the static analyzer.
LINT_LIBBPF_OPTS := -D'LIBBPF_OPTS(TYPE,NAME,...)=struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ }'
lint:
	cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 \
		--suppress=missingIncludeSystem $(LINT_LIBBPF_OPTS) -Iinclude -Isrc src
	clang-tidy --quiet --warnings-as-errors='*' \
		-checks='-*,clang-analyzer-*,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling' \
		$(SRCS) -- $(PROJECT_CFLAGS)

asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" all unit

clean:
	rm -rf $(BUILD) build-asan build-fuzz $(BPF_OBJS)
