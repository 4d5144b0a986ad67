// SPDX-License-Identifier: GPL-2.0-only
/*
 * The registry of the kinds' pure halves: the one list of what kinds there
 * are, in the order they are parsed, diffed and shown.  The kernel halves
 * have their own list (kinds_kernel.c) so that what links this one stays
 * off the kernel.
 */
#include <stdlib.h>
#include <string.h>

#include "core/nameidx.h"
#include "kind.h"

static const struct kind_ops *const kinds[KIND__COUNT] = {
	[KIND_MAP] = &kind_map_ops,
	[KIND_PROGRAM] = &kind_program_ops,
	[KIND_ITERATOR] = &kind_iterator_ops,
	[KIND_LINK] = &kind_link_ops,
};

const struct kind_ops *kind_ops_get(unsigned int k)
{
	return k < KIND__COUNT ? kinds[k] : NULL;
}

/* The operations table is the one place a kind's name is spelt. */
const char *kind_name(unsigned int k)
{
	const struct kind_ops *ops = kind_ops_get(k);

	return ops ? ops->name : "?";
}

static void *specs_of(const struct kind_ops *ops, const struct manifest *m)
{
	return *(void *const *)((const char *)m + ops->specs_off);
}

size_t kind_count(unsigned int k, const struct manifest *m)
{
	const struct kind_ops *ops = kind_ops_get(k);

	return ops && m ? *(const size_t *)((const char *)m + ops->count_off) : 0;
}

const char *kind_spec_name(unsigned int k, const struct manifest *m, size_t i)
{
	const struct kind_ops *ops = kind_ops_get(k);
	const char *spec = (const char *)specs_of(ops, m) + i * ops->spec_size;

	return *(char *const *)(spec + ops->name_off);
}

void kind_free_specs(unsigned int k, struct manifest *m)
{
	const struct kind_ops *ops = kind_ops_get(k);
	char *specs = specs_of(ops, m);
	size_t i, n = kind_count(k, m);

	for (i = 0; i < n; i++)
		ops->spec_clear(specs + i * ops->spec_size);
	free(specs);
	memset((char *)m + ops->specs_off, 0, sizeof(void *));
	memset((char *)m + ops->count_off, 0, sizeof(size_t));
}

/* Hashed once the manifest is loaded: a manifest of thousands of maps stays linear. */
int manifest_index(const struct manifest *m, unsigned int k, const char *name)
{
	const struct kind_ops *ops = kind_ops_get(k);

	if (!m || !ops || !name)
		return -1;
	return nameidx_find(m->names ? &m->names[k] : NULL, specs_of(ops, m), kind_count(k, m),
			    ops->spec_size, ops->name_off, name);
}
