// SPDX-License-Identifier: GPL-2.0-only
/*
 * A frame length cap whose settings are global variables, for
 * examples/globals.yaml: bpfapply writes them into the object's data
 * sections before the load, so one object serves any setting without a
 * rebuild.
 *
 *   .rodata  constants the verifier sees (it can prune the dead branches)
 *   .data    initialised variables, readable and writable at runtime
 *   .bss     zero-initialised variables (here: counters)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

const volatile __u32 max_len = 1514;          /* longest frame that passes */
const volatile __u32 long_verdict = XDP_PASS; /* what happens to longer ones */
char label[16] = "unconfigured";              /* for people reading the map */
__u64 frames;                                 /* every frame seen */
__u64 long_frames;                            /* frames longer than max_len */

SEC("xdp")
int xdp_len_cap(struct xdp_md *ctx)
{
	__u64 len = bpf_xdp_get_buff_len(ctx);

	__sync_fetch_and_add(&frames, 1);
	if (len <= max_len)
		return XDP_PASS;
	__sync_fetch_and_add(&long_frames, 1);
	return long_verdict;
}

char LICENSE[] SEC("license") = "GPL";
