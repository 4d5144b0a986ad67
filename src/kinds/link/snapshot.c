// SPDX-License-Identifier: GPL-2.0-only
/* The live snapshot of links as a value: look-ups and freeing (no kernel here). */
#include <stdlib.h>
#include <string.h>

#include "kinds/link/link.h"

struct live_link *live_find_link(const struct live *lv, const char *name)
{
	size_t i;

	for (i = 0; i < lv->n_links; i++)
		if (!strcmp(lv->links[i].name, name))
			return &lv->links[i];
	return NULL;
}

void live_free_links(struct live *lv)
{
	size_t i;

	for (i = 0; i < lv->n_links; i++) {
		free(lv->links[i].name);
		free(lv->links[i].pin);
	}
	free(lv->links);
	lv->links = NULL;
	lv->n_links = 0;
}
