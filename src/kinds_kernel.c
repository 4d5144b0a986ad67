// SPDX-License-Identifier: GPL-2.0-only
/* The registry of the kinds' kernel halves (see kinds.c for the pure ones). */
#include "kind.h"

static const struct kind_kernel_ops *const kinds[KIND__COUNT] = {
	[KIND_MAP] = &kind_map_kernel,
	[KIND_PROGRAM] = &kind_program_kernel,
	[KIND_ITERATOR] = &kind_iterator_kernel,
	[KIND_LINK] = &kind_link_kernel,
};

const struct kind_kernel_ops *kind_kernel_get(unsigned int k)
{
	return k < KIND__COUNT ? kinds[k] : NULL;
}
