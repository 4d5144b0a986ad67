/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Maps: the `maps:` section (parse.c, entries_file.c, resolve.c), the live
 * reader (live.c), the pure diff (diff.c, match.c) and the executor's steps
 * (exec.c); kind.c fills the pure table, exec.c the kernel one.  This header
 * is their shared interface.
 */
#ifndef BPFAPPLY_KIND_MAP_H
#define BPFAPPLY_KIND_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/bytes.h"
#include "kind.h"
#include "parse.h"

struct maptype;

/* One entry operation of an in-place update of a map's entries. */
enum entry_op_kind {
	EOP_ADD = 0,
	EOP_CHANGE,
	EOP_REMOVE,
};

struct entry_op {
	enum entry_op_kind op;
	int decl;            /* index into map_spec.entries; -1 for EOP_REMOVE */
	struct bytes key;    /* EOP_REMOVE: the live key (owned) */
};

/*
 * The map kind's part of a planned change (struct change.kind_data): the
 * diff (diff.c) makes it with the change, kind.c's free_change frees it
 * with the plan.  The drivers never look inside.
 */
struct map_change {
	struct live_map *live; /* the map's live snapshot (points into the struct live) */
	/* entries to change in place (ACT_UPDATE) */
	struct entry_op *ops;
	size_t n_ops;
	size_t cap_ops;
	unsigned n_add, n_change, n_remove;
	size_t n_done; /* executor: ops applied so far, for undoing them (map_undo_update) */
};

/* The map part of c, a change of the map kind. */
static inline struct map_change *map_change_of(const struct change *c)
{
	return c->kind_data;
}

/* parse.c: the `maps:` section of one file */
void parse_maps(struct parse_ctx *pc, struct ytree *t, const yaml_node_t *section);
void map_spec_clear(struct map_spec *s);
/*
 * entries_file.c: `entries_file:` of map s, after its `entries:` were
 * parsed (yaml_locs: their keys' locations).  indexed: keys are u32
 * indexes below max_entries (array-like types).
 */
void parse_entries_file(struct ytree *t, const yaml_node_t *v, struct map_spec *s,
			const struct maptype *mt, bool max_ok, bool indexed,
			const struct entry_loc *yaml_locs);
/* resolve.c; map_check_objects: {program: REF} values against the ELF objects */
void map_resolve(struct parse_ctx *pc);
/* A {NAME} map reference of another kind -> its index, reporting one not declared */
void resolve_map_ref(struct parse_ctx *pc, struct map_ref *r);
void map_check_objects(struct manifest *m, struct diag *d);

/* diff.c */
int map_diff(struct plan *p, const struct manifest *m, struct live *lv, bool destroy,
	     struct diag *d);
int map_diff_late(struct plan *p, const struct manifest *m, struct live *lv, struct diag *d);
void map_describe(const struct change *c, const struct manifest *m, char *buf, size_t len);
void map_json_attrs(const struct change *c, const struct manifest *m, bool after,
		    struct json *j);

uint64_t map_spec_fp(const struct manifest *m, const struct map_spec *ms);
uint64_t map_entries_fp(const struct map_spec *ms);
/*
 * keysort.c: *out (malloc'd) = the indices 0..n-1 of n keys of ksz bytes,
 * stride bytes apart, in key order (equal keys in index order).  0 or
 * -ENOMEM.
 */
int keys_sort(const uint8_t *keys, size_t n, uint32_t ksz, size_t stride, size_t **out);
/* The declared entries sorted by key (free() it), and a lookup in that array. */
size_t *map_entries_by_key(const struct map_spec *ms);
bool map_entries_has(const struct map_spec *ms, const size_t *sorted, const struct bytes *key);
/*
 * One sorted merge of ms's declared entries with lm's live ones
 * (kind_map_match.c): *value_of[i] is the live value of declared entry i
 * (NULL: absent), *declared[j] whether live entry j is declared.  Both
 * malloc'd; 0 or -ENOMEM.
 */
int map_entries_match(const struct map_spec *ms, const struct live_map *lm,
		      const struct bytes ***value_of, bool **declared);

/* live.c: what a saved plan checks has not changed */
void map_fingerprint_live(struct fp *f, const struct live *lv);
/* entries_file.c: the data files' fingerprints, for saved plans */
void map_fingerprint_inputs(struct fp *f, const struct manifest *m);

/* probe.c: what the running kernel refuses (kind_kernel_ops.probe) */
unsigned map_probe(const struct manifest *m, bool (*only)(void *, const char *, const char *),
		   void *ctx, unsigned caps, struct diag *d);
struct features;
void map_features(struct features *f);

/* exec.c; exec_map_fd for the kinds that use maps: the fd to use for
 * m->maps[map_idx], the staged map or the live one, -1 if none */
int exec_map_fd(const struct exec *x, int map_idx);
/*
 * readback.c: read into lm the entries the diff of ms needs (none, the
 * declared ones or all), by the cheaper way.  0 or -errno.
 */
int map_read_contents(struct live *lv, struct live_map *lm, const struct map_spec *ms);

/*
 * batch_ops.c: how many of the n ops from ops[0] go in one batch call (0:
 * do ops[0] per key), and that call.  map_batch_apply: 0 with all n done;
 * -EOPNOTSUPP when the kernel refused the call as a whole (nothing done:
 * per key from now on); else the errno of ops[*done], which the kernel
 * refused, the *done before it having taken effect.
 */
size_t map_batch_run(const struct map_spec *ms, const struct entry_op *ops, size_t n);
int map_batch_apply(const struct exec *x, const struct map_spec *ms, int fd,
		    const struct entry_op *ops, size_t n, size_t *done);
/* exec.c: the syscall value of a declared {map:} or bytes entry into buf. */
int map_encode_value(const struct exec *x, const struct map_spec *ms, const struct map_entry *e,
		     uint8_t *buf);

int map_stage(struct exec *x, struct change *c);
int map_stage_late(struct exec *x, struct change *c);
int map_update(struct exec *x, struct change *c);
void map_undo_update(struct exec *x, struct change *c);
int map_commit(struct exec *x, struct change *c);
int map_record(struct exec *x, struct change *c, struct state *next);

/* live.c reads this kind's part of the snapshot, snapshot.c frees it */
int live_read_maps(struct live *lv, const struct manifest *m);
void live_free_maps(struct live *lv);

#endif
