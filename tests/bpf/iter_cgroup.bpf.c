// SPDX-License-Identifier: GPL-2.0-only
/* Test object: a cgroup iterator printing the id of each cgroup it visits. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("iter/cgroup")
int dump_cgroup(struct bpf_iter__cgroup *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct cgroup *cgrp = ctx->cgroup;

	if (!cgrp)
		return 0;
	BPF_SEQ_PRINTF(seq, "%llu\n", cgrp->kn->id);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
