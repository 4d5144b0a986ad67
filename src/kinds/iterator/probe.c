// SPDX-License-Identifier: GPL-2.0-only
/* Iterators against the running kernel: their cgroup, and their parameter on a probe link. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel_features.h"
#include "core/elf.h"
#include "kinds/program/program.h"
#include "core/probe.h"
#include "kinds/iterator/iterator.h"

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

unsigned iterator_probe(const struct manifest *m, probe_only_fn only, void *ctx, unsigned caps,
			struct diag *d)
{
	size_t before, i;

	(void)caps;
	for (i = 0; i < m->n_iterators; i++) {
		if (only && !only(ctx, "iterator", m->iterators[i].name))
			continue;
		before = diag_count(d);
		if (m->iterators[i].param == ITER_PARAM_CGROUP)
			check_cgroup(&m->iterators[i], d);
		if (diag_count(d) == before)
			check_iter_param(m, &m->iterators[i], d);
	}
	return 0;
}

static int one_iter(void *ctx, const char *target)
{
	struct features *f = ctx;
	char sec[128];

	snprintf(sec, sizeof(sec), "iter/%s", target);
	if (program_uses_section(f->m, sec))
		features_probe_section(f, sec, target);
	return 0;
}


void iterator_features(struct features *f)
{
	if (probe_iter_targets(one_iter, f) == -ENOENT && !g_json)
		printf("  (no kernel BTF: iterators cannot be loaded)\n");
}
