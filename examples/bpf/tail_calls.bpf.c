// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tail-call example of bpftool-map(8): main_func jumps through slot 0
 * of jmp_table to whichever program is wired there.  Each target returns a
 * different XDP verdict, so `bpftool prog run` shows which one was reached;
 * with slot 0 empty the tail call falls through and main_func aborts.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 8);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} jmp_table SEC(".maps");

SEC("xdp")
int main_func(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp_table, 0);
	return XDP_ABORTED;
}

SEC("xdp")
int bpf_func_process(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int bpf_func_debug(struct xdp_md *ctx)
{
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
