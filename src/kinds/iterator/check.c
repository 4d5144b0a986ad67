// SPDX-License-Identifier: GPL-2.0-only
/* Iterators, offline checks against the ELF objects: iter/ sections and their parameters. */
#include <string.h>

#include "core/elf.h"
#include "kinds/iterator/iterator.h"
#include "kinds/program/program.h"

static const char *iter_target(const struct elf_prog *p)
{
	if (!strncmp(p->section, "iter/", 5))
		return p->section + 5;
	if (!strncmp(p->section, "iter.s/", 7))
		return p->section + 7;
	return NULL;
}

static bool target_in(const char *target, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(target, *list))
			return true;
	return false;
}

static void check_iterator(struct manifest *m, struct iterator_spec *it, struct diag *d)
{
	static const char *const map_targets[] = { "bpf_map_elem", "bpf_sk_storage_map",
						   "sockmap", NULL };
	static const char *const task_targets[] = { "task", "task_file", "task_vma", NULL };
	static const char *const cgroup_targets[] = { "cgroup", NULL };
	const struct program_spec *ps;
	const char *target;
	int pos;

	if (!program_resolve_ref(m, it->program, &it->program_loc, &it->prog_entry, &pos, d))
		return;
	it->prog_index = pos;
	ps = &m->programs[it->prog_entry];
	if (!ps->elf)
		return;
	target = iter_target(elf_find_prog(ps->elf, program_name_at(ps, (size_t)pos)));
	if (!target) {
		diag_error(d, &it->program_loc, "program \"%s\" is not an iterator (no iter/ section)",
			   it->program);
		return;
	}
	if (it->param == ITER_PARAM_NONE && target_in(target, map_targets))
		diag_error(d, &it->loc, "iterator \"%s\": iter/%s needs a map: parameter", it->name,
			   target);
	else if ((it->param == ITER_PARAM_MAP && !target_in(target, map_targets)) ||
		 (it->param == ITER_PARAM_TASK && !target_in(target, task_targets)) ||
		 (it->param == ITER_PARAM_CGROUP && !target_in(target, cgroup_targets)))
		diag_error(d, &it->param_loc, "iterator \"%s\": iter/%s takes no %s parameter",
			   it->name, target,
			   it->param == ITER_PARAM_MAP ? "map" : it->param == ITER_PARAM_TASK ? "task"
											: "cgroup");
}

void iterator_check_objects(struct manifest *m, struct diag *d)
{
	size_t i;

	for (i = 0; i < m->n_iterators; i++)
		check_iterator(m, &m->iterators[i], d);
}
