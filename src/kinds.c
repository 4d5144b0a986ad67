// SPDX-License-Identifier: GPL-2.0-only
/*
 * The registry of the kinds' pure halves: the one list of what kinds there
 * are, in the order they are parsed, diffed and shown.  The kernel halves
 * have their own list (kinds_kernel.c) so that what links this one stays
 * off the kernel.
 */
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
