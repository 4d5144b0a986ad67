// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state record as a value in memory: look-ups, insertions, removals,
 * copies.  Its encoding is state.c, its pin on bpffs state_io.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/nameidx.h"
#include "core/state.h"

void state_res_free(struct state_res *r)
{
	state_res_clear_subs(r);
	free(r->name);
	r->name = NULL;
}

void state_free(struct state *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		state_res_free(&s->res[i]);
	free(s->res);
	free(s->scope);
	free(s->tool_version);
	nameidx_free(s->names);
	free(s->names);
	memset(s, 0, sizeof(*s));
}

static bool res_of_kind(const void *elem, const void *arg)
{
	return ((const struct state_res *)elem)->kind == *(const uint8_t *)arg;
}

struct state_res *state_find(const struct state *s, uint8_t kind, const char *name)
{
	int i = nameidx_find_if(s->names, s->res, s->n, sizeof(*s->res),
				offsetof(struct state_res, name), name, res_of_kind, &kind);

	return i < 0 ? NULL : &s->res[i];
}

/* The pointer returned is valid until the next upsert or remove on s. */
struct state_res *state_upsert(struct state *s, uint8_t kind, const char *name)
{
	struct state_res *r, *res;
	char *dup;

	if (!name) {
		errno = EINVAL;
		return NULL;
	}
	r = state_find(s, kind, name);
	if (r)
		return r;
	if (!s->names)
		s->names = calloc(1, sizeof(*s->names)); /* NULL is fine: state_find searches */
	dup = strdup(name);
	if (!dup)
		return NULL;
	res = realloc(s->res, (s->n + 1) * sizeof(*res));
	if (!res) {
		free(dup);
		errno = ENOMEM;
		return NULL;
	}
	s->res = res;
	r = &s->res[s->n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->name = dup;
	return r;
}

void state_remove(struct state *s, uint8_t kind, const char *name)
{
	struct state_res *r = state_find(s, kind, name);
	size_t at;

	if (!r)
		return;
	at = r - s->res;
	state_res_free(r);
	/* memmove, not swap with the last: records keep their insertion order. */
	memmove(r, r + 1, (s->n - at - 1) * sizeof(*r));
	s->n--;
	nameidx_free(s->names); /* it holds indexes of the old order */
	if (!s->n) {
		free(s->res);
		s->res = NULL;
	}
}

int state_res_add_sub(struct state_res *r, uint8_t kind, const char *name, uint32_t id)
{
	struct state_sub *subs;
	char *dup;

	if (!name)
		return -EINVAL;
	dup = strdup(name);
	if (!dup)
		return -ENOMEM;
	subs = realloc(r->subs, (r->n_subs + 1) * sizeof(*subs));
	if (!subs) {
		free(dup);
		return -ENOMEM;
	}
	r->subs = subs;
	r->subs[r->n_subs].kind = kind;
	r->subs[r->n_subs].name = dup;
	r->subs[r->n_subs].id = id;
	r->n_subs++;
	return 0;
}

void state_res_clear_subs(struct state_res *r)
{
	size_t i;

	for (i = 0; i < r->n_subs; i++)
		free(r->subs[i].name);
	free(r->subs);
	r->subs = NULL;
	r->n_subs = 0;
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

static int copy_res(struct state_res *dst, const struct state_res *src)
{
	size_t i;
	int err;

	*dst = *src;
	dst->subs = NULL;
	dst->n_subs = 0;
	err = dup_str(&dst->name, src->name);
	for (i = 0; !err && i < src->n_subs; i++)
		err = state_res_add_sub(dst, src->subs[i].kind, src->subs[i].name,
					src->subs[i].id);
	if (err)
		state_res_free(dst);
	return err;
}

int state_res_copy_subs(struct state_res *dst, const struct state_res *src)
{
	size_t i;
	int err;

	state_res_clear_subs(dst);
	for (i = 0; i < src->n_subs; i++) {
		err = state_res_add_sub(dst, src->subs[i].kind, src->subs[i].name, src->subs[i].id);
		if (err)
			return err;
	}
	return 0;
}

/* dst is overwritten, not freed first; on failure it is left empty. */
int state_copy(struct state *dst, const struct state *src)
{
	struct state_res *res = NULL;
	size_t i;
	int err;

	memset(dst, 0, sizeof(*dst));
	dst->serial = src->serial;
	dst->updated_at = src->updated_at;
	dst->pending = src->pending;
	err = dup_str(&dst->scope, src->scope) ?: dup_str(&dst->tool_version, src->tool_version);
	if (err)
		goto free_dst;
	if (src->n) {
		res = calloc(src->n, sizeof(*res));
		if (!res) {
			err = -ENOMEM;
			goto free_dst;
		}
	}
	dst->res = res;
	for (i = 0; i < src->n; i++) {
		err = copy_res(&dst->res[i], &src->res[i]);
		if (err)
			goto free_dst;
		dst->n++;
	}
	return 0;
free_dst:
	state_free(dst);
	return err;
}
