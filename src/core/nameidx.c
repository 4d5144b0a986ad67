// SPDX-License-Identifier: GPL-2.0-only
/* Hashed name look-ups (see nameidx.h): open addressing, linear probing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "core/nameidx.h"

static const char *name_at(const void *base, size_t stride, size_t off, size_t i)
{
	const char *const *p = (const void *)((const char *)base + i * stride + off);

	return *p;
}

static size_t slot_of(const struct nameidx *x, const char *name)
{
	return (size_t)XXH3_64bits(name, strlen(name)) & (x->cap - 1);
}

struct query {
	const void *base;
	size_t stride, off;
	const char *name;
	bool (*match)(const void *elem, const void *arg);
	const void *arg;
};

static bool hit(const struct query *q, size_t i)
{
	const char *s = name_at(q->base, q->stride, q->off, i);

	return s && !strcmp(s, q->name) &&
	       (!q->match || q->match((const char *)q->base + i * q->stride, q->arg));
}

static int linear(const struct query *q, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (hit(q, i))
			return (int)i;
	return -1;
}

/* Every named element goes in (names may repeat across kinds); a look-up takes the lowest hit. */
static void insert(struct nameidx *x, const void *base, size_t stride, size_t off, size_t i)
{
	const char *name = name_at(base, stride, off, i);
	size_t s;

	if (!name)
		return;
	for (s = slot_of(x, name); x->slots[s]; s = (s + 1) & (x->cap - 1))
		;
	x->slots[s] = (uint32_t)i + 1;
}

/* Room for n names at most half full; -1 if memory ran out (then: linear). */
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

int nameidx_find_if(struct nameidx *x, const void *base, size_t n, size_t stride, size_t off,
		    const char *name, bool (*match)(const void *elem, const void *arg),
		    const void *arg)
{
	const struct query q = { base, stride, off, name, match, arg };
	size_t s, best = SIZE_MAX;

	if (!name || !n)
		return -1;
	if (!x || n < x->n || n > UINT32_MAX - 1)
		return linear(&q, n);
	if (n > x->n) {
		if (reserve(x, base, n, stride, off))
			return linear(&q, n);
		for (; x->n < n; x->n++)
			insert(x, base, stride, off, x->n);
	}
	for (s = slot_of(x, name); x->slots[s]; s = (s + 1) & (x->cap - 1))
		if (x->slots[s] - 1 < best && hit(&q, x->slots[s] - 1))
			best = x->slots[s] - 1;
	return best == SIZE_MAX ? -1 : (int)best;
}

int nameidx_find(struct nameidx *x, const void *base, size_t n, size_t stride, size_t off,
		 const char *name)
{
	return nameidx_find_if(x, base, n, stride, off, name, NULL, NULL);
}

void nameidx_free(struct nameidx *x)
{
	if (!x)
		return;
	free(x->slots);
	memset(x, 0, sizeof(*x));
}
