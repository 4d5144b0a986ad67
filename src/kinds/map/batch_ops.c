// SPDX-License-Identifier: GPL-2.0-only
/*
 * Maps: in-place entry changes a chunk at a time, one BPF_MAP_UPDATE_BATCH
 * or BPF_MAP_DELETE_BATCH per chunk of consecutive operations of one kind
 * instead of a syscall per entry.  The kernel stops a batch at the first
 * element it refuses and reports how many it did (count), so the caller
 * knows exactly which operations took effect (for the undo) and which one
 * was refused (for the error, which names that entry).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "exec.h"
#include "core/fault.h"
#include "kinds/map/map.h"
#include "core/maptypes.h"

/*
 * Operations in one batch call: the buffers stay small, and a fault point
 * (after every call) still falls inside a large update, not only after it.
 */
#define OP_CHUNK 8192u

enum batch_mode {
	BM_NONE = 0, /* per key only */
	BM_WRITE,    /* update batch: declared byte values, or zeros for an array slot removed */
	BM_DELETE,   /* delete batch */
};

static const uint8_t *op_key_data(const struct map_spec *ms, const struct entry_op *op)
{
	return op->op == EOP_REMOVE ? op->key.data : map_entry_key(ms, (size_t)op->decl);
}

static enum batch_mode op_mode(const struct map_spec *ms, const struct entry_op *op)
{
	const struct maptype *mt = maptype_by_type(ms->type);

	if (!mt || !(mt->caps & MT_BATCH))
		return BM_NONE;
	if (op->op == EOP_REMOVE)
		return (mt->caps & MT_NO_DELETE) ? BM_WRITE : BM_DELETE;
	/* {map:} and {program:} values are fds opened per entry */
	return ms->n_refs && map_entry_ref_of(ms, (size_t)op->decl) ? BM_NONE : BM_WRITE;
}

size_t map_batch_run(const struct map_spec *ms, const struct entry_op *ops, size_t n)
{
	enum batch_mode mode = n ? op_mode(ms, &ops[0]) : BM_NONE;
	size_t i;

	if (mode == BM_NONE)
		return 0;
	for (i = 1; i < n && i < OP_CHUNK; i++)
		if (op_mode(ms, &ops[i]) != mode)
			break;
	return i < 2 ? 0 : i; /* one entry: the per-key call is as cheap */
}

static int fill_buffers(const struct exec *x, const struct map_spec *ms,
			const struct entry_op *ops, size_t n, uint8_t *keys, uint8_t *vals,
			uint32_t vlen)
{
	struct map_entry ev;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		memcpy(keys + i * ms->key_size, op_key_data(ms, &ops[i]), ms->key_size);
		if (!vals)
			continue;
		if (ops[i].op == EOP_REMOVE) {
			memset(vals + i * vlen, 0, vlen); /* an array slot is emptied by zeroing it */
			continue;
		}
		err = map_encode_value(x, ms, map_entry_get(ms, (size_t)ops[i].decl, &ev),
				       vals + i * vlen);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The syscall for one run; *done how many of its operations took effect.
 * -EOPNOTSUPP: the call was refused as a whole (type or kernel without the
 * batch op; count is then not written back), nothing done: per key instead.
 */
static int batch_call(int fd, enum batch_mode mode, const uint8_t *keys, const uint8_t *vals,
		      uint32_t n, size_t *done)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	uint32_t count = n;
	int ret;

	if (mode == BM_DELETE)
		ret = bpf_map_delete_batch(fd, keys, &count, &opts);
	else
		ret = bpf_map_update_batch(fd, keys, vals, &count, &opts);
	ret = ret ? -errno : 0;
	fault_point(mode == BM_DELETE ? "map entry remove batch" : "map update batch");
	if (!ret) {
		*done = n;
		return 0;
	}
	/* an element refused stops the batch before it: count < n */
	*done = count < n ? count : 0;
	return count < n ? ret : -EOPNOTSUPP;
}

int map_batch_apply(const struct exec *x, const struct map_spec *ms, int fd,
		    const struct entry_op *ops, size_t n, size_t *done)
{
	enum batch_mode mode = op_mode(ms, &ops[0]);
	uint32_t vlen = live_value_buf_size(ms->type, ms->value_size, x->ncpus);
	uint8_t *keys, *vals = NULL;
	int err = -ENOMEM;

	*done = 0;
	keys = malloc(n * ms->key_size);
	if (mode == BM_WRITE)
		vals = malloc(n * vlen);
	if (keys && (vals || mode != BM_WRITE)) {
		err = fill_buffers(x, ms, ops, n, keys, vals, vlen);
		if (!err)
			err = batch_call(fd, mode, keys, vals, (uint32_t)n, done);
	}
	free(keys);
	free(vals);
	return err;
}
