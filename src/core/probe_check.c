// SPDX-License-Identifier: GPL-2.0-only
/*
 * A manifest against the running kernel: each map is created as declared and
 * each program type loaded in its smallest form, then closed at once, so
 * that `plan` and `validate --kernel` say before any apply what this kernel
 * refuses.  Nothing is pinned and nothing outlives the check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/elf.h"
#include "kinds/iterator/iterator.h"
#include "kinds/link/link.h"
#include "core/probe.h"

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

/* The type and attach type libbpf will load a program with, as configure() sets them. */
static int prog_of(const struct program_spec *ps, struct bpf_program *p, struct probe_prog *pp)
{
	enum bpf_attach_type at = 0;
	enum bpf_prog_type pt = 0;

	pp->type = bpf_program__type(p);
	pp->attach = bpf_program__expected_attach_type(p);
	pp->section = bpf_program__section_name(p);
	if (ps->type) {
		if (libbpf_prog_type_by_name(ps->type, &pt, &at))
			return -EINVAL;
		pp->type = pt;
		pp->attach = at;
	}
	return 0;
}

static unsigned check_program(const struct program_spec *ps, unsigned caps, struct diag *d)
{
	struct bpf_object *obj = elf_open_object(ps->elf, ps->object_path);
	unsigned need = 0;
	size_t i;

	if (!obj)
		return 0; /* validate reported it */
	for (i = 0; i < program_count(ps); i++) {
		const char *name = program_name_at(ps, i), *reason;
		struct bpf_program *p = bpf_object__find_program_by_name(obj, name);
		struct probe_prog pp;
		enum probe_answer a;
		char why[320];
		int err;

		if (!p || prog_of(ps, p, &pp))
			continue;
		need |= probe_prog_caps(pp.type);
		a = probe_prog(&pp, &err, &reason);
		if (a == PROBE_NO &&
		    probe_explain_prog(&pp, err, caps, a, reason, why, sizeof(why)))
			diag_error(d, &ps->object_loc,
				   "program entry '%s': program '%s' (%s, %s): %s", ps->name, name,
				   probe_prog_type_name(pp.type), pp.section ? pp.section : "?",
				   why);
	}
	bpf_object__close(obj);
	return need;
}

/*
 * A cgroup parameter names a directory of the cgroup2 hierarchy.  Where
 * /sys/fs/cgroup is missing or not cgroup2 (a container without it), the
 * iterator cannot be created: say so now, naming what is missing.
 */
static void check_cgroup(const struct iterator_spec *it, struct diag *d)
{
	struct statfs st;

	if (statfs(it->cgroup_path, &st)) {
		diag_error(d, &it->param_loc, "iterator \"%s\": cgroup %s: %s%s", it->name,
			   it->cgroup_path, strerror(errno),
			   errno == ENOENT ? " (is cgroup2 mounted, and does the cgroup exist?)"
					   : "");
		return;
	}
	if (st.f_type != CGROUP2_SUPER_MAGIC)
		diag_error(
		    d, &it->param_loc,
		    "iterator \"%s\": %s is not in a cgroup2 hierarchy (cgroup iterators need "
		    "cgroup2 mounted, usually at /sys/fs/cgroup)",
		    it->name, it->cgroup_path);
}

static const char *param_word(enum iter_param p)
{
	return p == ITER_PARAM_MAP ? "map" : p == ITER_PARAM_TASK ? "task" : "cgroup";
}

/* The fd a parameter needs for the probe link (-1 for a task), or -errno. */
static int param_fd(const struct manifest *m, const struct iterator_spec *it,
		    union bpf_iter_link_info *linfo)
{
	int map_fd = -1, fd, err;

	if (it->param == ITER_PARAM_MAP) {
		map_fd = it->map.index >= 0 ? probe_map_create(m, &m->maps[it->map.index])
					    : bpf_obj_get(it->map.pinned);
		if (map_fd < 0)
			return it->map.index >= 0 ? map_fd : -errno;
	}
	err = iterator_link_info(it, map_fd, linfo, &fd);
	return err ? err : fd;
}

/*
 * An iterator's parameter (a map, a task, a cgroup) is only accepted by the
 * kernel when the link is created: create one from a probe program of the
 * same target, and close it at once.
 */
static void check_iter_param(const struct manifest *m, const struct iterator_spec *it,
			     struct diag *d)
{
	const struct program_spec *ps = &m->programs[it->prog_entry];
	const struct elf_prog *ep = elf_find_prog(
	    ps->elf, program_name_at(ps, it->prog_index < 0 ? 0 : (size_t)it->prog_index));
	union bpf_iter_link_info linfo;
	int fd, err;

	if (it->param == ITER_PARAM_NONE || !ep || strncmp(ep->section, "iter", 4))
		return;
	memset(&linfo, 0, sizeof(linfo));
	fd = param_fd(m, it, &linfo);
	if (fd < 0 && it->param != ITER_PARAM_TASK) {
		if (it->param == ITER_PARAM_MAP && it->map.pinned)
			diag_error(d, &it->param_loc, "iterator \"%s\": map %s: %s", it->name,
				   it->map.pinned, strerror(-fd));
		return; /* a manifest map the kernel refuses, or the cgroup: said already */
	}
	if (probe_iter_link(ep->section, &linfo, &err) == PROBE_NO)
		diag_error(d, &it->param_loc,
			   "iterator \"%s\": this kernel cannot create %s iterators with a %s "
			   "parameter: %s",
			   it->name, ep->section, param_word(it->param), strerror(err));
	if (fd >= 0)
		close(fd);
}

unsigned probe_check_manifest(const struct manifest *m, probe_only_fn only, void *ctx,
			      struct diag *d)
{
	unsigned caps = probe_caps(), need = 0;
	size_t before;
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	size_t i;

	for (i = 0; i < m->n_maps; i++) {
		if (only && !only(ctx, "map", m->maps[i].name))
			continue;
		need |= PCAP_BPF;
		check_map(m, &m->maps[i], caps, d);
	}
	for (i = 0; i < m->n_programs; i++) {
		if (only && !only(ctx, "program", m->programs[i].name))
			continue;
		need |= PCAP_BPF | check_program(&m->programs[i], caps, d);
	}
	for (i = 0; i < m->n_iterators; i++) {
		if (only && !only(ctx, "iterator", m->iterators[i].name))
			continue;
		before = diag_count(d);
		if (m->iterators[i].param == ITER_PARAM_CGROUP)
			check_cgroup(&m->iterators[i], d);
		if (diag_count(d) == before)
			check_iter_param(m, &m->iterators[i], d);
	}
	link_probe_manifest(m, only, ctx, d);
	libbpf_set_print(old);
	return probe_caps_missing(need, caps);
}
