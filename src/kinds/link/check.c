// SPDX-License-Identifier: GPL-2.0-only
/*
 * Offline checks of links against the ELF objects: the program a link
 * names is loaded by the manifest, and its type fits the hook (XDP for
 * xdp:, sched_cls for tc:, the cgroup program type of attach:), so that a
 * mismatch is a located error from validate instead of the kernel's EINVAL
 * in the middle of an apply.
 */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "core/elf.h"
#include "kinds/program/program.h"
#include "kinds/link/link.h"

/* Program type and expected attach type, as libbpf will load the program. */
static int prog_types(const struct program_spec *ps, const struct elf_prog *ep,
		      enum bpf_prog_type *pt, enum bpf_attach_type *at)
{
	/* the entry's type: overrides the section, as at load time */
	if (libbpf_prog_type_by_name(ps->type ? ps->type : ep->section, pt, at)) {
		*pt = ep->type;
		*at = 0;
	}
	return 0;
}

static const char *ptype(enum bpf_prog_type pt)
{
	const char *s = libbpf_bpf_prog_type_str(pt);

	return s ? s : "unknown";
}

static void check_link(struct manifest *m, struct link_spec *ls, struct diag *d)
{
	const struct program_spec *ps;
	const struct elf_prog *ep;
	enum bpf_attach_type at;
	enum bpf_prog_type pt;
	const char *prog;
	int rc;

	if (!ls->program || !ls->hook)
		return;
	rc = ref_resolve(m, ls->program, &ls->prog_entry, &prog);
	if (rc == -EINVAL && ls->prog_entry >= 0) {
		diag_error(d, &ls->program_loc,
			   "program \"%s\": entry \"%s\" loads %zu programs; name one as ENTRY/PROGRAM",
			   ls->program, m->programs[ls->prog_entry].name,
			   program_count(&m->programs[ls->prog_entry]));
		return;
	}
	if (rc) {
		diag_error(d, &ls->program_loc, "program \"%s\" is not loaded by this manifest",
			   ls->program);
		return;
	}
	ps = &m->programs[ls->prog_entry];
	ep = ps->elf ? elf_find_prog(ps->elf, prog) : NULL;
	if (!ep)
		return;
	prog_types(ps, ep, &pt, &at);
	if (ls->hook == HOOK_XDP && pt != BPF_PROG_TYPE_XDP)
		diag_error(d, &ls->program_loc, "link \"%s\": xdp needs an XDP program, %s is %s",
			   ls->name, ls->program, ptype(pt));
	else if (ls->hook == HOOK_XDP && at && at != BPF_XDP)
		diag_error(d, &ls->program_loc,
			   "link \"%s\": %s is an XDP program for a devmap or cpumap (section %s), "
			   "not for an interface",
			   ls->name, ls->program, ep->section);
	else if (ls->hook == HOOK_TC && pt != BPF_PROG_TYPE_SCHED_CLS)
		diag_error(d, &ls->program_loc, "link \"%s\": tc needs a sched_cls program (SEC(\"tc\")), "
						"%s is %s",
			   ls->name, ls->program, ptype(pt));
	else if (ls->hook == HOOK_CGROUP && ls->cg && pt != ls->cg->prog_type)
		diag_error(d, &ls->program_loc, "link \"%s\": cgroup attach %s needs a %s program, %s is %s",
			   ls->name, ls->cg->name, ptype(ls->cg->prog_type), ls->program, ptype(pt));
	else if (ls->hook == HOOK_CGROUP && ls->cg && at && at != ls->cg->attach_type &&
		 link_cgroup_attach_by_type(at))
		/* the kernel refuses a program loaded for another attach point */
		diag_error(d, &ls->program_loc, "link \"%s\": %s is built for cgroup attach %s (section %s), "
						"not %s",
			   ls->name, ls->program, link_cgroup_attach_by_type(at)->name, ep->section,
			   ls->cg->name);
}

void link_check_objects(struct manifest *m, struct diag *d)
{
	size_t i;

	for (i = 0; i < m->n_links; i++)
		check_link(m, &m->links[i], d);
}
