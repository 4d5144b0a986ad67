// SPDX-License-Identifier: GPL-2.0-only
/* The live snapshot of iterators as a value: look-ups and freeing (no kernel here). */
#include <stdlib.h>
#include <string.h>

#include "kinds/iterator/iterator.h"

struct live_iterator *live_find_iterator(const struct live *lv, const char *name)
{
	size_t i;

	for (i = 0; i < lv->n_iterators; i++)
		if (!strcmp(lv->iterators[i].name, name))
			return &lv->iterators[i];
	return NULL;
}

void live_free_iterators(struct live *lv)
{
	size_t i;

	for (i = 0; i < lv->n_iterators; i++) {
		free(lv->iterators[i].name);
		free(lv->iterators[i].pin);
	}
	free(lv->iterators);
	lv->iterators = NULL;
	lv->n_iterators = 0;
}
