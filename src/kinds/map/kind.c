// SPDX-License-Identifier: GPL-2.0-only
/* Maps, the pure table: manifest section, dependencies, diff, show. */
#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/json.h"
#include "graph.h"
#include "kinds/map/map.h"

/* The manifest's list of maps is described by KIND_SPECS below. */
static void map_clear(void *spec)
{
	map_spec_clear(spec);
}

/* The data files (entries_file:) are inputs of a plan. */
static bool map_is_input(const struct manifest *m, dev_t dev, ino_t ino)
{
	struct stat st;
	size_t i;

	for (i = 0; i < m->n_maps; i++)
		if (m->maps[i].entries_file_path && !stat(m->maps[i].entries_file_path, &st) &&
		    st.st_dev == dev && st.st_ino == ino)
			return true;
	return false;
}

/*
 * Built from: the inner map template, and the maps and programs stored as
 * values.  A program in a prog_array slot is loaded after the map (the
 * program may use the map), so that edge is late: diff_late and stage_late
 * fill the slot.
 */
static int map_deps(const struct manifest *m, struct graph *g)
{
	size_t i, k;
	int err = 0;

	for (i = 0; i < m->n_maps && !err; i++) {
		const struct map_spec *ms = &m->maps[i];

		if (ms->inner_index >= 0)
			err = graph_add_edge(g, KIND_MAP, i, KIND_MAP, (size_t)ms->inner_index,
					     "inner_map", false);
		for (k = 0; k < ms->n_refs && !err; k++) {
			const struct map_entry_ref *e = &ms->refs[k];

			if (e->ref_index < 0) /* not resolved: not an edge */
				continue;
			if (e->vkind == VAL_MAP)
				err = graph_add_edge(g, KIND_MAP, i, KIND_MAP, (size_t)e->ref_index,
						     "value", false);
			else if (e->vkind == VAL_PROGRAM)
				err = graph_add_edge(g, KIND_MAP, i, KIND_PROGRAM,
						     (size_t)e->ref_index, "tail call", true);
		}
	}
	return err;
}

static const char *map_status(const struct live *lv, const struct state_res *r, uint32_t *live_id)
{
	const struct live_map *lm = live_find_map(lv, r->name);

	if (!lm || lm->pin_state == PIN_ABSENT)
		return "missing";
	if (lm->pin_state == PIN_OTHER) {
		*live_id = lm->other_id; /* the program or link pinned in its place */
		return "replaced";
	}
	*live_id = lm->info.id;
	return lm->info.id == r->id ? "ok" : "replaced";
}

/* An in-place update of the entries says how many of each. */
static void map_json_extra(const struct change *c, struct json *j)
{
	const struct map_change *mc = map_change_of(c);

	if (c->action != ACT_UPDATE)
		return;
	json_key(j, "entries");
	json_obj_begin(j);
	json_kv_uint(j, "add", mc->n_add);
	json_kv_uint(j, "change", mc->n_change);
	json_kv_uint(j, "remove", mc->n_remove);
	json_obj_end(j);
}

/* The map part of a change: the entry operations of an in-place update. */
static void map_free_change(struct change *c)
{
	struct map_change *mc = map_change_of(c);
	size_t j;

	if (!mc)
		return; /* its allocation failed: the plan was not made */
	for (j = 0; j < mc->n_ops; j++)
		bytes_free(&mc->ops[j].key);
	free(mc->ops);
	free(mc);
	c->kind_data = NULL;
}

const struct kind_ops kind_map_ops = {
	.kind = KIND_MAP,
	.name = "map",
	.section = "maps",
	.dir = "maps",
	.layout = LAYOUT_PINS,
	.shape = "box",
	.parse = parse_maps,
	.resolve = map_resolve,
	.check_objects = map_check_objects,
	.fingerprint_inputs = map_fingerprint_inputs,
	.is_input = map_is_input,
	KIND_SPECS(struct map_spec, maps, n_maps),
	.spec_clear = map_clear,
	.deps = map_deps,
	.diff = map_diff,
	.diff_late = map_diff_late,
	.describe = map_describe,
	.json_attrs = map_json_attrs,
	.json_extra = map_json_extra,
	.free_change = map_free_change,
	.free_live = live_free_maps,
	.status = map_status,
};
