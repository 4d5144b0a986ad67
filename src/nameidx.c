// SPDX-License-Identifier: GPL-2.0-only
/* Hashed name look-ups (see nameidx.h): open addressing, linear probing. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "nameidx.h"

static const char *name_at(const void *base, size_t stride, size_t off, size_t i)
{
	const char *const *p = (const void *)((const char *)base + i * stride + off);

	return *p;
}

static size_t slot_of(const struct nameidx *x, const char *name)
{
	return (size_t)XXH3_64bits(name, strlen(name)) & (x->cap - 1);
}

static int linear(const void *base, size_t n, size_t stride, size_t off, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *s = name_at(base, stride, off, i);

		if (s && !strcmp(s, name))
			return (int)i;
	}
	return -1;
}

/* Add element i unless an earlier element has its name (the first one wins, as linearly). */
static void insert(struct nameidx *x, const void *base, size_t stride, size_t off, size_t i)
{
	const char *name = name_at(base, stride, off, i);
	size_t s;

	if (!name)
		return;
	for (s = slot_of(x, name); x->slots[s]; s = (s + 1) & (x->cap - 1))
		if (!strcmp(name_at(base, stride, off, x->slots[s] - 1), name))
			return;
	x->slots[s] = (uint32_t)i + 1;
}

/* Room for n names at most half full; false if memory ran out (then: linear). */
static int reserve(struct nameidx *x, const void *base, size_t n, size_t stride, size_t off)
{
	size_t cap = x->cap ? x->cap : 64, i;
	uint32_t *slots;

	while (cap < 2 * n)
		cap *= 2;
	if (cap == x->cap)
		return 0;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	free(x->slots);
	x->slots = slots;
	x->cap = cap;
	for (i = 0; i < x->n; i++)
		insert(x, base, stride, off, i);
	return 0;
}

int nameidx_find(struct nameidx *x, const void *base, size_t n, size_t stride, size_t off,
		 const char *name)
{
	size_t s;

	if (!name || !n)
		return -1;
	if (!x || n < x->n || n > UINT32_MAX - 1)
		return linear(base, n, stride, off, name);
	if (n > x->n) {
		if (reserve(x, base, n, stride, off))
			return linear(base, n, stride, off, name);
		for (; x->n < n; x->n++)
			insert(x, base, stride, off, x->n);
	}
	for (s = slot_of(x, name); x->slots[s]; s = (s + 1) & (x->cap - 1))
		if (!strcmp(name_at(base, stride, off, x->slots[s] - 1), name))
			return (int)x->slots[s] - 1;
	return -1;
}

void nameidx_free(struct nameidx *x)
{
	if (!x)
		return;
	free(x->slots);
	memset(x, 0, sizeof(*x));
}
