// SPDX-License-Identifier: GPL-2.0-only
/*
 * A map element iterator, as in the second EXAMPLE of bpftool-iter(8)
 * (`iter pin ... map id 20`): one "key: value" line per element of a map
 * with 4-byte keys and 8-byte values, read live each time the pin is read.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("iter/bpf_map_elem")
int dump_map(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u32 *key = ctx->key;
	__u64 *value = ctx->value;

	if (!key || !value)
		return 0;
	BPF_SEQ_PRINTF(seq, "%u: %llu\n", *key, *value);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
