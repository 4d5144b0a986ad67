// SPDX-License-Identifier: GPL-2.0-only
/*
 * Maps, cross-references once every file is read: inner map templates (and
 * their cycles), map-in-map and prog_array values.
 */
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "kinds/map/map.h"
#include "core/maptypes.h"
#include "kinds/program/program.h"
#include "parse.h"

static bool map_bad(const struct parse_ctx *pc, int i)
{
	return pc->map_bad && pc->map_bad[i];
}

static bool is_of_maps(const struct map_spec *s)
{
	const struct maptype *mt = maptype_by_type(s->type);

	return mt && (mt->caps & MT_OF_MAPS);
}

/* Follows inner_map from i; true if it comes back to i. */
static bool on_cycle(const struct manifest *m, int i)
{
	int j = m->maps[i].inner_index;
	size_t steps;

	for (steps = 0; j >= 0 && steps < m->n_maps; steps++) {
		if (j == i)
			return true;
		j = m->maps[j].inner_index;
	}
	return false;
}

/* "a -> b -> a", reported once, at the member of the cycle declared first. */
static void report_cycle(struct parse_ctx *pc, int i, bool *in_cycle)
{
	const struct manifest *m = pc->m;
	char *path = xstrdup(m->maps[i].name), *next;
	int j = i, smallest = i;

	do {
		j = m->maps[j].inner_index;
		in_cycle[j] = true;
		if (j < smallest)
			smallest = j;
		next = xasprintf("%s -> %s", path, m->maps[j].name);
		free(path);
		path = next;
	} while (j != i);
	if (smallest == i)
		diag_error(pc->d, &m->maps[i].inner_loc, "inner_map: cycle %s", path);
	free(path);
}

static void resolve_inner_maps(struct parse_ctx *pc)
{
	struct manifest *m = pc->m;
	bool *in_cycle = xzalloc(m->n_maps * sizeof(*in_cycle) + 1);
	size_t i;

	for (i = 0; i < m->n_maps; i++) {
		struct map_spec *s = &m->maps[i];

		s->inner_index = -1;
		if (!s->inner_map)
			continue;
		s->inner_index = manifest_map_index(m, s->inner_map);
		if (s->inner_index < 0)
			diag_error(pc->d, &s->inner_loc, "inner_map: map \"%s\" is not declared",
				   s->inner_map);
	}
	for (i = 0; i < m->n_maps; i++)
		if (m->maps[i].inner_index >= 0 && on_cycle(m, (int)i))
			report_cycle(pc, (int)i, in_cycle);
	for (i = 0; i < m->n_maps; i++) {
		struct map_spec *s = &m->maps[i];
		const struct map_spec *tpl;

		if (s->inner_index < 0 || in_cycle[i] || map_bad(pc, s->inner_index))
			continue;
		tpl = &m->maps[s->inner_index];
		if (is_of_maps(tpl))
			diag_error(pc->d, &s->inner_loc,
				   "inner_map: \"%s\" (%s) is itself a map of maps; the kernel does not nest them",
				   tpl->name, maptype_name(tpl->type));
	}
	free(in_cycle);
}

/* What differs between a map and the template of the outer map it is stored in. */
static char *template_diff(const struct map_spec *s, const struct map_spec *tpl)
{
	char *out = xstrdup(""), *next, a[128], b[128];

#define DIFF(fmt, ...)                                                                     \
	do {                                                                               \
		next = xasprintf("%s%s" fmt, out, *out ? ", " : "", __VA_ARGS__);          \
		free(out);                                                                 \
		out = next;                                                                \
	} while (0)
	if (s->type != tpl->type)
		DIFF("type %s, template has %s", maptype_name(s->type), maptype_name(tpl->type));
	if (s->key_size != tpl->key_size)
		DIFF("key_size %u, template has %u", s->key_size, tpl->key_size);
	if (s->value_size != tpl->value_size)
		DIFF("value_size %u, template has %u", s->value_size, tpl->value_size);
	/* BPF_F_INNER_MAP on the template lets inner maps differ in size. */
	if (s->max_entries != tpl->max_entries && !(tpl->flags & BPF_F_INNER_MAP))
		DIFF("max_entries %u, template has %u", s->max_entries, tpl->max_entries);
	if (s->flags != tpl->flags) {
		mapflags_format(s->flags, a, sizeof(a));
		mapflags_format(tpl->flags, b, sizeof(b));
		DIFF("flags [%s], template has [%s]", a, b);
	}
#undef DIFF
	if (!*out) {
		free(out);
		return NULL;
	}
	return out;
}

static void resolve_map_value(struct parse_ctx *pc, const struct map_spec *outer,
			      struct map_entry_ref *e)
{
	const struct manifest *m = pc->m;
	const struct map_spec *inner, *tpl;
	char *diff;
	int j;

	j = manifest_map_index(m, e->ref);
	if (j < 0) {
		diag_error(pc->d, &e->ref_loc, "map \"%s\" is not declared", e->ref);
		return;
	}
	e->ref_index = j;
	inner = &m->maps[j];
	if (map_bad(pc, j))
		return;
	if (is_of_maps(inner)) {
		diag_error(pc->d, &e->ref_loc,
			   "map \"%s\" (%s) is itself a map of maps and cannot be stored in map \"%s\"",
			   inner->name, maptype_name(inner->type), outer->name);
		return;
	}
	if (outer->inner_index < 0 || map_bad(pc, outer->inner_index))
		return;
	tpl = &m->maps[outer->inner_index];
	if (is_of_maps(tpl))
		return; /* reported at inner_map */
	diff = template_diff(inner, tpl);
	if (diff)
		diag_error(pc->d, &e->ref_loc, "map \"%s\" does not match inner_map \"%s\" of map \"%s\": %s",
			   inner->name, tpl->name, outer->name, diff);
	free(diff);
}

void map_resolve(struct parse_ctx *pc)
{
	struct manifest *m = pc->m;
	size_t i, j;

	resolve_inner_maps(pc);
	for (i = 0; i < m->n_maps; i++) {
		for (j = 0; j < m->maps[i].n_refs; j++) {
			struct map_entry_ref *e = &m->maps[i].refs[j];

			if (e->vkind == VAL_MAP)
				resolve_map_value(pc, &m->maps[i], e);
			else if (e->vkind == VAL_PROGRAM)
				resolve_prog_ref(pc, e->ref, &e->ref_loc, &e->ref_index,
						 &e->ref_prog);
		}
	}
}

/* Once the ELF objects are read: the programs {program: REF} values name. */
void map_check_objects(struct manifest *m, struct diag *d)
{
	size_t i, k;

	for (i = 0; i < m->n_maps; i++) {
		for (k = 0; k < m->maps[i].n_refs; k++) {
			struct map_entry_ref *e = &m->maps[i].refs[k];

			if (e->vkind == VAL_PROGRAM)
				program_resolve_ref(m, e->ref, &e->ref_loc, &e->ref_index,
						    &e->ref_prog, d);
		}
	}
}

/* A {NAME} map reference -> its index, reporting one not declared. */
void resolve_map_ref(struct parse_ctx *pc, struct map_ref *r)
{
	r->index = -1;
	if (!r->name)
		return;
	r->index = manifest_map_index(pc->m, r->name);
	if (r->index < 0)
		diag_error(pc->d, &r->loc, "map \"%s\" is not declared", r->name);
}
