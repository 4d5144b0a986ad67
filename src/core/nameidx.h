/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Name -> index look-ups over an array of structs that each hold a name
 * (maps, programs, iterators): a hash table kept beside the array, so that
 * a manifest of thousands of resources is not searched linearly for each.
 */
#ifndef BPFAPPLY_NAMEIDX_H
#define BPFAPPLY_NAMEIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nameidx {
	uint32_t *slots; /* element index + 1; 0 = empty */
	size_t cap;      /* a power of two, or 0 */
	size_t n;        /* the array's first n elements are in the table */
};

/*
 * The first element of base[0..n) (stride bytes each, a `char *` name at
 * byte offset off) named name, or -1.  Elements appended since the last
 * call are added first; x == NULL (or an array that shrank) searches
 * linearly.  The table is an accelerator only, never the truth.
 */
int nameidx_find(struct nameidx *x, const void *base, size_t n, size_t stride, size_t off,
		 const char *name);
/*
 * The same, of the elements for which match(element, arg) is also true
 * (e.g. of one kind).  An array that is reordered must nameidx_free() its
 * table: the table keeps element indexes.
 */
int nameidx_find_if(struct nameidx *x, const void *base, size_t n, size_t stride, size_t off,
		    const char *name, bool (*match)(const void *elem, const void *arg),
		    const void *arg);
void nameidx_free(struct nameidx *x);

#endif
