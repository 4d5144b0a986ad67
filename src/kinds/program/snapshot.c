// SPDX-License-Identifier: GPL-2.0-only
/* The live snapshot of programs as a value: look-ups and freeing (no kernel here). */
#include <stdlib.h>
#include <string.h>

#include "kinds/program/program.h"

struct live_program *live_find_program(const struct live *lv, const char *name)
{
	size_t i;

	for (i = 0; i < lv->n_programs; i++)
		if (!strcmp(lv->programs[i].name, name))
			return &lv->programs[i];
	return NULL;
}

const struct live_pin *live_pin_find(const struct live_pin *pins, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(pins[i].name, name))
			return &pins[i];
	return NULL;
}

static void pins_free(struct live_pin *pins, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(pins[i].name);
		free(pins[i].path);
	}
	free(pins);
}

void live_free_programs(struct live *lv)
{
	size_t i;

	for (i = 0; i < lv->n_programs; i++) {
		struct live_program *lp = &lv->programs[i];

		pins_free(lp->progs, lp->n_progs);
		pins_free(lp->maps, lp->n_maps);
		pins_free(lp->bound, lp->n_bound);
		free(lp->unrecorded);
		free(lp->name);
		free(lp->dir);
	}
	free(lv->programs);
	lv->programs = NULL;
	lv->n_programs = 0;
}
