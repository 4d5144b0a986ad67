// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test object: an XDP program whose return value comes from a .rodata
 * global and which counts its runs into a map, so live tests can see the
 * effect of `globals:` and of map reuse through `bpftool prog run`.
 * Built twice (see bpf.mk): prog_globals_v2.bpf.o with RET_EXTRA=100 is the
 * "changed object file" whose new behaviour the tests can see.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#ifndef RET_EXTRA
#define RET_EXTRA 0
#endif

const volatile __u32 ret_val = XDP_PASS; /* .rodata */
__u64 runs = 0;                          /* .bss */
__u32 bias = 0;                          /* .bss, set via globals: as bytes */
char tag[8] = "default";                 /* .data */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counter SEC(".maps");

SEC("xdp")
int count_and_return(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&counter, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	runs++;
	return ret_val + bias + RET_EXTRA;
}

SEC("xdp")
int always_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
