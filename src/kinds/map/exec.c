// SPDX-License-Identifier: GPL-2.0-only
/*
 * Maps, the kernel half: what `bpftool map create / update / freeze / pin`
 * does, driven by a plan.  New and replacement maps are built completely
 * (created, filled, frozen) under staging/ before any live pin moves.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>

#include "core/elf.h"
#include "exec.h"
#include "core/fault.h"
#include "kinds/map/map.h"
#include "core/maptypes.h"
#include "kinds/program/program.h"
#include "core/paths.h"
#include "core/progress.h"

/* The kernel's "operation not supported" for batch ops on some types. */
#define ENOTSUPP_KERNEL 524

static char *staged_pin(const struct exec *x, const char *name)
{
	return path_join3(x->staging_dir, "maps", name);
}

/* FILE:LINE:COL of declared entry i, for messages (loc_str's buffer). */
static const char *entry_loc_str(const struct map_spec *ms, size_t i)
{
	struct loc l = map_entry_loc(ms, i);

	return loc_str(&l);
}

static uint32_t value_buf_len(const struct exec *x, const struct map_spec *ms)
{
	return live_value_buf_size(ms->type, ms->value_size, x->ncpus);
}

/* The syscall value for one declared entry: bytes (copied per CPU) or an fd. */
int map_encode_value(const struct exec *x, const struct map_spec *ms, const struct map_entry *e,
		     uint8_t *buf)
{
	uint32_t len = value_buf_len(x, ms), stride, off;

	memset(buf, 0, len);
	if (e->vkind == VAL_MAP) {
		int fd = exec_map_fd(x, e->ref_index);

		if (fd < 0)
			return -EBADF;
		memcpy(buf, &fd, sizeof(fd));
		return 0;
	}
	if (e->vkind != VAL_BYTES)
		return -EOPNOTSUPP;
	if (len == ms->value_size) {
		memcpy(buf, e->value.data, e->value.len);
		return 0;
	}
	stride = (ms->value_size + 7) & ~7u;
	for (off = 0; off + stride <= len; off += stride)
		memcpy(buf + off, e->value.data, e->value.len);
	return 0;
}

static int write_entry(const struct exec *x, int fd, const struct map_spec *ms,
		       const struct map_entry *e, uint8_t *buf)
{
	int vfd = -1, err = 0;

	if (e->vkind == VAL_PROGRAM) {
		const struct program_spec *ps = &x->m->programs[e->ref_index];

		vfd = exec_prog_fd(x, e->ref_index, program_name_at(ps, (size_t)e->ref_prog));
		if (vfd < 0)
			return vfd;
		memset(buf, 0, ms->value_size);
		memcpy(buf, &vfd, sizeof(vfd));
	} else {
		err = map_encode_value(x, ms, e, buf);
		if (err)
			return err;
	}
	if (bpf_map_update_elem(fd, e->key.data, buf, BPF_ANY))
		err = -errno;
	fault_point("map update");
	if (vfd >= 0)
		close(vfd);
	return err;
}

static int fill_one_by_one(const struct exec *x, int fd, const struct map_spec *ms,
			   uint8_t *buf, size_t *failed)
{
	size_t i;
	int err;

	for (i = 0; i < ms->n_entries; i++) {
		progress("writing the entries of", "map", ms->name, i, ms->n_entries);
		struct map_entry ev;

		if (map_entry_get(ms, i, &ev)->vkind == VAL_PROGRAM)
			continue; /* wired once the programs exist */
		err = write_entry(x, fd, ms, &ev, buf);
		if (err) {
			*failed = i;
			return err;
		}
	}
	return 0;
}

/* One BPF_MAP_UPDATE_BATCH for plain byte entries, where the type allows it. */
static int fill_batch(const struct exec *x, int fd, const struct map_spec *ms)
{
	const struct maptype *mt = maptype_by_type(ms->type);
	uint32_t vlen = value_buf_len(x, ms), count = (uint32_t)ms->n_entries;
	uint8_t *keys, *vals;
	size_t i;
	int err = 0;

	if (!mt || !(mt->caps & MT_BATCH) || ms->n_entries < 2 || ms->n_refs)
		return -EOPNOTSUPP;
	if (vlen == ms->value_size && ms->n_yaml_entries == ms->n_entries) {
		/* the packed arrays are already what the kernel takes */
		if (bpf_map_update_batch(fd, ms->keys, ms->values, &count, NULL))
			err = -errno;
		fault_point("map update batch");
		return err;
	}
	keys = calloc(ms->n_entries, ms->key_size);
	vals = calloc(ms->n_entries, vlen);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto free_bufs;
	}
	for (i = 0; i < ms->n_entries; i++) {
		struct map_entry ev;

		memcpy(keys + i * ms->key_size, map_entry_key(ms, i), ms->key_size);
		map_encode_value(x, ms, map_entry_get(ms, i, &ev), vals + i * vlen);
	}
	if (bpf_map_update_batch(fd, keys, vals, &count, NULL))
		err = -errno;
	fault_point("map update batch");
free_bufs:
	free(keys);
	free(vals);
	return err;
}

static bool is_lru(uint32_t type)
{
	return type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static int lru_evicted(const struct map_spec *ms, size_t lost, size_t written)
{
	bool own = ms->flags & BPF_F_NO_COMMON_LRU;

	err_msg("%s: map '%s': the kernel evicted %zu of the %zu entries written to this %s: "
		"an LRU map evicts before it is full (%s); give max_entries headroom over the "
		"declared entries (%u now)",
		loc_str(&ms->loc), ms->name, lost, written, maptype_name(ms->type),
		own ? "with no_common_lru each CPU holds only its share of max_entries"
		    : "its free entries are spread over per-CPU lists",
		ms->max_entries);
	return -ENOSPC;
}

/*
 * An LRU map may evict while it is filled, even below max_entries: check
 * that the kernel kept every declared entry written (ops: NULL for all of
 * them, or the n in-place changes just made).
 */
static int lru_check_kept(const struct exec *x, int fd, const struct map_spec *ms,
			  const struct entry_op *ops, size_t n)
{
	uint8_t *buf;
	size_t i, lost = 0, total = ops ? n : ms->n_entries;

	if (!is_lru(ms->type) || !total)
		return 0;
	buf = calloc(1, value_buf_len(x, ms) + 8);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < total; i++) {
		const uint8_t *key;

		if (ops && ops[i].op == EOP_REMOVE)
			continue;
		key = map_entry_key(ms, ops ? (size_t)ops[i].decl : i);
		if (bpf_map_lookup_elem(fd, key, buf) && errno == ENOENT)
			lost++;
	}
	free(buf);
	return lost ? lru_evicted(ms, lost, total) : 0;
}

static int fill(struct exec *x, int fd, const struct map_spec *ms)
{
	size_t failed = 0;
	uint8_t *buf;
	int err;

	if (!ms->n_entries)
		return 0;
	err = fill_batch(x, fd, ms);
	if (err != -EOPNOTSUPP && err != -EINVAL && err != -ENOTSUPP_KERNEL) {
		if (err)
			err_msg("map '%s': batch update of %zu entries failed: %s", ms->name,
				ms->n_entries, strerror(-err));
		return err;
	}
	buf = calloc(1, value_buf_len(x, ms) + 8);
	if (!buf)
		return -ENOMEM;
	err = fill_one_by_one(x, fd, ms, buf, &failed);
	if (err)
		err_msg("%s: map '%s': entry %zu: update failed: %s",
			entry_loc_str(ms, failed), ms->name, failed, strerror(-err));
	free(buf);
	return err;
}

struct preserve_ctx {
	int fd;
	const struct map_spec *ms;
	bool array_like;
	uint32_t vlen;
	size_t *declared; /* entry indexes by key */
	size_t copied, dropped;
};

static bool zero_value(const void *value, uint32_t len)
{
	const uint8_t *b = value;
	uint32_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

static int preserve_one(void *ctx, const void *key, const void *value)
{
	struct preserve_ctx *pc = ctx;

	struct bytes k = { .data = (uint8_t *)key, .len = pc->ms->key_size };

	/* merge: the declared value wins; seed: the runtime value does */
	if (pc->ms->policy == POLICY_MERGE && map_entries_has(pc->ms, pc->declared, &k))
		return 0;
	/* a zero array slot is an empty one: it must not wipe a declared value */
	if (pc->array_like && zero_value(value, pc->vlen))
		return 0;
	if (bpf_map_update_elem(pc->fd, key, value, BPF_ANY)) {
		/* the new map is smaller, or the key is out of its range */
		if (errno != E2BIG && errno != ENOSPC && errno != EINVAL)
			return -errno;
		pc->dropped++;
		return 0;
	}
	fault_point("map preserve");
	pc->copied++;
	return 0;
}

static bool is_percpu(uint32_t type)
{
	const struct maptype *mt = maptype_by_type(type);

	return mt && (mt->caps & MT_PERCPU);
}

/*
 * Can the live map's entries be copied into the replacement?  Only when
 * keys and values keep their size and layout; maps of fds (prog_array,
 * map-in-map) hold ids that cannot be written back.
 */
static bool entries_fit(const struct live_map *lm, const struct map_spec *ms)
{
	const struct maptype *mt = maptype_by_type(ms->type);

	if (lm->pin_state != PIN_MAP || !mt || !(mt->caps & MT_ENTRIES))
		return false;
	if (mt->caps & (MT_OF_MAPS | MT_PROG_VALUES))
		return false;
	return lm->info.key_size == ms->key_size && lm->info.value_size == ms->value_size &&
	       is_percpu(lm->info.type) == is_percpu(ms->type);
}

/* preserve_entries: copy what the live map holds into its replacement. */
static int preserve(struct exec *x, int fd, const struct map_spec *ms, const struct live_map *lm,
		    const struct state_res *prior)
{
	const struct maptype *mt = maptype_by_type(ms->type);
	uint32_t vlen = live_value_buf_size(ms->type, ms->value_size, x->ncpus);
	struct preserve_ctx pc = { .fd = fd, .ms = ms, .vlen = vlen };
	int err;

	if (!entries_fit(lm, ms)) {
		dbg_msg("map '%s': live entries do not fit the replacement; not preserved", ms->name);
		return 0;
	}
	if (prior && (prior->flags & STATE_F_WRONLY)) {
		dbg_msg("map '%s': the live map was declared wronly; not read", ms->name);
		return 0;
	}
	pc.array_like = mt && (mt->caps & MT_NO_DELETE);
	pc.declared = map_entries_by_key(ms);
	if (!pc.declared)
		return -ENOMEM;
	err = live_map_walk(lm->fd, ms->key_size, vlen, preserve_one, &pc);
	free(pc.declared);
	if (err == -EPERM) {
		/* the kernel does not report wronly, so only trying tells */
		warn_msg("map '%s': the live map cannot be read (wronly); its entries were not "
			 "preserved", ms->name);
		return 0;
	}
	if (err)
		err_msg("map '%s': cannot preserve entries: %s", ms->name, strerror(-err));
	else if (pc.dropped)
		warn_msg("map '%s': %zu live entries did not fit the replacement", ms->name,
			 pc.dropped);
	dbg_msg("map '%s': %zu live entries preserved", ms->name, pc.copied);
	return err;
}

static bool has_prog_values(const struct map_spec *ms)
{
	size_t i;

	for (i = 0; i < ms->n_refs; i++)
		if (ms->refs[i].vkind == VAL_PROGRAM)
			return true;
	return false;
}

static int freeze(int fd, const struct map_spec *ms)
{
	int err;

	if (bpf_map_freeze(fd)) {
		err = -errno;
		err_msg("map '%s': freeze failed: %s", ms->name, strerror(errno));
		return err;
	}
	fault_point("map freeze");
	return 0;
}

static int create_map(struct exec *x, const struct map_spec *ms)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = ms->flags);
	int fd;

	if (ms->inner_index >= 0) {
		opts.inner_map_fd = exec_map_fd(x, ms->inner_index);
		if ((int)opts.inner_map_fd < 0) {
			err_msg("map '%s': inner_map '%s' is not available", ms->name,
				ms->inner_map);
			return -ENOENT;
		}
	}
	fd = bpf_map_create(ms->type, ms->kname, ms->key_size, ms->value_size, ms->max_entries,
			    &opts);
	fault_point("map create");
	if (fd < 0) {
		int err = -errno;

		err_msg("%s: map '%s': create failed: %s", loc_str(&ms->loc), ms->name,
			strerror(errno));
		return err;
	}
	return fd;
}

int map_stage(struct exec *x, struct change *c)
{
	const struct map_spec *ms;
	struct bpf_map_info info;
	size_t i = exec_change_index(x, c);
	char *pin = NULL;
	int fd, err;

	if (c->action != ACT_CREATE && c->action != ACT_REPLACE)
		return 0;
	ms = &x->m->maps[c->spec];
	fd = create_map(x, ms);
	if (fd < 0)
		return fd;
	/* declared entries first (they must fit), then what the live map held;
	 * exact keeps only declared entries, and a map someone else pinned in
	 * our place holds nothing of ours to keep */
	err = fill(x, fd, ms);
	if (!err && c->action == ACT_REPLACE && c->reason == R_ATTRS_CHANGED &&
	    ms->preserve_entries && ms->policy != POLICY_EXACT)
		err = preserve(x, fd, ms, map_change_of(c)->live, c->prior);
	if (!err)
		err = lru_check_kept(x, fd, ms, NULL, 0); /* preserved entries may evict too */
	if (err)
		goto close_fd;
	/* a prog_array is frozen once its slots are written (map_stage_late) */
	if (ms->frozen && !has_prog_values(ms) && (err = freeze(fd, ms)))
		goto close_fd;
	err = live_map_info(fd, &info);
	pin = staged_pin(x, ms->name);
	if (err || !pin)
		goto close_fd;
	err = exec_pin(fd, pin, c->address);
	if (err)
		goto close_fd;
	x->fd[i] = fd;
	x->id[i] = info.id;
	free(pin);
	return 0;
close_fd:
	close(fd);
	free(pin);
	return err ? err : -ENOMEM;
}

/* prog_array slots of a new map, once every program is loaded. */
int map_stage_late(struct exec *x, struct change *c)
{
	const struct map_spec *ms;
	int fd = x->fd[exec_change_index(x, c)];
	uint8_t buf[8];
	size_t i;
	int err;

	if (c->action != ACT_CREATE && c->action != ACT_REPLACE)
		return 0;
	ms = &x->m->maps[c->spec];
	for (i = 0; i < ms->n_refs; i++) {
		struct map_entry ev;
		const struct map_entry *e = map_entry_get(ms, ms->refs[i].entry, &ev);

		if (e->vkind != VAL_PROGRAM)
			continue;
		err = write_entry(x, fd, ms, e, buf);
		if (err) {
			err_msg("%s: map '%s': slot for program '%s': update failed: %s",
				loc_str(&e->loc), ms->name, e->ref, strerror(-err));
			return err;
		}
	}
	return ms->frozen && has_prog_values(ms) ? freeze(fd, ms) : 0;
}

/* The value bytes to write back for a live value: ids of fd maps become fds. */
static int restore_one(const struct map_spec *ms, int fd, const void *key,
		       const struct bytes *old, uint32_t vlen)
{
	const struct maptype *mt = maptype_by_type(ms->type);
	uint8_t *buf;
	int vfd = -1, err = 0;
	uint32_t id;

	if (!old) {
		/* it was not there: take it away (array slots always exist) */
		if ((mt->caps & MT_NO_DELETE) || !bpf_map_delete_elem(fd, key) || errno == ENOENT)
			return 0;
		return -errno;
	}
	buf = calloc(1, vlen + 8);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, old->data, old->len < vlen ? old->len : vlen);
	if (mt->caps & (MT_OF_MAPS | MT_PROG_VALUES)) {
		memcpy(&id, old->data, sizeof(id));
		vfd = (mt->caps & MT_OF_MAPS) ? bpf_map_get_fd_by_id(id) : bpf_prog_get_fd_by_id(id);
		if (vfd < 0)
			err = -errno;
		else
			memcpy(buf, &vfd, sizeof(vfd));
	}
	if (!err && bpf_map_update_elem(fd, key, buf, BPF_ANY))
		err = -errno;
	if (vfd >= 0)
		close(vfd);
	free(buf);
	return err;
}

/* The key an op is about; tmp holds a declared one's view. */
static const struct bytes *op_key(const struct map_spec *ms, const struct entry_op *op,
				  struct bytes *tmp)
{
	if (op->op == EOP_REMOVE)
		return &op->key;
	tmp->data = (uint8_t *)map_entry_key(ms, (size_t)op->decl);
	tmp->len = ms->key_size;
	return tmp;
}

/* Put back what the ops applied so far replaced, newest first. */
void map_undo_update(struct exec *x, struct change *c)
{
	struct map_change *mc = map_change_of(c);
	const struct live_map *lm = mc->live;
	const struct map_spec *ms;
	uint32_t vlen;

	if (!mc->n_done)
		return; /* its update did not run, or changed nothing */
	ms = &x->m->maps[c->spec];
	vlen = value_buf_len(x, ms);

	while (mc->n_done > 0) {
		struct bytes tmp;
		const struct bytes *key = op_key(ms, &mc->ops[--mc->n_done], &tmp);
		int err = restore_one(ms, lm->fd, key->data, live_map_value(lm, key), vlen);

		if (err)
			err_msg("map '%s': could not undo an entry update: %s", c->name,
				strerror(-err));
	}
}

static int apply_op(struct exec *x, const struct map_spec *ms, int fd, const struct entry_op *op,
		    uint8_t *buf)
{
	struct map_entry ev;
	int err = 0;

	if (op->op != EOP_REMOVE)
		return write_entry(x, fd, ms, map_entry_get(ms, (size_t)op->decl, &ev), buf);
	if (maptype_by_type(ms->type)->caps & MT_NO_DELETE) {
		memset(buf, 0, value_buf_len(x, ms));
		if (bpf_map_update_elem(fd, op->key.data, buf, BPF_ANY))
			err = -errno;
	} else if (bpf_map_delete_elem(fd, op->key.data) && errno != ENOENT) {
		err = -errno;
	}
	fault_point("map entry remove"); /* write_entry counts the others */
	return err;
}

static void update_failed(const struct map_spec *ms, const struct change *c,
			  const struct entry_op *op, int err)
{
	if (op->op != EOP_REMOVE)
		err_msg("%s: map '%s': entry update failed: %s; nothing was changed",
			entry_loc_str(ms, (size_t)op->decl), c->name, strerror(-err));
	else
		err_msg("map '%s': removing an undeclared entry failed: %s; nothing was changed",
			c->name, strerror(-err));
}

/*
 * Runs of like operations go in one batch call each (batch_ops.c).  A
 * batch the kernel stopped at an operation is started again from it; when
 * that one is refused first, it goes alone through the per-key path, so
 * that its own error (and entry) is the one reported.  Returns how many
 * ops it did from mc->n_done, 0 when ops[mc->n_done] is for the per-key path.
 */
static size_t update_batched(struct exec *x, const struct map_spec *ms, const struct change *c,
			     bool *batch_ok)
{
	const struct map_change *mc = map_change_of(c);
	const struct entry_op *next = mc->ops + mc->n_done;
	size_t run = *batch_ok ? map_batch_run(ms, next, mc->n_ops - mc->n_done) : 0;
	size_t done = 0;
	int err;

	if (!run)
		return 0;
	err = map_batch_apply(x, ms, mc->live->fd, next, run, &done);
	if (err == -EOPNOTSUPP)
		*batch_ok = false;
	else if (err)
		dbg_msg("map '%s': batch of %zu stopped after %zu: %s; that entry again alone",
			c->name, run, done, strerror(-err));
	return done;
}

/*
 * In-place entry changes, done before the state record and any pin moves,
 * so that one the kernel refuses undoes them all and changes nothing.
 */
int map_update(struct exec *x, struct change *c)
{
	struct map_change *mc = map_change_of(c);
	const struct map_spec *ms;
	bool batch_ok = true;
	uint8_t *buf;
	size_t done;
	int err = 0;

	if (c->action != ACT_UPDATE || !mc->n_ops)
		return 0;
	ms = &x->m->maps[c->spec];
	buf = calloc(1, value_buf_len(x, ms) + 8);
	if (!buf)
		return -ENOMEM;
	for (mc->n_done = 0; mc->n_done < mc->n_ops;) {
		progress("updating the entries of", "map", ms->name, mc->n_done, mc->n_ops);
		done = update_batched(x, ms, c, &batch_ok);
		mc->n_done += done;
		if (done)
			continue; /* a batch that stopped is tried again from the refused op */
		err = apply_op(x, ms, mc->live->fd, &mc->ops[mc->n_done], buf);
		if (err) {
			update_failed(ms, c, &mc->ops[mc->n_done], err);
			break;
		}
		mc->n_done++;
	}
	free(buf);
	/* undo (by the executor) puts back what an evicting LRU map lost */
	return err ? err : lru_check_kept(x, mc->live->fd, ms, mc->ops, mc->n_ops);
}

int map_commit(struct exec *x, struct change *c)
{
	switch (c->action) {
	case ACT_CREATE:
	case ACT_REPLACE:
		return exec_move_into_place(x, c, "maps");
	case ACT_UPDATE:
		return 0; /* map_update did it, before anything moved */
	case ACT_DELETE:
		if (c->foreign || map_change_of(c)->live->pin_state == PIN_ABSENT)
			return 0;
		return exec_unpin(c->address, c->pin);
	case ACT_NOOP:
		break;
	}
	return 0;
}

int map_record(struct exec *x, struct change *c, struct state *next)
{
	const struct map_spec *ms = c->spec >= 0 ? &x->m->maps[c->spec] : NULL;
	const struct live_map *lm = map_change_of(c)->live;
	struct state_res *r;

	if (c->action == ACT_DELETE) {
		if (x->final)
			state_remove(next, KIND_MAP, c->name);
		return 0;
	}
	if (!ms)
		return -EINVAL; /* only deletions have no declaration */
	r = state_upsert(next, KIND_MAP, c->name);
	if (!r)
		return -ENOMEM;
	if (c->action == ACT_CREATE || c->action == ACT_REPLACE) {
		r->id = x->id[exec_change_index(x, c)];
		/* until the swap, the pin holds the map being replaced: note which */
		if (!x->final && lm && lm->pin_state == PIN_MAP)
			r->prev_id = lm->info.id;
	}
	r->spec_fp = map_spec_fp(x->m, ms);
	r->entries_fp = map_entries_fp(ms);
	r->policy = (uint8_t)ms->policy;
	r->flags = ms->prevent_destroy ? STATE_F_PREVENT_DESTROY : 0;
	/* a create an interrupted apply left unproven stays unproven until committed */
	if (!x->final && (!c->prior || (c->prior->flags & STATE_F_INTENT_NEW)))
		r->flags |= STATE_F_INTENT_NEW;
	if (ms->flags & BPF_F_WRONLY)
		r->flags |= STATE_F_WRONLY;
	return 0;
}

/* ROOT/SCOPE/maps and staging/maps, where new maps are built. */
static int map_prepare(struct exec *x)
{
	int err = exec_mkdir(x->scope_dir, "maps");

	return err ? err : exec_mkdir(x->staging_dir, "maps");
}

const struct kind_kernel_ops kind_map_kernel = {
	.read_live = live_read_maps,
	.fingerprint_live = map_fingerprint_live,
	.probe = map_probe,
	.features_key = "map_types",
	.features_title = "Map types",
	.features = map_features,
	.prepare = map_prepare,
	.stage = map_stage,
	.stage_late = map_stage_late,
	.update = map_update,
	.undo_update = map_undo_update,
	.commit = map_commit,
	.record = map_record,
};

/* The fd to use for map m->maps[map_idx]: the staged one, else the live one; -1. */
int exec_map_fd(const struct exec *x, int map_idx)
{
	const struct change *c = plan_find(x->p, KIND_MAP, x->m->maps[map_idx].name);
	const struct live_map *lm;
	size_t i;

	if (!c)
		return -1;
	i = exec_change_index(x, c);
	if (x->fd[i] >= 0)
		return x->fd[i];
	lm = map_change_of(c)->live;
	return lm ? lm->fd : -1;
}
