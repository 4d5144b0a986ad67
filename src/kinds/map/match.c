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

static struct bytes key_at(const struct map_spec *ms, size_t i)
{
	return (struct bytes){ (uint8_t *)map_entry_key(ms, i), ms->key_size };
}

static bool ascending(const struct map_spec *ms)
{
	size_t i;

	for (i = 1; i < ms->n_entries; i++)
		if (memcmp(map_entry_key(ms, i - 1), map_entry_key(ms, i), ms->key_size) >= 0)
			return false;
	return true;
}

static int cmp_index(const void *a, const void *b, void *arg)
{
	const struct map_spec *ms = arg;

	return memcmp(map_entry_key(ms, *(const size_t *)a), map_entry_key(ms, *(const size_t *)b),
		      ms->key_size);
}

size_t *map_entries_by_key(const struct map_spec *ms)
{
	size_t *sorted, i;

	sorted = malloc((ms->n_entries ? ms->n_entries : 1) * sizeof(*sorted));
	if (!sorted)
		return NULL;
	for (i = 0; i < ms->n_entries; i++)
		sorted[i] = i;
	if (!ascending(ms))
		qsort_r(sorted, ms->n_entries, sizeof(*sorted), cmp_index, (void *)ms);
	return sorted;
}

bool map_entries_has(const struct map_spec *ms, const size_t *sorted, const struct bytes *key)
{
	size_t lo = 0, hi = ms->n_entries;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct bytes k = key_at(ms, sorted[mid]);
		int c = bytes_cmp(&k, key);

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
		struct bytes k = key_at(ms, i);

		value_of[i] = NULL;
		for (j = 0; j < lm->n_kvs; j++) {
			if (!bytes_eq(&lm->kvs[j].key, &k))
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
	size_t *sorted, i = 0, j = 0;

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
		struct bytes k = key_at(ms, sorted[i]);
		int c = bytes_cmp(&k, &kv->key);

		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			(*value_of)[sorted[i]] = &kv->value;
			(*declared)[lm->by_key[j]] = true;
			i++;
			j++;
		}
	}
	free(sorted);
	return 0;
}
