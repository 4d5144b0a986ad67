// SPDX-License-Identifier: GPL-2.0-only
/* Iterators, the pure table: manifest section, dependencies, diff, show. */
#include <stddef.h>
#include <stdlib.h>

#include "graph.h"
#include "kinds/iterator/iterator.h"
#include "kinds/map/map.h"
#include "kinds/program/program.h"

/* The manifest's list of iterators is described by KIND_SPECS below. */
static void iterator_clear(void *spec)
{
	iterator_spec_clear(spec);
}

/* Built from: its program, and the manifest map it walks (a map parameter). */
static int iterator_deps(const struct manifest *m, struct graph *g)
{
	size_t i;
	int err = 0;

	for (i = 0; i < m->n_iterators && !err; i++) {
		const struct iterator_spec *it = &m->iterators[i];

		if (it->prog_entry >= 0)
			err = graph_add_edge(g, KIND_ITERATOR, i, KIND_PROGRAM,
					     (size_t)it->prog_entry, "program", false);
		if (!err && it->param == ITER_PARAM_MAP && it->map.name && it->map.index >= 0)
			err = graph_add_edge(g, KIND_ITERATOR, i, KIND_MAP, (size_t)it->map.index,
					     "map", false);
	}
	return err;
}

/* Resolve the program REF and the map parameter. */
static void iterator_resolve(struct parse_ctx *pc)
{
	struct manifest *m = pc->m;
	size_t i;

	for (i = 0; i < m->n_iterators; i++) {
		struct iterator_spec *it = &m->iterators[i];

		if (it->program)
			resolve_prog_ref(pc, it->program, &it->program_loc, &it->prog_entry,
					 &it->prog_index);
		if (it->param == ITER_PARAM_MAP)
			resolve_map_ref(pc, &it->map);
	}
}

static const char *iterator_status(const struct live *lv, const struct state_res *r,
				   uint32_t *live_id)
{
	const struct live_iterator *li = live_find_iterator(lv, r->name);

	if (!li || li->pin_state == PIN_ABSENT)
		return "missing";
	if (li->pin_state != PIN_MAP)
		return "replaced";
	*live_id = li->link_id;
	return li->link_id == r->id ? "ok" : "replaced";
}

const struct kind_ops kind_iterator_ops = {
	.kind = KIND_ITERATOR,
	.name = "iterator",
	.section = "iterators",
	.dir = "iterators",
	.layout = LAYOUT_PINS,
	.shape = "hexagon",
	.parse = parse_iterators,
	.resolve = iterator_resolve,
	.check_objects = iterator_check_objects,
	KIND_SPECS(struct iterator_spec, iterators, n_iterators),
	.spec_clear = iterator_clear,
	.deps = iterator_deps,
	.diff = iterator_diff,
	.describe = iterator_describe,
	.json_attrs = iterator_json_attrs,
	.free_live = live_free_iterators,
	.status = iterator_status,
};
