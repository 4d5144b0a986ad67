// SPDX-License-Identifier: GPL-2.0-only
/*
 * The live snapshot as a value: its lifetime (live.c reads it from the
 * kernel; this half is pure, so that the diff's tests link without the
 * readers).
 */
#include <stdlib.h>
#include <string.h>

#include "core/state.h"
#include "kind.h"
#include "live.h"

void live_free(struct live *lv)
{
	unsigned int k;

	for_each_kind(k)
		kind_ops_get(k)->free_live(lv);
	state_free(&lv->state);
	free(lv->root);
	free(lv->scope_dir);
	memset(lv, 0, sizeof(*lv));
}
