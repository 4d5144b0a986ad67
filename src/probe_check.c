// SPDX-License-Identifier: GPL-2.0-only
/*
 * A manifest against the running kernel: each kind's probe (maps created as
 * declared, each program type loaded in its smallest form, then closed at
 * once), so that `plan` and `validate --kernel` say before any apply what
 * this kernel refuses.  Nothing is pinned and nothing outlives the check.
 */
#include <bpf/libbpf.h>

#include "core/probe.h"
#include "kind.h"

unsigned probe_check_manifest(const struct manifest *m, probe_only_fn only, void *ctx,
			      struct diag *d)
{
	unsigned caps = probe_caps(), need = 0;
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	unsigned int k;

	for_each_kind(k) {
		const struct kind_kernel_ops *ops = kind_kernel_get(k);

		if (ops->probe)
			need |= ops->probe(m, only, ctx, caps, d);
	}
	libbpf_set_print(old);
	return probe_caps_missing(need, caps);
}
