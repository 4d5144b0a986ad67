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

/*
 * The keys as one strided array for keys_sort: the `entries:` keys or the
 * file's records when there is only one kind, else a packed copy (*copy,
 * to be freed).  NULL without memory.
 */
static const uint8_t *strided_keys(const struct map_spec *ms, size_t *stride, uint8_t **copy)
{
	size_t i;

	*copy = NULL;
	*stride = ms->key_size;
	if (ms->n_yaml_entries == ms->n_entries)
		return ms->keys;
	if (!ms->n_yaml_entries) {
		*stride = (size_t)ms->key_size + ms->value_size;
		return ms->records;
	}
	*copy = malloc(ms->n_entries * ms->key_size);
	for (i = 0; *copy && i < ms->n_entries; i++)
		memcpy(*copy + i * ms->key_size, map_entry_key(ms, i), ms->key_size);
	return *copy;
}

/*
 * Radix sorted (keysort.c) when the keys do not ascend already: little-
 * endian integers that ascend as numbers do not as bytes, and a comparison
 * sort of a million of them is most of a no-op plan.
 */
size_t *map_entries_by_key(const struct map_spec *ms)
{
	size_t *sorted = NULL, i, stride;
	const uint8_t *keys;
	uint8_t *copy;

	if (ms->n_entries < 2 || ascending(ms)) {
		sorted = malloc((ms->n_entries ? ms->n_entries : 1) * sizeof(*sorted));
		for (i = 0; sorted && i < ms->n_entries; i++)
			sorted[i] = i;
		return sorted;
	}
	keys = strided_keys(ms, &stride, &copy);
	if (keys && keys_sort(keys, ms->n_entries, ms->key_size, stride, &sorted))
		sorted = NULL;
	free(copy);
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
