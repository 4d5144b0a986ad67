// SPDX-License-Identifier: GPL-2.0-only
/* Maps against the running kernel: each created as declared, closed at once. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/maptypes.h"
#include "kernel_features.h"
#include "core/elf.h"
#include "core/probe.h"
#include "kinds/map/map.h"

static void check_map(const struct manifest *m, const struct map_spec *ms, unsigned caps,
		      struct diag *d)
{
	enum probe_answer kind, spec;
	char why[256];
	int err;

	kind = probe_map_type(ms->type, &err);
	if (kind == PROBE_NO) {
		probe_explain_map(ms->type, ms->flags, err, caps, kind, why, sizeof(why));
		diag_error(d, &ms->loc, "map \"%s\": %s", ms->name, why);
		return;
	}
	if (kind != PROBE_YES)
		return;
	spec = probe_map_spec(m, ms, &err);
	if (spec == PROBE_NO &&
	    probe_explain_map(ms->type, ms->flags, err, caps, kind, why, sizeof(why)))
		diag_error(d, &ms->loc, "map \"%s\": %s", ms->name, why);
}

unsigned map_probe(const struct manifest *m, probe_only_fn only, void *ctx, unsigned caps,
		   struct diag *d)
{
	unsigned need = 0;
	size_t i;

	for (i = 0; i < m->n_maps; i++) {
		if (only && !only(ctx, "map", m->maps[i].name))
			continue;
		need |= PCAP_BPF;
		check_map(m, &m->maps[i], caps, d);
	}
	return need;
}

static bool manifest_uses_map_type(const struct manifest *m, uint32_t type)
{
	size_t i;

	for (i = 0; m && i < m->n_maps; i++)
		if (m->maps[i].type == type)
			return true;
	return !m;
}

void map_features(struct features *f)
{
	const struct maptype *mt;
	unsigned i;
	int err;

	for (i = 0; (mt = maptype_at(i)); i++) {
		if (!(mt->caps & MT_CREATABLE) || !manifest_uses_map_type(f->m, mt->type))
			continue;
		enum probe_answer a = probe_map_type(mt->type, &err);

		features_emit(f, mt->name, a, err,
		     a == PROBE_UNKNOWN && probe_caps_missing(PCAP_BPF, f->caps)
			 ? "cannot ask without CAP_BPF"
			 : NULL);
	}
}
