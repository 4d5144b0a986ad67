// SPDX-License-Identifier: GPL-2.0-only
/*
 * Maps, live half: open the pins under ROOT/SCOPE/maps/, read their
 * attributes back with bpf_obj_get_info_by_fd, and read the entries the diff
 * needs: the declared keys under `merge`, the whole map under `exact`,
 * nothing under `seed`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kinds/map/map.h"
#include "live.h"
#include "core/maptypes.h"
#include "core/fingerprint.h"
#include "core/nameidx.h"
#include "core/paths.h"
#include "core/progress.h"

static void live_map_clear_kvs(struct live_map *lm)
{
	size_t j;

	for (j = 0; j < lm->n_kvs; j++) {
		bytes_free(&lm->kvs[j].key);
		bytes_free(&lm->kvs[j].value);
	}
	lm->n_kvs = 0;
}

static int kv_push(struct live_map *lm, const void *key, uint32_t klen, const void *val,
		   uint32_t vlen)
{
	struct live_kv *kvs, *kv;

	if (lm->n_kvs == lm->cap_kvs) {
		size_t cap = lm->cap_kvs ? lm->cap_kvs * 2 : 16;

		kvs = realloc(lm->kvs, cap * sizeof(*kvs));
		if (!kvs)
			return -ENOMEM;
		lm->kvs = kvs;
		lm->cap_kvs = cap;
	}
	kv = &lm->kvs[lm->n_kvs];
	memset(kv, 0, sizeof(*kv));
	if (bytes_dup(&kv->key, key, klen) || bytes_dup(&kv->value, val, vlen)) {
		bytes_free(&kv->key);
		bytes_free(&kv->value);
		return -ENOMEM;
	}
	lm->n_kvs++;
	return 0;
}

/* A key as the diff compares it: lpm_trie keys without bits past their prefix. */
static int kv_push_key(struct live_map *lm, const void *key, const void *val, uint32_t vlen)
{
	uint32_t ksz = lm->info.key_size;
	uint8_t canon[4 + 256]; /* the kernel's largest lpm_trie key */

	if (lm->info.type != BPF_MAP_TYPE_LPM_TRIE || ksz > sizeof(canon))
		return kv_push(lm, key, ksz, val, vlen);
	memcpy(canon, key, ksz);
	lpm_key_canonicalise(canon, ksz);
	return kv_push(lm, canon, ksz, val, vlen);
}

/* Lookup of one key; absent keys are simply not recorded. */
static int read_key(struct live_map *lm, const void *key, void *vbuf, uint32_t vlen)
{
	if (bpf_map_lookup_elem(lm->fd, key, vbuf)) {
		if (errno == ENOENT)
			return 0;
		return -errno;
	}
	return kv_push_key(lm, key, vbuf, vlen);
}

static int read_declared(struct live_map *lm, const struct map_spec *ms, void *vbuf,
			 uint32_t vlen)
{
	size_t i;
	int err;

	for (i = 0; i < ms->n_entries; i++) {
		progress("reading the live entries of", "map", lm->name, i, ms->n_entries);
		if (ms->key_size != lm->info.key_size)
			return 0; /* the map will be replaced anyway */
		err = read_key(lm, map_entry_key(ms, i), vbuf, vlen);
		if (err)
			return err;
	}
	return 0;
}

static int read_walk(struct live_map *lm, void *vbuf, uint32_t vlen)
{
	uint32_t ksz = lm->info.key_size;
	char *cur, *next;
	bool first = true;
	int err = 0;

	cur = calloc(2, ksz);
	if (!cur)
		return -ENOMEM;
	next = cur + ksz;
	for (;;) {
		if (bpf_map_get_next_key(lm->fd, first ? NULL : cur, next)) {
			if (errno != ENOENT)
				err = -errno;
			break;
		}
		err = read_key(lm, next, vbuf, vlen);
		if (err)
			break;
		progress("reading the live entries of", "map", lm->name, lm->n_kvs, 0);
		memcpy(cur, next, ksz);
		first = false;
	}
	free(cur);
	return err;
}

#define BATCH_CHUNK 256u
/* The kernel's "operation not supported" for batch ops on some types. */
#define ENOTSUPP_KERNEL 524

/*
 * One BPF_MAP_LOOKUP_BATCH call per chunk instead of two syscalls a key.
 * -EOPNOTSUPP when the type (or kernel) has no batch lookup: walk instead.
 */
static int read_batch(struct live_map *lm, uint32_t vlen)
{
	uint32_t ksz = lm->info.key_size, chunk = BATCH_CHUNK, count, i;
	uint8_t *keys = NULL, *vals = NULL, token[2][8] = { { 0 } };
	bool first = true, done = false;
	int err = 0;

	while (!done && !err) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		if (!keys && (!(keys = calloc(chunk, ksz ? ksz : 1)) ||
			      !(vals = calloc(chunk, vlen ? vlen : 1)))) {
			err = -ENOMEM;
			break;
		}
		count = chunk;
		if (bpf_map_lookup_batch(lm->fd, first ? NULL : token[0], token[1], keys, vals,
					 &count, &opts)) {
			err = -errno;
			if (err == -ENOSPC && chunk < (1u << 20)) {
				/* a hash bucket holds more than a chunk: retry it larger */
				chunk *= 4;
				free(keys);
				free(vals);
				keys = vals = NULL;
				err = 0;
				continue;
			}
			if (err != -ENOENT)
				break;
			err = 0;
			done = true;
		}
		for (i = 0; i < count && !err; i++)
			err = kv_push_key(lm, keys + (size_t)i * ksz, vals + (size_t)i * vlen, vlen);
		memcpy(token[0], token[1], sizeof(token[0]));
		first = false;
	}
	free(keys);
	free(vals);
	if (err == -EINVAL || err == -ENOTSUPP_KERNEL || err == -EOPNOTSUPP)
		return first ? -EOPNOTSUPP : err;
	return err;
}

/* Every key of the map, by exact key (never by lookup: an lpm_trie matches prefixes). */
static int read_all(struct live_map *lm, void *vbuf, uint32_t vlen)
{
	const struct maptype *mt = maptype_by_type(lm->info.type);
	int err;

	if (mt && (mt->caps & MT_BATCH) && lm->info.key_size <= 8) {
		err = read_batch(lm, vlen);
		if (err != -EOPNOTSUPP)
			return err;
	}
	return read_walk(lm, vbuf, vlen);
}

/* seed maps are never read back, except to rewire their {map:} and {program:} slots. */
static bool has_map_values(const struct map_spec *ms)
{
	return ms->n_refs > 0;
}

static int cmp_kv_index(const void *a, const void *b, void *ctx)
{
	const struct live_map *lm = ctx;

	return bytes_cmp(&lm->kvs[*(const size_t *)a].key, &lm->kvs[*(const size_t *)b].key);
}

/* The diff looks up every declared key: sort once, search in log time. */
static int index_by_key(struct live_map *lm)
{
	size_t i;

	lm->by_key = malloc((lm->n_kvs ? lm->n_kvs : 1) * sizeof(*lm->by_key));
	if (!lm->by_key)
		return -ENOMEM;
	for (i = 0; i < lm->n_kvs; i++)
		lm->by_key[i] = i;
	qsort_r(lm->by_key, lm->n_kvs, sizeof(*lm->by_key), cmp_kv_index, lm);
	return 0;
}

static int read_contents(struct live *lv, struct live_map *lm, const struct map_spec *ms)
{
	const struct maptype *mt = maptype_by_type(lm->info.type);
	uint32_t vlen;
	void *vbuf;
	int err;

	if (!ms || !ms->has_entries || (ms->policy == POLICY_SEED && !has_map_values(ms)))
		return 0;
	if (!mt || !(mt->caps & MT_ENTRIES) || lm->info.key_size == 0)
		return 0;
	/* the kernel does not report wronly: the spec says the map cannot be read */
	if (ms->flags & BPF_F_WRONLY)
		return 0;
	vlen = live_value_buf_size(lm->info.type, lm->info.value_size, lv->ncpus);
	vbuf = calloc(1, vlen ? vlen : 1);
	if (!vbuf)
		return -ENOMEM;
	lm->full_dump = ms->policy == POLICY_EXACT;
	/* a lookup in an lpm_trie is a longest-prefix match: a covering prefix
	 * would answer for a declared key that is absent, so walk its keys */
	if (lm->full_dump || lm->info.type == BPF_MAP_TYPE_LPM_TRIE)
		err = read_all(lm, vbuf, vlen);
	else
		err = read_declared(lm, ms, vbuf, vlen);
	free(vbuf);
	if (err == -EPERM) {
		/* created wronly by an earlier spec: it will be replaced, not compared */
		live_map_clear_kvs(lm);
		lm->full_dump = false;
		return 0;
	}
	if (!err)
		err = index_by_key(lm);
	if (err)
		return err;
	lm->contents_read = true;
	return 0;
}

static struct live_map *add_map(struct live *lv, const char *name)
{
	struct live_map *maps, *lm;

	lm = live_find_map(lv, name);
	if (lm)
		return lm;
	if (!lv->map_names)
		lv->map_names = calloc(1, sizeof(*lv->map_names)); /* NULL: linear look-ups */
	maps = realloc(lv->maps, (lv->n_maps + 1) * sizeof(*maps));
	if (!maps)
		return NULL;
	lv->maps = maps;
	lm = &maps[lv->n_maps];
	memset(lm, 0, sizeof(*lm));
	lm->fd = -1;
	lm->name = strdup(name);
	lm->pin = path_join3(lv->scope_dir, "maps", name);
	if (!lm->name || !lm->pin) {
		free(lm->name);
		free(lm->pin);
		return NULL;
	}
	lv->n_maps++;
	return lm;
}

static int open_map(struct live *lv, struct live_map *lm, const struct map_spec *ms)
{
	int fd, kind, err;

	if (!lv->root_on_bpffs)
		return 0;
	fd = live_pin_open(lm->pin);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	kind = live_pin_kind(fd, lm->pin);
	if (kind < 0) {
		close(fd);
		return kind;
	}
	if (kind != BPF_FD_MAP || live_map_info(fd, &lm->info)) {
		/* a program or link pinned where a map belongs: `show` names its id */
		lm->other_id = live_fd_id(fd);
		close(fd);
		lm->pin_state = PIN_OTHER;
		return 0;
	}
	lm->fd = fd;
	lm->pin_state = PIN_MAP;
	err = live_fd_frozen(fd, &lm->frozen);
	if (err) {
		err_msg("map '%s': cannot read /proc/self/fdinfo/%d: %s (bpfapply needs /proc to "
			"see whether a map is frozen)", lm->name, fd, strerror(-err));
		return err;
	}
	err = read_contents(lv, lm, ms);
	if (err)
		err_msg("map '%s': cannot read entries: %s", lm->name, strerror(-err));
	return err;
}

int live_map_walk(int fd, uint32_t key_size, uint32_t vlen, live_kv_fn fn, void *ctx)
{
	uint8_t *cur, *next, *val;
	bool first = true;
	int err = 0;

	cur = calloc(2, key_size ? key_size : 1);
	val = calloc(1, vlen ? vlen : 1);
	if (!cur || !val) {
		err = -ENOMEM;
		goto out;
	}
	next = cur + key_size;
	while (!err) {
		if (bpf_map_get_next_key(fd, first ? NULL : cur, next)) {
			err = errno == ENOENT ? 0 : -errno;
			break;
		}
		first = false;
		memcpy(cur, next, key_size);
		if (bpf_map_lookup_elem(fd, cur, val)) {
			if (errno == EPERM)
				err = -EPERM; /* created wronly: user space cannot read it */
			continue; /* else gone meanwhile, or an empty slot */
		}
		err = fn(ctx, cur, val);
	}
out:
	free(cur);
	free(val);
	return err;
}

struct live_map *live_find_map(const struct live *lv, const char *name)
{
	int i = nameidx_find(lv->map_names, lv->maps, lv->n_maps, sizeof(*lv->maps),
			     offsetof(struct live_map, name), name);

	return i < 0 ? NULL : &lv->maps[i];
}

const struct bytes *live_map_value(const struct live_map *lm, const struct bytes *key)
{
	size_t lo = 0, hi = lm->n_kvs, i;

	if (!lm->by_key) {
		/* snapshots built by hand (unit tests) have no index */
		for (i = 0; i < lm->n_kvs; i++)
			if (bytes_eq(&lm->kvs[i].key, key))
				return &lm->kvs[i].value;
		return NULL;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct live_kv *kv = &lm->kvs[lm->by_key[mid]];
		int c = bytes_cmp(&kv->key, key);

		if (!c)
			return &kv->value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Every map the manifest declares, then those only the state record names. */
int live_read_maps(struct live *lv, const struct manifest *m)
{
	size_t i;
	int err;

	for (i = 0; m && i < m->n_maps; i++) {
		struct live_map *lm = add_map(lv, m->maps[i].name);

		progress("reading the live state of", "map", m->maps[i].name, i, m->n_maps);
		if (!lm)
			return -ENOMEM;
		err = open_map(lv, lm, &m->maps[i]);
		if (err)
			return err;
	}
	for (i = 0; i < lv->state.n; i++) {
		const struct state_res *r = &lv->state.res[i];
		struct live_map *lm;

		if (r->kind != KIND_MAP || live_find_map(lv, r->name))
			continue;
		lm = add_map(lv, r->name);
		if (!lm)
			return -ENOMEM;
		err = open_map(lv, lm, NULL);
		if (err)
			return err;
	}
	return 0;
}

void live_free_maps(struct live *lv)
{
	size_t i;

	for (i = 0; i < lv->n_maps; i++) {
		struct live_map *lm = &lv->maps[i];

		if (lm->fd >= 0)
			close(lm->fd);
		live_map_clear_kvs(lm);
		free(lm->kvs);
		free(lm->by_key);
		free(lm->name);
		free(lm->pin);
	}
	free(lv->maps);
	nameidx_free(lv->map_names);
	free(lv->map_names);
}

void map_fingerprint_live(struct fp *f, const struct live *lv)
{
	size_t i, k;

	for (i = 0; i < lv->n_maps; i++) {
		const struct live_map *lm = &lv->maps[i];

		fp_str(f, lm->name);
		fp_u32(f, lm->pin_state);
		fp_u32(f, lm->info.id);
		fp_u32(f, lm->frozen);
		fp_u32(f, lm->contents_read);
		fp_u64(f, lm->n_kvs);
		for (k = 0; k < lm->n_kvs; k++) {
			fp_bytes(f, lm->kvs[k].key.data, lm->kvs[k].key.len);
			fp_bytes(f, lm->kvs[k].value.data, lm->kvs[k].value.len);
		}
	}
}
