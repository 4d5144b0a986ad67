// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live reader: the only stage that looks at the kernel.  It opens the pins
 * of one scope, reads their attributes back with bpf_obj_get_info_by_fd,
 * and reads the entries the diff needs: the declared keys under `merge`,
 * the whole map under `exact`, nothing under `seed`.
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

#include "live.h"
#include "kinds/map/maptypes.h"
#include "core/nameidx.h"
#include "core/paths.h"
#include "core/progress.h"

enum bpf_fd_kind live_fd_kind(int fd)
{
	char path[64], name[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, name, sizeof(name) - 1);
	if (n < 0)
		return BPF_FD_UNKNOWN;
	name[n] = '\0';
	if (!strcmp(name, "anon_inode:bpf-map"))
		return BPF_FD_MAP;
	if (!strcmp(name, "anon_inode:bpf-prog"))
		return BPF_FD_PROG;
	/* links are "bpf_link" when created, "bpf-link" when reopened from a pin */
	if (!strcmp(name, "anon_inode:bpf_link") || !strcmp(name, "anon_inode:bpf-link"))
		return BPF_FD_LINK;
	return BPF_FD_OTHER;
}

/* The id of whatever bpf object fd is (map, program or link), 0 if none. */
uint32_t live_fd_id(int fd)
{
	struct bpf_map_info mi;
	struct bpf_prog_info pi;
	struct bpf_link_info li;

	switch (live_fd_kind(fd)) {
	case BPF_FD_MAP:
		return live_map_info(fd, &mi) ? 0 : mi.id;
	case BPF_FD_PROG:
		return live_prog_info(fd, &pi) ? 0 : pi.id;
	case BPF_FD_LINK:
		return live_link_info(fd, &li) ? 0 : li.id;
	default:
		return 0;
	}
}

int live_map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		return -errno;
	return 0;
}

int live_prog_info(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		return -errno;
	return 0;
}

int live_link_info(int fd, struct bpf_link_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		return -errno;
	return 0;
}

int live_pin_open(const char *path)
{
	int fd = bpf_obj_get(path);

	if (fd >= 0)
		return fd;
	fd = -errno;
	if (fd != -ENOENT)
		err_msg("cannot open the pin %s: %s%s", path, strerror(-fd),
			fd == -EACCES || fd == -EPERM
				? " (bpfapply cannot tell what is pinned there, so it plans nothing)"
				: "");
	return fd;
}

int live_pin_kind(int fd, const char *path)
{
	enum bpf_fd_kind k = live_fd_kind(fd);
	int err = -errno;

	if (k != BPF_FD_UNKNOWN)
		return k;
	err_msg("cannot tell what %s holds: /proc/self/fd/%d cannot be read: %s "
		"(bpfapply needs /proc to tell a map from a program or a link)",
		path, fd, strerror(-err));
	return err;
}

/* The kernel exposes "frozen" only in fdinfo; a kernel without the line has no freezing. */
int live_fd_frozen(int fd, bool *frozen)
{
	char path[64], line[256];
	FILE *f;

	*frozen = false;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "frozen:", 7)) {
			*frozen = atoi(line + 7) != 0;
			break;
		}
	}
	fclose(f);
	return 0;
}

uint32_t live_value_buf_size(uint32_t type, uint32_t value_size, int ncpus)
{
	const struct maptype *mt = maptype_by_type(type);

	if (mt && (mt->caps & MT_PERCPU))
		return ((value_size + 7) & ~7u) * (uint32_t)ncpus;
	return value_size;
}

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
		if (ms->entries[i].key.len != lm->info.key_size)
			continue; /* the map will be replaced anyway */
		err = read_key(lm, ms->entries[i].key.data, vbuf, vlen);
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

		if (!keys && (!(keys = calloc(chunk, ksz)) || !(vals = calloc(chunk, vlen)))) {
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
	size_t i;

	for (i = 0; i < ms->n_entries; i++)
		if (ms->entries[i].vkind != VAL_BYTES)
			return true;
	return false;
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

/* Names from the record become paths: they must be what bpfapply writes. */
static bool state_names_ok(const struct state *s)
{
	size_t i, k;

	for (i = 0; i < s->n; i++) {
		if (!valid_resource_name(s->res[i].name))
			return false;
		for (k = 0; k < s->res[i].n_subs; k++) {
			const char *n = s->res[i].subs[k].name;

			if (!n[0] || strchr(n, '/') || !strcmp(n, ".") || !strcmp(n, ".."))
				return false;
		}
	}
	return true;
}

static void state_read_error(const char *path, int err)
{
	if (err == -EPROTO)
		err_msg("cannot read the state record %s: written by a newer bpfapply", path);
	else if (err == -EINVAL)
		err_msg("%s holds a BPF object that is not a bpfapply state record (pinned there by "
			"someone else?); bpfapply will neither use nor replace it: move it away",
			path);
	else
		err_msg("cannot read the state record %s: %s", path, strerror(-err));
}

static int read_state(struct live *lv, const char *scope)
{
	char *path = path_join(lv->scope_dir, "state");
	int err;

	if (!path)
		return -ENOMEM;
	err = lv->root_on_bpffs ? state_read(path, &lv->state, &lv->state_map_id) : -ENOENT;
	if (!err && !state_names_ok(&lv->state)) {
		err_msg("the state record %s names something that is not a resource; "
			"refusing to use it", path);
		err = -EINVAL;
	} else if (!err && (!lv->state.scope || strcmp(lv->state.scope, scope))) {
		/* a record moved or linked here from another scope owns nothing here */
		err_msg("the state record %s belongs to scope %s, not %s; refusing to use it "
			"(move it back to its own scope)", path,
			lv->state.scope ? lv->state.scope : "(none)", scope);
		err = -EINVAL;
	} else if (!err) {
		lv->have_state = true;
	} else if (err == -ENOENT) {
		err = 0;
	} else {
		state_read_error(path, err);
	}
	free(path);
	return err;
}

/*
 * Before reading anything: without /proc/self/fd (a chroot without /proc, a
 * hardened container) no pin could be told apart from another, and every
 * managed pin would look replaced.  Say what is missing instead.
 */
static int check_proc(void)
{
	char path[64], link[64];
	int fd = open("/", O_PATH | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (readlink(path, link, sizeof(link)) < 0)
		err = -errno;
	if (!err) {
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		if (access(path, R_OK))
			err = -errno;
	}
	close(fd);
	if (err)
		err_msg("cannot read %s: %s; bpfapply needs /proc (the fd and fdinfo entries of "
			"its own process) to tell a map pin from a program or link pin and to see "
			"whether a map is frozen, and will not guess",
			path, strerror(-err));
	return err;
}

int live_read(struct live *lv, const char *root, bool root_on_bpffs, const char *scope,
	      const struct manifest *m)
{
	size_t i;
	int err;

	memset(lv, 0, sizeof(*lv));
	lv->root = strdup(root);
	lv->scope_dir = path_join(root, scope);
	lv->root_on_bpffs = root_on_bpffs;
	lv->ncpus = libbpf_num_possible_cpus();
	if (!lv->root || !lv->scope_dir)
		return -ENOMEM;
	if (lv->ncpus < 1)
		return lv->ncpus ? lv->ncpus : -EINVAL;
	if (root_on_bpffs && (err = check_proc()))
		return err;
	err = read_state(lv, scope);
	if (err)
		return err;
	for (i = 0; m && i < m->n_maps; i++) {
		struct live_map *lm = add_map(lv, m->maps[i].name);

		progress("reading the live state of", "map", m->maps[i].name, i, m->n_maps);
		if (!lm)
			return -ENOMEM;
		err = open_map(lv, lm, &m->maps[i]);
		if (err)
			return err;
	}
	err = live_read_programs(lv, m);
	if (!err)
		err = live_read_iterators(lv, m);
	if (!err)
		err = live_read_links(lv, m);
	if (err)
		return err;
	for (i = 0; i < lv->state.n; i++) {
		const struct state_res *r = &lv->state.res[i];
		struct live_map *lm;

		if (r->kind != STATE_MAP || live_find_map(lv, r->name))
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

int live_open_scope(struct live *lv, int *lock_fd, const char *scope, const struct manifest *m,
		    const struct scope_open_opts *o)
{
	bool on_bpffs = false;
	char *dir = path_join(o->root, scope);
	int err;

	*lock_fd = -1;
	if (!dir)
		return -ENOMEM;
	err = scope_dir_check(dir);
	if (err)
		goto free_dir;
	if (o->write) {
		err = root_prepare(o->root, o->root_is_default, o->nomount);
		on_bpffs = !err;
		if (!err && (err = mkdir_p(dir)))
			err_msg("cannot create %s: %s", dir, strerror(-err));
	} else {
		err = root_probe(o->root, o->nomount, &on_bpffs);
	}
	if (!err && on_bpffs && access(dir, F_OK) == 0) {
		*lock_fd = scope_lock(dir, o->write, o->lock_timeout);
		if (*lock_fd < 0)
			err = *lock_fd;
		else
			err = scope_check(*lock_fd, dir);
	}
free_dir:
	free(dir);
	return err ? err : live_read(lv, o->root, on_bpffs, scope, m);
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

void live_free(struct live *lv)
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
	live_free_programs(lv);
	live_free_iterators(lv);
	live_free_links(lv);
	state_free(&lv->state);
	free(lv->root);
	free(lv->scope_dir);
	memset(lv, 0, sizeof(*lv));
}
