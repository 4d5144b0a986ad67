// SPDX-License-Identifier: GPL-2.0-only
/*
 * A packet-per-protocol counter in the manner of the kernel's samples/bpf
 * xdp1: look through the Ethernet header (and one 802.1Q or 802.1ad tag)
 * to the IPv4 protocol or IPv6 next header, count the frame under that
 * number, and drop it.  The rxcnt map is what bpftool-prog(8)'s example
 * reuses with `map name rxcnt id 7`; examples/xdp1.yaml does the same
 * declaratively.
 *
 * Read the counts (one value per CPU) with
 *   bpftool map dump pinned /sys/fs/bpf/bpfapply/xdp1/maps/rxcnt
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* vmlinux.h carries types, not #defines. */
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_IPV6 0x86DD
#define ETH_TYPE_8021Q 0x8100
#define ETH_TYPE_8021AD 0x88A8

/* Our own name: struct vlan_hdr is not in every kernel's BTF. */
struct vlan_tag {
	__be16 tci;
	__be16 inner_type;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256); /* one slot per IP protocol number */
	__type(key, __u32);
	__type(value, __u64);
} rxcnt SEC(".maps");

/* The IP protocol number of the frame in [data, end), or -1 if it is not IP. */
static __always_inline int ip_protocol(void *data, void *end)
{
	struct ethhdr *eth = data;
	void *next = eth + 1;
	__u16 type;

	if (next > end)
		return -1;
	type = bpf_ntohs(eth->h_proto);
	if (type == ETH_TYPE_8021Q || type == ETH_TYPE_8021AD) {
		struct vlan_tag *tag = next;

		if ((void *)(tag + 1) > end)
			return -1;
		type = bpf_ntohs(tag->inner_type);
		next = tag + 1;
	}
	if (type == ETH_TYPE_IPV4) {
		struct iphdr *ip = next;

		if ((void *)(ip + 1) > end)
			return -1;
		return ip->protocol;
	}
	if (type == ETH_TYPE_IPV6) {
		struct ipv6hdr *ip6 = next;

		if ((void *)(ip6 + 1) > end)
			return -1;
		return ip6->nexthdr;
	}
	return -1;
}

SEC("xdp")
int xdp_prog1(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	int proto = ip_protocol(data, end);
	__u32 key;
	__u64 *count;

	if (proto < 0)
		return XDP_DROP;
	key = (__u32)proto;
	count = bpf_map_lookup_elem(&rxcnt, &key);
	if (count)
		*count += 1; /* per-CPU slot: no other CPU writes it */
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
