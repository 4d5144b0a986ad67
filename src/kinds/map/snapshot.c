// SPDX-License-Identifier: GPL-2.0-only
/* The live snapshot of maps as a value: look-ups and freeing (no kernel here). */
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/nameidx.h"
#include "kinds/map/map.h"

static void live_map_clear_kvs(struct live_map *lm)
{
	size_t j;

	/* the live reader's entries point into its two buffers; hand-built ones are their own */
	for (j = 0; !lm->key_arena && j < lm->n_kvs; j++) {
		bytes_free(&lm->kvs[j].key);
		bytes_free(&lm->kvs[j].value);
	}
	free(lm->key_arena);
	free(lm->val_arena);
	lm->key_arena = lm->val_arena = NULL;
	lm->n_kvs = 0;
}

struct live_map *live_find_map(const struct live *lv, const char *name)
{
	int i = nameidx_find(lv->map_names, lv->maps, lv->n_maps, sizeof(*lv->maps),
			     offsetof(struct live_map, name), name);

	return i < 0 ? NULL : &lv->maps[i];
}

const struct bytes *live_map_value(const struct live_map *lm, const struct bytes *key)
{
	size_t lo = 0, hi = lm->n_kvs, i;

	if (!lm->by_key) {
		/* snapshots built by hand (unit tests) have no index */
		for (i = 0; i < lm->n_kvs; i++)
			if (bytes_eq(&lm->kvs[i].key, key))
				return &lm->kvs[i].value;
		return NULL;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct live_kv *kv = &lm->kvs[lm->by_key[mid]];
		int c = bytes_cmp(&kv->key, key);

		if (!c)
			return &kv->value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void live_free_maps(struct live *lv)
{
	size_t i;

	for (i = 0; i < lv->n_maps; i++) {
		struct live_map *lm = &lv->maps[i];

		if (lm->fd >= 0)
			close(lm->fd);
		live_map_clear_kvs(lm);
		free(lm->kvs);
		free(lm->by_key);
		free(lm->name);
		free(lm->pin);
	}
	free(lv->maps);
	nameidx_free(lv->map_names);
	free(lv->map_names);
}
