# SPDX-License-Identifier: GPL-2.0-only
# BPF objects used by tests and examples, built next to their sources so that
# manifests can name them relative to their own directory (gitignored).
# vmlinux.h is generated from the running kernel's BTF at build time and
# never committed.
BPF_SRCS := $(sort $(wildcard tests/bpf/*.bpf.c examples/bpf/*.bpf.c))
BPF_OBJS := $(BPF_SRCS:.bpf.c=.bpf.o)
# A second build of one test object with other code, for "the object file changed".
BPF_OBJS += tests/bpf/prog_globals_v2.bpf.o
VMLINUX_H := $(BUILD)/vmlinux/vmlinux.h
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

bpf: $(BPF_OBJS)

$(VMLINUX_H):
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp
	$(Q)mv $@.tmp $@

%.bpf.o: %.bpf.c $(VMLINUX_H)
	$(call msg,CLANG,$<)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) \
		-I$(dir $(VMLINUX_H)) -c -o $@ $<

tests/bpf/prog_globals_v2.bpf.o: tests/bpf/prog_globals.bpf.c $(VMLINUX_H)
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -DRET_EXTRA=100 \
		-I$(dir $(VMLINUX_H)) -c -o $@ $<
