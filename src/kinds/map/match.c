// SPDX-License-Identifier: GPL-2.0-only
/*
 * Declared entries against the live ones in one sorted merge: each side in
 * key order once (the declared side without a sort when its keys already
 * ascend, as generated data files usually do), then a single walk.  The
 * diff of a map of a million entries is then linear after the sorts,
 * instead of a binary search per key on both sides.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kinds/map/map.h"

static bool ascending(const struct map_spec *ms)
{
	size_t i;

	for (i = 1; i < ms->n_entries; i++)
		if (bytes_cmp(&ms->entries[i - 1].key, &ms->entries[i].key) >= 0)
			return false;
	return true;
}

static int cmp_entry_ptr(const void *a, const void *b)
{
	return bytes_cmp(&(*(const struct map_entry *const *)a)->key,
			 &(*(const struct map_entry *const *)b)->key);
}

const struct map_entry **map_entries_by_key(const struct map_spec *ms)
{
	const struct map_entry **sorted;
	size_t i;

	sorted = malloc((ms->n_entries ? ms->n_entries : 1) * sizeof(*sorted));
	if (!sorted)
		return NULL;
	for (i = 0; i < ms->n_entries; i++)
		sorted[i] = &ms->entries[i];
	if (!ascending(ms))
		qsort(sorted, ms->n_entries, sizeof(*sorted), cmp_entry_ptr);
	return sorted;
}

bool map_entries_has(const struct map_entry *const *sorted, size_t n, const struct bytes *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = bytes_cmp(&sorted[mid]->key, key);

		if (!c)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Without the live reader's index (snapshots built by hand): a look-up per key. */
static void match_slow(const struct map_spec *ms, const struct live_map *lm,
		       const struct bytes **value_of, bool *declared)
{
	size_t i, j;

	for (i = 0; i < ms->n_entries; i++) {
		value_of[i] = NULL;
		for (j = 0; j < lm->n_kvs; j++) {
			if (!bytes_eq(&lm->kvs[j].key, &ms->entries[i].key))
				continue;
			value_of[i] = &lm->kvs[j].value;
			if (declared)
				declared[j] = true;
			break;
		}
	}
}

int map_entries_match(const struct map_spec *ms, const struct live_map *lm,
		      const struct bytes ***value_of, bool **declared)
{
	const struct map_entry **sorted;
	size_t i = 0, j = 0;

	*value_of = calloc(ms->n_entries ? ms->n_entries : 1, sizeof(**value_of));
	*declared = calloc(lm->n_kvs ? lm->n_kvs : 1, sizeof(**declared));
	sorted = lm->by_key ? map_entries_by_key(ms) : NULL;
	if (!*value_of || !*declared || (lm->by_key && !sorted)) {
		free(*value_of);
		free(*declared);
		free(sorted);
		*value_of = NULL;
		*declared = NULL;
		return -ENOMEM;
	}
	if (!lm->by_key) {
		match_slow(ms, lm, *value_of, *declared);
		return 0;
	}
	while (i < ms->n_entries && j < lm->n_kvs) {
		const struct live_kv *kv = &lm->kvs[lm->by_key[j]];
		int c = bytes_cmp(&sorted[i]->key, &kv->key);

		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			(*value_of)[sorted[i] - ms->entries] = &kv->value;
			(*declared)[lm->by_key[j]] = true;
			i++;
			j++;
		}
	}
	free(sorted);
	return 0;
}
