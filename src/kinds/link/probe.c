// SPDX-License-Identifier: GPL-2.0-only
/*
 * Links against the running kernel, for `plan` and `validate --kernel`
 * (probe_check.c): a read-only question per hook type the kernel may lack.
 * Only tcx needs one: a kernel before 6.6 does not know its attach types,
 * and BPF_PROG_QUERY says so (EINVAL) without attaching anything.  And the
 * link hooks `features` lists.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kernel_features.h"
#include "kinds/link/link.h"

unsigned link_probe(const struct manifest *m, bool (*only)(void *, const char *, const char *),
		    void *ctx, unsigned caps, struct diag *d)
{
	uint32_t flags, cnt;
	unsigned idx;
	size_t i;

	(void)caps;
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
	return 0; /* the programs' entries ask for the capabilities */
}

/* Does the kernel's BTF have enumerator NAME in enum bpf_link_type? */
static bool btf_has_link_type(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, "bpf_link_type", BTF_KIND_ENUM);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_enum *e = t ? btf_enum(t) : NULL;
	unsigned i;

	for (i = 0; t && i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, e[i].name_off), name))
			return true;
	return false;
}

static bool manifest_uses_hook(const struct manifest *m, enum link_hook h)
{
	size_t i;

	for (i = 0; m && i < m->n_links; i++)
		if (m->links[i].hook == h)
			return true;
	return !m;
}

/*
 * Link hooks: a kernel names the bpf_link types it can create in its own BTF
 * (enum bpf_link_type), so asking changes nothing and attaches nothing.
 */
void link_features(struct features *f)
{
	static const struct {
		enum link_hook hook;
		const char *link_type, *since;
	} hooks[] = {
		{HOOK_XDP, "BPF_LINK_TYPE_XDP", "XDP links need Linux 5.9"},
		{HOOK_TC, "BPF_LINK_TYPE_TCX", "tcx links need Linux 6.6"},
		{HOOK_CGROUP, "BPF_LINK_TYPE_CGROUP", "cgroup links need Linux 5.7"},
	};
	struct btf *btf = btf__load_vmlinux_btf();
	int err = libbpf_get_error(btf);
	size_t i;

	for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		if (!manifest_uses_hook(f->m, hooks[i].hook))
			continue;
		if (err)
			features_emit(f, link_hook_name(hooks[i].hook), PROBE_UNKNOWN, (int)-err,
			     "no kernel BTF to ask");
		else if (btf_has_link_type(btf, hooks[i].link_type))
			features_emit(f, link_hook_name(hooks[i].hook), PROBE_YES, 0, NULL);
		else
			features_emit(f, link_hook_name(hooks[i].hook), PROBE_NO, 0, hooks[i].since);
	}
	if (!err)
		btf__free(btf);
}
