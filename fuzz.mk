# SPDX-License-Identifier: GPL-2.0-only
#
# Fuzzing with libFuzzer (clang), included from the Makefile.  See
# tests/fuzz/README.md.
#
#   make fuzz-build      build-fuzz/fuzz_manifest, fuzz_state, fuzz_planfile and fuzz_lane
#   make fuzz            run each for FUZZ_SECONDS (default 60); fails on a finding
#   make fuzz-manifest   / fuzz-state / fuzz-planfile / fuzz-lane: one of them
#   make fuzz-regress    run the seed corpora and tests/fuzz/crashes once, no fuzzing
#   make fuzz-seeds      regenerate tests/fuzz/corpus/state with make_state_seeds
#   make fuzz-cov        line coverage of the parsers and the state decoder on the
#                        corpora (FUZZ_COV_CORPUS_manifest / _state / _planfile: others)
#
# The library sources ($(SRCS) but main.c) are compiled again with clang,
# coverage instrumentation and ASan+UBSan into FUZZ_BUILD, so the normal
# build is untouched.  libbpf, libelf, libyaml, zlib and libxxhash are linked
# as installed, not instrumented.  Needs clang's runtime libraries: Debian
# package libclang-rt-dev (libclang-rt-14-dev on bookworm).

# Keep the Makefile's default goal wherever this file is included.
_fuzz_default_goal := $(.DEFAULT_GOAL)

FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_OPT     ?= -O1 -g -fno-omit-frame-pointer
FUZZ_SAN     ?= address,undefined
FUZZ_MANIFEST_MAX_LEN ?= 8192
FUZZ_STATE_MAX_LEN    ?= 4096
FUZZ_PLANFILE_MAX_LEN ?= 4096
FUZZ_LANE_MAX_LEN     ?= 4096

FUZZ_DIR      := tests/fuzz
FUZZ_SRCS     := $(filter-out src/main.c,$(SRCS))
FUZZ_OBJS     := $(FUZZ_SRCS:src/%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_LIB      := $(FUZZ_BUILD)/libbpfapply-fuzz.a
FUZZ_NAMES    := manifest state planfile lane
FUZZ_BINS     := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_SEEDER   := $(FUZZ_BUILD)/make_state_seeds

# The project's flags without -Werror: a warning only clang emits must not
# stop a fuzzing run.  UB aborts instead of printing and going on, so that
# libFuzzer sees it.
FUZZ_CFLAGS = $(filter-out -Werror,$(PROJECT_CFLAGS)) $(FUZZ_OPT) \
	      -fsanitize=$(FUZZ_SAN) -fno-sanitize-recover=all
FUZZ_LDLIBS = $(LDLIBS)

.PHONY: fuzz fuzz-build fuzz-regress fuzz-seeds fuzz-cov fuzz-clean $(FUZZ_NAMES:%=fuzz-%)

fuzz-build: $(FUZZ_BINS)

$(FUZZ_BUILD)/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(call msg,FUZZ-CC,$<)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

# An archive, so that a target links (and counts coverage of) only what it uses.
$(FUZZ_LIB): $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_LIB)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(FUZZ_LDLIBS)

$(FUZZ_SEEDER): $(FUZZ_DIR)/make_state_seeds.c $(FUZZ_LIB)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB) $(FUZZ_LDLIBS)

fuzz-seeds: $(FUZZ_SEEDER)
	rm -f $(FUZZ_DIR)/corpus/state/*.bin
	mkdir -p $(FUZZ_DIR)/corpus/state
	$(FUZZ_SEEDER) $(FUZZ_DIR)/corpus/state

# Sequential unless make -j: the targets share nothing.
fuzz: $(FUZZ_NAMES:%=fuzz-%)

fuzz-manifest: $(FUZZ_BUILD)/fuzz_manifest
	$(Q)sh $(FUZZ_DIR)/run.sh manifest $< $(FUZZ_DIR)/corpus/manifest \
		$(FUZZ_MANIFEST_MAX_LEN) $(FUZZ_SECONDS) $(FUZZ_BUILD)/findings \
		$(FUZZ_DIR)/manifest.dict

fuzz-state: $(FUZZ_BUILD)/fuzz_state
	$(Q)sh $(FUZZ_DIR)/run.sh state $< $(FUZZ_DIR)/corpus/state \
		$(FUZZ_STATE_MAX_LEN) $(FUZZ_SECONDS) $(FUZZ_BUILD)/findings

fuzz-planfile: $(FUZZ_BUILD)/fuzz_planfile
	$(Q)sh $(FUZZ_DIR)/run.sh planfile $< $(FUZZ_DIR)/corpus/planfile \
		$(FUZZ_PLANFILE_MAX_LEN) $(FUZZ_SECONDS) $(FUZZ_BUILD)/findings

fuzz-lane: $(FUZZ_BUILD)/fuzz_lane
	$(Q)sh $(FUZZ_DIR)/run.sh lane $< $(FUZZ_DIR)/corpus/lane \
		$(FUZZ_LANE_MAX_LEN) $(FUZZ_SECONDS) $(FUZZ_BUILD)/findings \
		$(FUZZ_DIR)/manifest.dict

# Every seed and every saved crash once: a quick check that fixes hold.
fuzz-regress: $(FUZZ_BINS)
	$(Q)set -e; for t in $(FUZZ_NAMES); do \
		files=$$(find $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/crashes/$$t -type f 2>/dev/null | sort); \
		printf '  FUZZ-RE %s (%s inputs)\n' $$t $$(echo "$$files" | wc -w); \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			$(FUZZ_BUILD)/fuzz_$$t $$files >$(FUZZ_BUILD)/regress-$$t.log 2>&1 || \
			{ tail -n 40 $(FUZZ_BUILD)/regress-$$t.log >&2; exit 1; }; \
	done

# Source-based coverage: the same targets built with -fprofile-instr-generate
# (no sanitizers), run once over a corpus, reported with llvm-cov.
FUZZ_COV_BUILD := $(FUZZ_BUILD)/cov
FUZZ_COV_OBJS  := $(FUZZ_SRCS:src/%.c=$(FUZZ_COV_BUILD)/obj/%.o)
FUZZ_COV_FLAGS  = $(filter-out -Werror,$(PROJECT_CFLAGS)) -O1 -g \
		  -fprofile-instr-generate -fcoverage-mapping
FUZZ_COV_CORPUS_manifest ?= $(FUZZ_DIR)/corpus/manifest
FUZZ_COV_CORPUS_state    ?= $(FUZZ_DIR)/corpus/state
FUZZ_COV_SRCS_manifest := $(wildcard src/core/yaml*.c) src/parse.c src/parse_bytes.c src/resolve.c \
			  $(wildcard src/kinds/*/parse.c) $(wildcard src/kinds/map/entries*.c) \
			  src/core/bytes.c src/core/maptypes.c
FUZZ_COV_SRCS_state    := src/core/state.c src/core/state_model.c
FUZZ_COV_CORPUS_planfile ?= $(FUZZ_DIR)/corpus/planfile
FUZZ_COV_SRCS_planfile := src/planfile.c
LLVM_PROFDATA ?= llvm-profdata
LLVM_COV      ?= llvm-cov

$(FUZZ_COV_BUILD)/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(call msg,COV-CC,$<)
	$(Q)$(FUZZ_CC) $(FUZZ_COV_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_COV_BUILD)/lib.a: $(FUZZ_COV_OBJS)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_COV_BUILD)/fuzz_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_COV_BUILD)/lib.a
	$(call msg,COV-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_COV_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_COV_BUILD)/lib.a $(FUZZ_LDLIBS)

fuzz-cov: $(FUZZ_NAMES:%=$(FUZZ_COV_BUILD)/fuzz_%)
	$(Q)set -e; for t in $(FUZZ_NAMES); do \
		case $$t in manifest) c="$(FUZZ_COV_CORPUS_manifest)"; s="$(FUZZ_COV_SRCS_manifest)";; \
			    state) c="$(FUZZ_COV_CORPUS_state)"; s="$(FUZZ_COV_SRCS_state)";; \
			    planfile) c="$(FUZZ_COV_CORPUS_planfile)"; s="$(FUZZ_COV_SRCS_planfile)";; \
			    lane) c="$(FUZZ_DIR)/corpus/lane"; s="src/core/yamlread.c src/core/yamlstream.c";; esac; \
		rm -f $(FUZZ_COV_BUILD)/$$t.profraw; \
		LLVM_PROFILE_FILE=$(FUZZ_COV_BUILD)/$$t.profraw \
			$(FUZZ_COV_BUILD)/fuzz_$$t -runs=0 $$c >/dev/null 2>&1; \
		$(LLVM_PROFDATA) merge -o $(FUZZ_COV_BUILD)/$$t.profdata $(FUZZ_COV_BUILD)/$$t.profraw; \
		echo "== fuzz_$$t on $$c"; \
		$(LLVM_COV) report $(FUZZ_COV_BUILD)/fuzz_$$t \
			-instr-profile=$(FUZZ_COV_BUILD)/$$t.profdata $$s; \
	done

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

clean: fuzz-clean

.DEFAULT_GOAL := $(_fuzz_default_goal)
