// SPDX-License-Identifier: GPL-2.0-only
/*
 * Links against the running kernel, for `plan` and `validate --kernel`
 * (probe_check.c): a read-only question per hook type the kernel may lack.
 * Only tcx needs one: a kernel before 6.6 does not know its attach types,
 * and BPF_PROG_QUERY says so (EINVAL) without attaching anything.
 */
#include <errno.h>
#include <net/if.h>
#include <bpf/bpf.h>

#include "kinds/link/link.h"

void link_probe_manifest(const struct manifest *m, bool (*only)(void *, const char *, const char *),
			 void *ctx, struct diag *d)
{
	uint32_t flags, cnt;
	unsigned idx;
	size_t i;

	for (i = 0; i < m->n_links; i++) {
		const struct link_spec *ls = &m->links[i];

		if (ls->hook != HOOK_TC || !ls->interface || (only && !only(ctx, "link", ls->name)))
			continue;
		idx = if_nametoindex(ls->interface);
		if (!idx)
			continue; /* the plan reports a missing interface */
		cnt = 0;
		if (!bpf_prog_query((int)idx, LINK_BPF_TCX_INGRESS, 0, &flags, NULL, &cnt) ||
		    errno != EINVAL)
			continue;
		diag_error(d, &ls->hook_loc,
			   "link \"%s\": this kernel has no tcx links (it does not know the tcx attach "
			   "types); tc links need Linux 6.6 or later",
			   ls->name);
	}
}
