// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cross-references of a whole manifest (all files), once every file is read,
 * and then against the objects it names: each kind resolves and checks its
 * own (kinds/KIND/).  Fills the model's resolved indices.
 */
#include <stdlib.h>
#include <string.h>

#include "kind.h"
#include "model.h"
#include "parse.h"

void resolve_manifest(struct parse_ctx *pc)
{
	unsigned int k;

	for_each_kind(k) {
		const struct kind_ops *ops = kind_ops_get(k);

		if (ops->resolve)
			ops->resolve(pc);
	}
}

int manifest_check_objects(struct manifest *m, struct diag *d)
{
	unsigned int k;

	for_each_kind(k)
		if (kind_ops_get(k)->read_objects)
			kind_ops_get(k)->read_objects(m, d);
	for_each_kind(k)
		if (kind_ops_get(k)->check_objects)
			kind_ops_get(k)->check_objects(m, d);
	return 0;
}
