// SPDX-License-Identifier: GPL-2.0-only
/* Program entries, the pure table: manifest section, dependencies, diff, show. */
#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/elf.h"
#include "core/fingerprint.h"
#include "graph.h"
#include "kinds/map/map.h"
#include "kinds/program/program.h"

/* The manifest's list of programs is described by KIND_SPECS below. */
static void program_clear(void *spec)
{
	program_spec_clear(spec);
}

/* Built from: the manifest maps its ELF maps are bound to (reused at load). */
static int program_deps(const struct manifest *m, struct graph *g)
{
	size_t i, k;
	int err = 0;

	for (i = 0; i < m->n_programs && !err; i++) {
		const struct program_spec *ps = &m->programs[i];

		for (k = 0; k < ps->n_maps && !err; k++)
			if (ps->maps[k].target.name && ps->maps[k].target.index >= 0)
				err = graph_add_edge(g, KIND_PROGRAM, i, KIND_MAP,
						     (size_t)ps->maps[k].target.index,
						     ps->maps[k].elf_name, false);
	}
	return err;
}

/* The manifest maps its ELF maps are bound to. */
static void program_resolve(struct parse_ctx *pc)
{
	struct manifest *m = pc->m;
	size_t i, j;

	for (i = 0; i < m->n_programs; i++)
		for (j = 0; j < m->programs[i].n_maps; j++)
			resolve_map_ref(pc, &m->programs[i].maps[j].target);
}

/* The ELF objects: a saved plan is stale once one changes. */
static void program_fingerprint_inputs(struct fp *f, const struct manifest *m)
{
	size_t i;

	for (i = 0; i < m->n_programs; i++)
		fp_u64(f, m->programs[i].elf ? m->programs[i].elf->fp : 0);
}

/* The ELF objects are inputs of a plan. */
static bool program_is_input(const struct manifest *m, dev_t dev, ino_t ino)
{
	struct stat st;
	size_t i;

	for (i = 0; i < m->n_programs; i++)
		if (m->programs[i].object_path && !stat(m->programs[i].object_path, &st) &&
		    st.st_dev == dev && st.st_ino == ino)
			return true;
	return false;
}

/* A program entry is ok when every pin the record names holds the recorded object. */
static const char *program_status(const struct live *lv, const struct state_res *r,
				  uint32_t *live_id)
{
	const struct live_program *lp = live_find_program(lv, r->name);
	const struct live_pin *first;
	bool removed = false;
	size_t i;

	if (!lp || !lp->dir_exists)
		return "missing";
	if (program_drifted_pin(lp, r, &removed))
		return removed ? "missing" : "replaced";
	for (i = 0; i < r->n_subs; i++) {
		if (r->subs[i].kind != SUB_PROG)
			continue;
		first = live_pin_find(lp->progs, lp->n_progs, r->subs[i].name);
		*live_id = first ? first->id : 0;
		break;
	}
	return "ok";
}

/* An entry has one id per program: show the first. */
static uint32_t program_recorded_id(const struct state_res *r)
{
	size_t i;

	for (i = 0; i < r->n_subs; i++)
		if (r->subs[i].kind == SUB_PROG)
			return r->subs[i].id;
	return 0;
}

const struct kind_ops kind_program_ops = {
	.kind = KIND_PROGRAM,
	.name = "program",
	.section = "programs",
	.dir = "programs",
	.layout = LAYOUT_ENTRIES,
	.shape = "ellipse",
	.parse = parse_programs,
	.resolve = program_resolve,
	.read_objects = program_load_objects,
	.fingerprint_inputs = program_fingerprint_inputs,
	.is_input = program_is_input,
	KIND_SPECS(struct program_spec, programs, n_programs),
	.spec_clear = program_clear,
	.deps = program_deps,
	.diff = program_diff,
	.diff_late = program_diff_late,
	.describe = program_describe,
	.json_attrs = program_json_attrs,
	.free_live = live_free_programs,
	.status = program_status,
	.recorded_id = program_recorded_id,
};
