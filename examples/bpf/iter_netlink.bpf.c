// SPDX-License-Identifier: GPL-2.0-only
/*
 * A netlink socket iterator, as in the first EXAMPLE of bpftool-iter(8):
 * one line per netlink socket with its protocol, port id and receive queue.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("iter/netlink")
int dump_netlink(struct bpf_iter__netlink *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct netlink_sock *nlk = ctx->sk;

	if (!nlk)
		return 0;
	if (ctx->meta->seq_num == 0)
		BPF_SEQ_PRINTF(seq, "protocol portid     rmem\n");
	BPF_SEQ_PRINTF(seq, "%8u %6u %8d\n", nlk->sk.sk_protocol, nlk->portid,
		       nlk->sk.sk_backlog.rmem_alloc.counter);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
