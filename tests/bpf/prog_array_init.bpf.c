// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test object: a prog_array whose definition initialises a slot
 * (.values), which libbpf writes into whatever map it uses -- so reusing
 * a manifest map for it must be refused by validate.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

int target(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 8);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} jmp_table SEC(".maps") = {
	.values = { [3] = (void *)&target },
};

SEC("xdp")
int target(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp_table, 3);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
