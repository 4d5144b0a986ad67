// SPDX-License-Identifier: GPL-2.0-only
/*
 * The declared entries of a map, packed: one array of keys and one of
 * values (the layout BPF_MAP_UPDATE_BATCH takes), a compact location per
 * `entries:` item, the few reference values aside, then entries_file's
 * records in their own buffer.  Read through these accessors.
 */
#include <stdlib.h>

#include "model.h"

const uint8_t *map_entry_key(const struct map_spec *s, size_t i)
{
	if (i < s->n_yaml_entries)
		return s->keys + i * s->key_size;
	return s->records + (i - s->n_yaml_entries) * ((size_t)s->key_size + s->value_size);
}

const uint8_t *map_entry_value(const struct map_spec *s, size_t i)
{
	if (i < s->n_yaml_entries)
		return s->values + i * s->value_size;
	return map_entry_key(s, i) + s->key_size;
}

struct loc map_entry_loc(const struct map_spec *s, size_t i)
{
	struct loc l = s->records_loc;

	if (i < s->n_yaml_entries) {
		l.file = s->loc.file;
		l.line = (int)s->locs[i].line;
		l.col = (int)s->locs[i].col;
	}
	return l;
}

struct map_entry_ref *map_entry_ref_of(const struct map_spec *s, size_t i)
{
	size_t lo = 0, hi = s->n_refs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->refs[mid].entry == i)
			return &s->refs[mid];
		if (s->refs[mid].entry < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct map_entry *map_entry_get(const struct map_spec *s, size_t i, struct map_entry *e)
{
	const struct map_entry_ref *r = s->n_refs ? map_entry_ref_of(s, i) : NULL;

	*e = (struct map_entry){
		.loc = map_entry_loc(s, i),
		.key = { (uint8_t *)map_entry_key(s, i), s->key_size },
		.vkind = VAL_BYTES,
		.value = { (uint8_t *)map_entry_value(s, i), s->value_size },
		.ref_index = -1,
		.ref_prog = -1,
	};
	if (r) {
		e->vkind = r->vkind;
		e->ref = r->ref;
		e->ref_loc = r->ref_loc;
		e->ref_index = r->ref_index;
		e->ref_prog = r->ref_prog;
		e->value = (struct bytes){ NULL, 0 };
	}
	return e;
}
