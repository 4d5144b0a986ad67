// SPDX-License-Identifier: GPL-2.0-only
/* Test object: a program the verifier rejects (unchecked packet access). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} seen SEC(".maps");

SEC("xdp")
int reads_past_the_end(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;

	/* no bounds check against data_end: the verifier must refuse this */
	return data[40];
}

char LICENSE[] SEC("license") = "GPL";
