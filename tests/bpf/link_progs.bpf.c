// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test object for links: one program per hook type, each counting what it
 * sees into hits[slot], where slot is a .rodata global.  A manifest that
 * changes `slot` reloads the entry, and traffic then lands in another slot:
 * that is how the live tests see which program a link runs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0

const volatile __u32 slot = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline void count(void)
{
	__u32 key = slot;
	__u64 *v = bpf_map_lookup_elem(&hits, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	count();
	return XDP_PASS;
}

SEC("tc")
int tc_count(struct __sk_buff *skb)
{
	count();
	return TC_ACT_OK;
}

SEC("cgroup_skb/ingress")
int cg_count(struct __sk_buff *skb)
{
	count();
	return 1; /* allow */
}

char LICENSE[] SEC("license") = "GPL";
