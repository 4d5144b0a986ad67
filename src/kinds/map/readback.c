// SPDX-License-Identifier: GPL-2.0-only
/*
 * Maps, reading the entries back for the diff: the declared keys under
 * `merge`, the whole map under `exact`, nothing under `seed`.
 *
 * Two ways to read, chosen by cost (docs/design-notes.md, "Reading entries
 * back"): one BPF_MAP_LOOKUP_ELEM per declared key, or the whole map with
 * BPF_MAP_LOOKUP_BATCH into one buffer, which is then cut down to the
 * declared keys.  Either way the snapshot holds the same entries, so a plan
 * and its fingerprint do not depend on the way chosen.  Types without batch
 * ops, and kernels refusing them, are walked with get_next_key.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "live.h"
#include "kinds/map/map.h"
#include "core/maptypes.h"
#include "core/progress.h"

/* The kernel's "operation not supported" for batch ops on some types. */
#define ENOTSUPP_KERNEL 524
/*
 * One key looked up (~1.2 us) costs about as much as this many entries of
 * a batch read of a full map (~0.27 us each, with the copy and the sort);
 * measured on the development VM, docs/design-notes.md.  The live count is
 * not known, so the map is taken as full: with fewer than max_entries /
 * READ_KEY_COST declared keys, per-key lookups are cheaper.
 */
#define READ_KEY_COST 4u
/* Entries a batch read asks for at once when the map is large. */
#define BATCH_MAX_CHUNK (1u << 20)

/*
 * BPFAPPLY_READ_ENTRIES=keys|batch|walk forces one way of reading, for the
 * tests that check every way gives the same plan and for measuring the
 * crossover; unset, the cost rule chooses.
 */
static bool read_forced(const char *how)
{
	const char *env = getenv("BPFAPPLY_READ_ENTRIES");

	return env && !strcmp(env, how);
}

/* What the reader collects: keys and values packed, as the batch calls take them. */
struct kvbuf {
	uint8_t *keys, *vals;
	size_t n, cap;
	uint32_t ksz, vlen;
};

static int kvbuf_reserve(struct kvbuf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 16;
	uint8_t *k, *v;

	if (b->n + more <= b->cap)
		return 0;
	while (cap < b->n + more)
		cap *= 2;
	/* malloc, not calloc: a batch read sized for max_entries touches only what it fills */
	k = realloc(b->keys, cap * b->ksz);
	if (!k)
		return -ENOMEM;
	b->keys = k;
	v = realloc(b->vals, cap * (b->vlen ? b->vlen : 1));
	if (!v)
		return -ENOMEM;
	b->vals = v;
	b->cap = cap;
	return 0;
}

static int kvbuf_push(struct kvbuf *b, const void *key, const void *val)
{
	int err = kvbuf_reserve(b, 1);

	if (err)
		return err;
	memcpy(b->keys + b->n * b->ksz, key, b->ksz);
	memcpy(b->vals + b->n * b->vlen, val, b->vlen);
	b->n++;
	return 0;
}

/* Lookup of one key; absent keys are simply not recorded. */
static int read_key(int fd, struct kvbuf *b, const void *key, void *vbuf)
{
	if (bpf_map_lookup_elem(fd, key, vbuf))
		return errno == ENOENT ? 0 : -errno;
	return kvbuf_push(b, key, vbuf);
}

static int read_declared(const struct live_map *lm, const struct map_spec *ms, struct kvbuf *b)
{
	void *vbuf = malloc(b->vlen ? b->vlen : 1);
	size_t i;
	int err = 0;

	if (!vbuf)
		return -ENOMEM;
	if (ms->key_size != b->ksz)
		ms = NULL; /* the map will be replaced anyway */
	for (i = 0; ms && i < ms->n_entries && !err; i++) {
		progress("reading the live entries of", "map", lm->name, i, ms->n_entries);
		err = read_key(lm->fd, b, map_entry_key(ms, i), vbuf);
	}
	free(vbuf);
	return err;
}

static int read_walk(const struct live_map *lm, struct kvbuf *b)
{
	uint8_t *cur, *next, *vbuf;
	bool first = true;
	int err = 0;

	cur = calloc(2, b->ksz);
	vbuf = malloc(b->vlen ? b->vlen : 1);
	if (!cur || !vbuf) {
		free(cur);
		free(vbuf);
		return -ENOMEM;
	}
	next = cur + b->ksz;
	while (!err) {
		if (bpf_map_get_next_key(lm->fd, first ? NULL : cur, next)) {
			if (errno != ENOENT)
				err = -errno;
			break;
		}
		err = read_key(lm->fd, b, next, vbuf);
		progress("reading the live entries of", "map", lm->name, b->n, 0);
		memcpy(cur, next, b->ksz);
		first = false;
	}
	free(cur);
	free(vbuf);
	return err;
}

/*
 * BPF_MAP_LOOKUP_BATCH straight into the buffer, as much as it has room
 * for at a time (room for max_entries first, so usually one call).
 * -EOPNOTSUPP when the type or the kernel has no batch lookup.
 */
static int read_batch(const struct live_map *lm, struct kvbuf *b)
{
	uint32_t tsz = b->ksz > 8 ? b->ksz : 8, count; /* the token: a bucket, or a key */
	size_t want = lm->info.max_entries ? lm->info.max_entries : 1;
	uint8_t *token = calloc(2, tsz);
	bool first = true;
	int err = 0;

	if (!token)
		return -ENOMEM;
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		err = kvbuf_reserve(b, want < BATCH_MAX_CHUNK ? want : BATCH_MAX_CHUNK);
		if (err)
			break;
		count = (uint32_t)(b->cap - b->n < UINT32_MAX ? b->cap - b->n : UINT32_MAX);
		if (bpf_map_lookup_batch(lm->fd, first ? NULL : token, token + tsz,
					 b->keys + b->n * b->ksz, b->vals + b->n * b->vlen, &count,
					 &opts))
			err = -errno;
		if (err == -ENOSPC && count == 0) {
			want = (b->cap - b->n) * 4; /* a hash bucket holds more than the room left */
			continue;
		}
		if (err && err != -ENOENT)
			break;
		b->n += count;
		progress("reading the live entries of", "map", lm->name, b->n, 0);
		if (err == -ENOENT) {
			err = 0;
			break;
		}
		memcpy(token, token + tsz, tsz);
		first = false;
		want = 4096; /* the rest: what did not fit (a bucket, or more than max_entries) */
	}
	free(token);
	if (first && (err == -EINVAL || err == -ENOTSUPP_KERNEL || err == -EOPNOTSUPP))
		return -EOPNOTSUPP;
	return err;
}

/* Every key of the map, by exact key (never by lookup: an lpm_trie matches prefixes). */
static int read_all(const struct live_map *lm, struct kvbuf *b)
{
	const struct maptype *mt = maptype_by_type(lm->info.type);
	int err;

	if (mt && (mt->caps & MT_BATCH) && !read_forced("walk")) {
		err = read_batch(lm, b);
		if (err != -EOPNOTSUPP)
			return err;
		b->n = 0;
	}
	return read_walk(lm, b);
}

/*
 * A whole-map read under merge is cut down to the declared keys (one walk
 * of both sides in key order), so that the snapshot is what per-key
 * lookups would have found.  order becomes the kept indices, in key order.
 */
static int keep_declared(const struct map_spec *ms, const struct kvbuf *b, size_t *order,
			 size_t *n_kept)
{
	size_t *sorted = map_entries_by_key(ms), i = 0, j = 0, n = 0;

	if (!sorted)
		return -ENOMEM;
	while (i < ms->n_entries && j < b->n) {
		struct bytes live = { .data = b->keys + order[j] * b->ksz, .len = b->ksz };
		struct bytes decl = { .data = (uint8_t *)map_entry_key(ms, sorted[i]),
				      .len = ms->key_size };
		int c = bytes_cmp(&decl, &live);

		if (c <= 0)
			i++;
		if (c >= 0) {
			if (!c)
				order[n++] = order[j];
			j++;
		}
	}
	free(sorted);
	*n_kept = n;
	return 0;
}

/*
 * The snapshot: the n entries pick selects (in key order), copied into two
 * buffers of their own in that order, which the live map owns and kvs
 * point into.  Key order, not the kernel's: the diff's merge then reads the
 * live side front to back, and a plan lists removals the same way for two
 * maps that hold the same entries (a hash map's order depends on its seed).
 */
static int publish(struct live_map *lm, const struct kvbuf *b, size_t *pick, size_t n)
{
	uint8_t *keys = malloc(n * b->ksz + 1), *vals = malloc(n * b->vlen + 1);
	size_t i;

	lm->kvs = malloc((n ? n : 1) * sizeof(*lm->kvs));
	if (!keys || !vals || !lm->kvs) {
		free(keys);
		free(vals);
		return -ENOMEM; /* lm->kvs is freed with the snapshot */
	}
	for (i = 0; i < n; i++) {
		memcpy(keys + i * b->ksz, b->keys + pick[i] * b->ksz, b->ksz);
		memcpy(vals + i * b->vlen, b->vals + pick[i] * b->vlen, b->vlen);
		lm->kvs[i].key.data = keys + i * b->ksz;
		lm->kvs[i].key.len = b->ksz;
		lm->kvs[i].value.data = vals + i * b->vlen;
		lm->kvs[i].value.len = b->vlen;
		pick[i] = i;
	}
	lm->n_kvs = lm->cap_kvs = n;
	lm->by_key = pick;
	lm->key_arena = keys;
	lm->val_arena = vals;
	return 0;
}

/* Whole map or declared keys: the cheaper, when both would do. */
static bool read_whole(const struct live_map *lm, const struct map_spec *ms)
{
	const struct maptype *mt = maptype_by_type(lm->info.type);

	/* a lookup in an lpm_trie is a longest-prefix match: a covering prefix
	 * would answer for a declared key that is absent, so walk its keys */
	if (ms->policy == POLICY_EXACT || lm->info.type == BPF_MAP_TYPE_LPM_TRIE)
		return true;
	if (read_forced("keys"))
		return false;
	if (read_forced("batch") || read_forced("walk"))
		return true;
	if (!mt || !(mt->caps & MT_BATCH))
		return false; /* a walk costs two syscalls a live key */
	return (uint64_t)ms->n_entries * READ_KEY_COST >= lm->info.max_entries;
}

/* seed maps are never read back, except to rewire their {map:} and {program:} slots. */
static bool has_map_values(const struct map_spec *ms)
{
	return ms->n_refs > 0;
}

static bool wants_contents(const struct live_map *lm, const struct map_spec *ms)
{
	const struct maptype *mt = maptype_by_type(lm->info.type);

	if (!ms || !ms->has_entries || (ms->policy == POLICY_SEED && !has_map_values(ms)))
		return false;
	if (!mt || !(mt->caps & MT_ENTRIES) || lm->info.key_size == 0)
		return false;
	/* the kernel does not report wronly: the spec says the map cannot be read */
	return !(ms->flags & BPF_F_WRONLY);
}

static int read_into(struct live_map *lm, const struct map_spec *ms, struct kvbuf *b,
		     size_t **order)
{
	bool whole = read_whole(lm, ms);
	size_t i, n;
	int err;

	err = whole ? read_all(lm, b) : read_declared(lm, ms, b);
	for (i = 0; !err && lm->info.type == BPF_MAP_TYPE_LPM_TRIE && i < b->n; i++)
		lpm_key_canonicalise(b->keys + i * b->ksz, b->ksz); /* as the diff compares */
	if (!err)
		err = keys_sort(b->keys, b->n, b->ksz, b->ksz, order);
	if (err)
		return err;
	n = b->n;
	if (whole && !lm->full_dump && (err = keep_declared(ms, b, *order, &n)))
		return err;
	return publish(lm, b, *order, n);
}

int map_read_contents(struct live *lv, struct live_map *lm, const struct map_spec *ms)
{
	struct kvbuf b = { 0 };
	size_t *order = NULL;
	int err;

	if (!wants_contents(lm, ms))
		return 0;
	b.ksz = lm->info.key_size;
	b.vlen = live_value_buf_size(lm->info.type, lm->info.value_size, lv->ncpus);
	lm->full_dump = ms->policy == POLICY_EXACT;
	err = read_into(lm, ms, &b, &order);
	free(b.keys);
	free(b.vals);
	if (err)
		free(order);
	if (err == -EPERM) {
		/* created wronly by an earlier spec: it will be replaced, not compared */
		lm->full_dump = false;
		return 0;
	}
	if (!err)
		lm->contents_read = true;
	return err;
}
