// SPDX-License-Identifier: GPL-2.0-only
/*
 * Maps, the pure half: diff a declared map against its live snapshot and
 * state record, and describe the result.  The kernel half (create, fill,
 * swap, delete) is in exec.c, the kind's tables in kind.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/elf.h"
#include "kinds/program/program.h"
#include "core/fingerprint.h"
#include "core/json.h"
#include "graph.h"
#include "kind.h"
#include "kinds/map/map.h"
#include "core/maptypes.h"

/* Everything that, when changed, needs a new kernel object. */
uint64_t map_spec_fp(const struct manifest *m, const struct map_spec *ms)
{
	struct fp f;

	if (fp_init(&f))
		return 0;
	fp_u32(&f, ms->type);
	fp_u32(&f, ms->key_size);
	fp_u32(&f, ms->value_size);
	fp_u32(&f, ms->max_entries);
	fp_u32(&f, ms->flags);
	fp_str(&f, ms->kname);
	fp_u32(&f, ms->frozen);
	if (ms->inner_index >= 0) {
		/* the kernel keeps the template's shape, not the template itself */
		const struct map_spec *t = &m->maps[ms->inner_index];

		fp_u32(&f, t->type);
		fp_u32(&f, t->key_size);
		fp_u32(&f, t->value_size);
		fp_u32(&f, t->max_entries);
		fp_u32(&f, t->flags);
	}
	return fp_final(&f);
}

uint64_t map_entries_fp(const struct map_spec *ms)
{
	struct fp f;
	size_t i;

	if (!ms->has_entries || fp_init(&f))
		return 0;
	fp_u32(&f, ms->policy);
	for (i = 0; i < ms->n_entries; i++) {
		struct map_entry ev;
		const struct map_entry *e = map_entry_get(ms, i, &ev);

		fp_bytes(&f, e->key.data, e->key.len);
		fp_u32(&f, e->vkind);
		if (e->vkind == VAL_BYTES)
			fp_bytes(&f, e->value.data, e->value.len);
		else
			fp_str(&f, e->ref);
	}
	return fp_final(&f);
}

static bool all_zero(const struct bytes *b)
{
	uint32_t i;

	for (i = 0; i < b->len; i++)
		if (b->data[i])
			return false;
	return true;
}

/* A declared value against a live one (every CPU's copy for per-CPU maps). */
static bool value_matches(const struct live_map *lm, const struct bytes *live,
			  const struct bytes *want)
{
	const struct maptype *mt = maptype_by_type(lm->info.type);
	uint32_t stride, off;

	if (!(mt && (mt->caps & MT_PERCPU)))
		return live->len == want->len && !memcmp(live->data, want->data, want->len);
	stride = (want->len + 7) & ~7u;
	if (!stride)
		return true;
	for (off = 0; off + stride <= live->len; off += stride)
		if (memcmp(live->data + off, want->data, want->len))
			return false;
	return true;
}

static int add_op(struct change *c, enum entry_op_kind op, int decl, const struct bytes *key)
{
	struct map_change *mc = map_change_of(c);
	struct entry_op *ops = mc->ops;

	if (mc->n_ops == mc->cap_ops) {
		size_t cap = mc->cap_ops ? mc->cap_ops * 2 : 8;

		ops = realloc(mc->ops, cap * sizeof(*ops));
		if (!ops)
			return -ENOMEM;
		mc->ops = ops;
		mc->cap_ops = cap;
	}
	memset(&ops[mc->n_ops], 0, sizeof(ops[0]));
	ops[mc->n_ops].op = op;
	ops[mc->n_ops].decl = decl;
	if (key && bytes_dup(&ops[mc->n_ops].key, key->data, key->len))
		return -ENOMEM;
	mc->n_ops++;
	if (op == EOP_ADD)
		mc->n_add++;
	else if (op == EOP_CHANGE)
		mc->n_change++;
	else
		mc->n_remove++;
	return 0;
}

/* The kernel id a {map: X} slot should hold, or 0 when X gets a new object. */
static uint32_t target_map_id(const struct plan *p, const struct manifest *m, int idx)
{
	const struct change *t = plan_find(p, KIND_MAP, m->maps[idx].name);
	const struct live_map *lm = t ? map_change_of(t)->live : NULL;

	if (!lm || t->action == ACT_CREATE || t->action == ACT_REPLACE)
		return 0;
	return lm->info.id;
}

static bool array_like(const struct live_map *lm)
{
	const struct maptype *mt = maptype_by_type(lm->info.type);

	return mt && (mt->caps & MT_NO_DELETE);
}

/* One sorted merge of both sides, shared by the two passes below. */
struct entries_match {
	const struct bytes **value_of; /* per declared entry: its live value, or NULL */
	bool *declared;                /* per live entry: whether it is declared */
};

static int diff_declared(struct change *c, const struct plan *p, const struct manifest *m,
			 const struct map_spec *ms, const struct entries_match *em)
{
	const struct live_map *lm = map_change_of(c)->live;
	size_t i;
	int err = 0;

	for (i = 0; i < ms->n_entries && !err; i++) {
		struct map_entry ev;
		const struct map_entry *e = map_entry_get(ms, i, &ev);
		const struct bytes *live = em->value_of[i];
		bool absent = !live || (array_like(lm) && all_zero(live));

		if (e->vkind == VAL_MAP) {
			uint32_t want = target_map_id(p, m, e->ref_index), have = 0;

			if (live && live->len >= 4)
				memcpy(&have, live->data, 4);
			/* seed: only follow a target that gets a new object */
			if (absent && ms->policy != POLICY_SEED)
				err = add_op(c, EOP_ADD, (int)i, NULL);
			else if (!absent && (!want || (want != have && ms->policy != POLICY_SEED)))
				err = add_op(c, EOP_CHANGE, (int)i, NULL);
			continue;
		}
		if (e->vkind != VAL_BYTES || ms->policy == POLICY_SEED)
			continue; /* programs are wired by their own kind */
		if (live && value_matches(lm, live, &e->value))
			continue; /* includes a declared zero in a zero array slot */
		err = add_op(c, absent ? EOP_ADD : EOP_CHANGE, (int)i, NULL);
	}
	return err;
}

/* exact: every live key that is not declared goes (in the snapshot's order: by key). */
static int diff_undeclared(struct change *c, const struct map_spec *ms,
			   const struct entries_match *em)
{
	const struct live_map *lm = map_change_of(c)->live;
	size_t i;
	int err = 0;

	if (ms->policy != POLICY_EXACT || !lm->full_dump)
		return 0;
	for (i = 0; i < lm->n_kvs && !err; i++) {
		const struct live_kv *kv = &lm->kvs[i];

		if (em->declared[i] || (array_like(lm) && all_zero(&kv->value)))
			continue;
		err = add_op(c, EOP_REMOVE, -1, &kv->key);
	}
	return err;
}

/* removals first: exact on a full map must make room before it adds */
static int diff_entries(struct change *c, const struct plan *p, const struct manifest *m,
			const struct map_spec *ms)
{
	const struct live_map *lm = map_change_of(c)->live;
	struct entries_match em;
	int err;

	if (!lm->contents_read)
		return 0; /* nothing to compare with (seed, or unreadable) */
	err = map_entries_match(ms, lm, &em.value_of, &em.declared);
	if (err)
		return err;
	err = diff_undeclared(c, ms, &em);
	if (!err)
		err = diff_declared(c, p, m, ms, &em);
	free(em.value_of);
	free(em.declared);
	return err;
}

/*
 * First attribute the live map and the spec disagree on, as "what old -> new".
 * The spec is compared as the kernel would report it (maptype_normalise):
 * what the kernel does not report (rdonly, wronly) is covered by the spec
 * fingerprint in the state record instead.
 */
static bool attrs_differ(const struct live_map *lm, const struct map_spec *ms, int ncpus,
			 char *buf, size_t len)
{
	const struct bpf_map_info *in = &lm->info;
	uint32_t kflags, kmax;
	char a[128], b[128];

	maptype_normalise(ms->type, ms->flags, ms->max_entries, ncpus, &kflags, &kmax);
	if (in->type != ms->type) {
		snprintf(a, sizeof(a), "%s", maptype_name(in->type));
		snprintf(buf, len, "type %s -> %s", a, maptype_name(ms->type));
	} else if (in->key_size != ms->key_size) {
		snprintf(buf, len, "key_size %u -> %u", in->key_size, ms->key_size);
	} else if (in->value_size != ms->value_size) {
		snprintf(buf, len, "value_size %u -> %u", in->value_size, ms->value_size);
	} else if (in->max_entries != kmax) {
		snprintf(buf, len, "max_entries %u -> %u", in->max_entries, ms->max_entries);
	} else if (in->map_flags != kflags) {
		mapflags_format(in->map_flags, a, sizeof(a));
		mapflags_format(ms->flags, b, sizeof(b));
		if (!a[0])
			strcpy(a, "0");
		if (!b[0])
			strcpy(b, "0");
		snprintf(buf, len, "flags %s -> %s", a, b);
	} else if (strcmp(in->name, ms->kname)) {
		snprintf(buf, len, "name %s -> %s", in->name[0] ? in->name : "\"\"", ms->kname);
	} else if (lm->frozen != ms->frozen) {
		snprintf(buf, len, "frozen %s -> %s", lm->frozen ? "true" : "false",
			 ms->frozen ? "true" : "false");
	} else {
		return false;
	}
	return true;
}

/*
 * Entries can change in place unless user space may not write the map:
 * frozen, or created rdonly (which the kernel does not report: the spec
 * says so, and a spec that changed it replaces the map anyway).
 */
static bool writable(const struct live_map *lm, const struct map_spec *ms)
{
	return !lm->frozen && !(ms->flags & BPF_F_RDONLY);
}

static void drop_ops(struct map_change *mc)
{
	size_t i;

	for (i = 0; i < mc->n_ops; i++)
		bytes_free(&mc->ops[i].key);
	mc->n_ops = 0;
	mc->n_add = mc->n_change = mc->n_remove = 0;
}

/* Entry changes a map user space cannot write are a replacement (refused
 * under prevent_destroy by the caller). */
static int replace_unwritable(struct change *c)
{
	struct map_change *mc = map_change_of(c);

	drop_ops(mc);
	c->action = ACT_REPLACE;
	c->reason = R_ATTRS_CHANGED;
	return change_set_detail(c, "entries of a %s map changed",
				 mc->live->frozen ? "frozen" : "read-only");
}

static int diff_existing(struct change *c, const struct plan *p, const struct manifest *m,
			 const struct map_spec *ms, int ncpus)
{
	const struct map_change *mc = map_change_of(c);
	char why[512];
	int err;

	if (mc->live->pin_state == PIN_OTHER || mc->live->info.id != c->prior->id) {
		c->action = ACT_REPLACE;
		c->reason = R_PIN_REPLACED;
		return change_set_detail(c, "pin replaced outside bpfapply");
	}
	if (attrs_differ(mc->live, ms, ncpus, why, sizeof(why)) ||
	    (c->prior->spec_fp != map_spec_fp(m, ms) &&
	     snprintf(why, sizeof(why), "%s",
		      ms->inner_map ? "inner_map template changed" : "spec changed") > 0)) {
		c->action = ACT_REPLACE;
		c->reason = R_ATTRS_CHANGED;
		return change_set_detail(c, "%s", why);
	}
	err = diff_entries(c, p, m, ms);
	if (err)
		return err;
	if (mc->n_ops && !writable(mc->live, ms))
		return replace_unwritable(c);
	if (mc->n_ops) {
		c->action = ACT_UPDATE;
		c->reason = R_ENTRIES;
		c->drift = c->prior->entries_fp == map_entries_fp(ms);
	} else if (!!(c->prior->flags & STATE_F_PREVENT_DESTROY) != ms->prevent_destroy) {
		/* only the record changes, but it must be written */
		c->action = ACT_UPDATE;
		c->reason = R_STATE_ONLY;
		return change_set_detail(c, "prevent_destroy %s",
					 ms->prevent_destroy ? "set" : "cleared");
	}
	return 0;
}

/*
 * A change of map name, with the map part the rest of the map kind reads
 * (kind_data, freed by map_free_change).  lm is the map's live snapshot: a
 * change without one is refused (live_read makes one for every map).
 */
static struct change *map_add_change(struct plan *p, const char *name, struct live_map *lm)
{
	struct change *c;
	struct map_change *mc;

	if (!lm)
		return NULL;
	c = plan_add_change(p, KIND_MAP, name, lm->pin);
	if (!c)
		return NULL;
	mc = calloc(1, sizeof(*mc));
	if (!mc)
		return NULL; /* the change stays in the plan: plan_free frees it */
	mc->live = lm;
	c->kind_data = mc;
	return c;
}

/* While an apply is unfinished, the pin holds the map it recorded or the one it was replacing. */
static bool pending_ours(const struct live_map *lm, const struct state_res *r)
{
	return lm->pin_state == PIN_MAP &&
	       (lm->info.id == r->id || (r->prev_id && lm->info.id == r->prev_id));
}

static int diff_declared_map(struct plan *p, const struct manifest *m, struct live *lv, int idx,
			     struct diag *d)
{
	const struct map_spec *ms = &m->maps[idx];
	struct live_map *lm = live_find_map(lv, ms->name);
	struct change *c = map_add_change(p, ms->name, lm);

	if (!c)
		return -ENOMEM;
	c->spec = idx;
	c->prior = state_find(&lv->state, KIND_MAP, ms->name);
	if (!c->prior) {
		if (lm->pin_state != PIN_ABSENT) {
			c->foreign = true;
			diag_error(d, &ms->loc,
				   "map \"%s\": %s exists but was not created by bpfapply; "
				   "remove it or rename the map",
				   ms->name, lm->pin);
			return 0;
		}
		c->action = ACT_CREATE;
		c->reason = R_NEW;
		return 0;
	}
	if (lm->pin_state == PIN_ABSENT) {
		c->action = ACT_CREATE;
		c->reason = R_PIN_REMOVED;
		return change_set_detail(c, "pin removed outside bpfapply");
	}
	if (lv->state.pending && (c->prior->flags & STATE_F_INTENT_NEW) &&
	    !pending_ours(lm, c->prior)) {
		/* the path was never committed as ours: only the staged map's id proves it is */
		c->foreign = true;
		diag_error(d, &ms->loc,
			   "map \"%s\": %s holds %s that bpfapply did not create (an apply that "
			   "was to create it there was interrupted, and the pin does not hold "
			   "its map); remove it or rename the map",
			   ms->name, lm->pin, lm->pin_state == PIN_MAP ? "a map" : "an object");
		return 0;
	}
	return diff_existing(c, p, m, ms, lv->ncpus);
}

/* The id a {program: REF} slot should hold, or 0 when the program is (re)loaded. */
static uint32_t target_prog_id(const struct plan *p, const struct manifest *m,
			       const struct live *lv, const struct map_entry *e)
{
	const struct program_spec *ps = &m->programs[e->ref_index];
	const struct change *c = plan_find(p, KIND_PROGRAM, ps->name);
	const struct live_program *lp = live_find_program(lv, ps->name);
	const struct live_pin *pin;

	if (!c || c->action != ACT_NOOP || !lp || !ps->elf || e->ref_prog < 0)
		return 0;
	pin = live_pin_find(lp->progs, lp->n_progs, program_name_at(ps, (size_t)e->ref_prog));
	return pin && pin->pin_state == PIN_MAP ? pin->id : 0;
}

static int diff_prog_slots(struct change *c, const struct plan *p, const struct manifest *m,
			   const struct live *lv)
{
	const struct map_spec *ms = &m->maps[c->spec];
	const struct live_map *lm = map_change_of(c)->live;
	size_t i;
	int err = 0;

	for (i = 0; i < ms->n_entries && !err; i++) {
		struct map_entry ev;
		const struct map_entry *e = map_entry_get(ms, i, &ev);
		const struct bytes *live;
		uint32_t want, have = 0;

		if (e->vkind != VAL_PROGRAM || !lm->contents_read)
			continue;
		live = live_map_value(lm, &e->key);
		want = target_prog_id(p, m, lv, e);
		if (live && live->len >= 4)
			memcpy(&have, live->data, 4);
		if (!live && ms->policy != POLICY_SEED)
			err = add_op(c, EOP_ADD, (int)i, NULL);
		else if (live && (!want || (want != have && ms->policy != POLICY_SEED)))
			err = add_op(c, EOP_CHANGE, (int)i, NULL); /* rewire a reloaded target */
	}
	return err;
}

static void refuse_protected_replace(const struct manifest *m, const struct change *c,
				     struct diag *d)
{
	/* a pin already replaced outside bpfapply has nothing left to protect */
	if (c->action == ACT_REPLACE && c->reason != R_PIN_REPLACED &&
	    m->maps[c->spec].prevent_destroy)
		diag_error(d, &m->maps[c->spec].loc,
			   "map \"%s\": prevent_destroy is set; refusing to replace it (%s)",
			   c->name, c->detail ? c->detail : "");
}

/*
 * prog_array slots, once the programs' actions are known: a slot follows
 * its target when the target is reloaded, without reloading the program
 * that tail-calls through the array.
 */
int map_diff_late(struct plan *p, const struct manifest *m, struct live *lv,
			 struct diag *d)
{
	size_t i;
	int err;

	for (i = 0; i < p->n; i++) {
		struct change *c = &p->changes[i];
		const struct map_change *mc;

		if (c->kind != KIND_MAP || c->spec < 0 || c->foreign ||
		    (c->action != ACT_NOOP && c->action != ACT_UPDATE))
			continue;
		err = diff_prog_slots(c, p, m, lv);
		if (err)
			return err;
		mc = map_change_of(c);
		if (mc->n_ops && !writable(mc->live, &m->maps[c->spec])) {
			/* a frozen prog_array cannot follow a reloaded target in place */
			err = replace_unwritable(c);
			if (err)
				return err;
			refuse_protected_replace(m, c, d);
			continue;
		}
		/* entry changes outrank a change of the record alone, as in diff_existing */
		if (mc->n_ops && (c->action == ACT_NOOP || c->reason == R_STATE_ONLY)) {
			c->action = ACT_UPDATE;
			c->reason = R_ENTRIES;
		}
	}
	return 0;
}

static bool protected(const struct manifest *m, const struct state_res *r)
{
	int idx = m ? manifest_map_index(m, r->name) : -1;

	if (idx >= 0)
		return m->maps[idx].prevent_destroy;
	return r->flags & STATE_F_PREVENT_DESTROY;
}

static int diff_deleted(struct plan *p, const struct manifest *m, struct live *lv, bool destroy,
			struct diag *d)
{
	size_t i;

	for (i = 0; i < lv->state.n; i++) {
		const struct state_res *r = &lv->state.res[i];
		struct live_map *lm;
		struct change *c;

		if (r->kind != KIND_MAP)
			continue;
		if (!destroy && m && manifest_map_index(m, r->name) >= 0)
			continue;
		lm = live_find_map(lv, r->name);
		c = map_add_change(p, r->name, lm);
		if (!c)
			return -ENOMEM;
		c->prior = r;
		c->action = ACT_DELETE;
		c->reason = destroy ? R_DESTROY : R_NOT_IN_MANIFEST;
		change_set_detail(c, "%s", destroy ? "destroy" : "not in manifest");
		if (lm->pin_state == PIN_ABSENT) {
			change_set_detail(c, "%s; pin already removed",
					  destroy ? "destroy" : "not in manifest");
		} else if (lm->pin_state == PIN_OTHER ||
			   (lm->info.id != r->id && !(lv->state.pending && pending_ours(lm, r)))) {
			/* while an apply is unfinished the pin may still hold the map
			 * it was replacing: the record's id is not the only one of ours */
			c->foreign = true;
			change_set_detail(c, "%s; the pin now holds an object bpfapply did not "
					     "create, left alone",
					  destroy ? "destroy" : "not in manifest");
		} else if (protected(m, r)) {
			diag_error(d, NULL,
				   "map \"%s\": prevent_destroy is set; refusing to %s it",
				   r->name, destroy ? "destroy" : "delete");
		}
	}
	return 0;
}

int map_diff(struct plan *p, const struct manifest *m, struct live *lv, bool destroy,
		    struct diag *d)
{
	int err = 0;
	size_t i;

	if (m && !destroy) {
		/* in dependency order: a map built on a replaced one is replaced too */
		for (i = 0; i < p->graph.n && !err; i++) {
			const struct graph_node *nd = &p->graph.nodes[p->order[i]];

			if (nd->kind == KIND_MAP)
				err = diff_declared_map(p, m, lv, (int)nd->index, d);
		}
		for (i = 0; i < p->n && !err; i++)
			if (p->changes[i].kind == KIND_MAP)
				refuse_protected_replace(m, &p->changes[i], d);
		if (err)
			return err;
	}
	return diff_deleted(p, m, lv, destroy, d);
}

void map_describe(const struct change *c, const struct manifest *m, char *buf,
			 size_t len)
{
	const struct map_spec *ms = c->spec >= 0 ? &m->maps[c->spec] : NULL;
	const struct map_change *mc = map_change_of(c);

	if (!ms && c->action != ACT_DELETE) {
		snprintf(buf, len, "%s", c->detail ? c->detail : "");
		return;
	}
	switch (c->action) {
	case ACT_CREATE:
		if (c->reason == R_PIN_REMOVED)
			snprintf(buf, len, "%s key %uB value %uB max_entries %u (%s)",
				 maptype_name(ms->type), ms->key_size, ms->value_size,
				 ms->max_entries, c->detail);
		else
			snprintf(buf, len, "%s key %uB value %uB max_entries %u",
				 maptype_name(ms->type), ms->key_size, ms->value_size,
				 ms->max_entries);
		break;
	case ACT_UPDATE:
		if (mc->n_ops)
			snprintf(buf, len, "entries: %u to add, %u to change, %u to remove",
				 mc->n_add, mc->n_change, mc->n_remove);
		else
			snprintf(buf, len, "%s", c->detail ? c->detail : "");
		break;
	case ACT_REPLACE:
	case ACT_DELETE:
		snprintf(buf, len, "%s", c->detail ? c->detail : "not in manifest");
		break;
	case ACT_NOOP:
		snprintf(buf, len, "up to date");
		break;
	}
}

static void json_live(const struct live_map *lm, struct json *j)
{
	char flags[128];

	json_obj_begin(j);
	json_kv_uint(j, "id", lm->info.id);
	json_kv_str(j, "type", maptype_name(lm->info.type));
	json_kv_uint(j, "key_size", lm->info.key_size);
	json_kv_uint(j, "value_size", lm->info.value_size);
	json_kv_uint(j, "max_entries", lm->info.max_entries);
	json_kv_uint(j, "flags", lm->info.map_flags);
	mapflags_format(lm->info.map_flags, flags, sizeof(flags));
	json_kv_str(j, "flag_names", flags);
	json_kv_str(j, "name", lm->info.name);
	json_kv_bool(j, "frozen", lm->frozen);
	json_obj_end(j);
}

static void json_desired(const struct map_spec *ms, struct json *j)
{
	char flags[128];

	json_obj_begin(j);
	json_kv_str(j, "type", maptype_name(ms->type));
	json_kv_uint(j, "key_size", ms->key_size);
	json_kv_uint(j, "value_size", ms->value_size);
	json_kv_uint(j, "max_entries", ms->max_entries);
	json_kv_uint(j, "flags", ms->flags);
	mapflags_format(ms->flags, flags, sizeof(flags));
	json_kv_str(j, "flag_names", flags);
	json_kv_str(j, "name", ms->kname);
	json_kv_bool(j, "frozen", ms->frozen);
	if (ms->inner_map)
		json_kv_str(j, "inner_map", ms->inner_map);
	json_kv_str(j, "entries_policy", policy_name(ms->policy));
	json_kv_uint(j, "entries", ms->n_entries);
	json_kv_bool(j, "prevent_destroy", ms->prevent_destroy);
	json_kv_bool(j, "preserve_entries", ms->preserve_entries);
	json_obj_end(j);
}

void map_json_attrs(const struct change *c, const struct manifest *m, bool after,
			   struct json *j)
{
	if (after) {
		if (c->action == ACT_DELETE || c->spec < 0)
			json_null(j);
		else
			json_desired(&m->maps[c->spec], j);
		return;
	}
	const struct live_map *lm = map_change_of(c)->live;

	if (c->action == ACT_CREATE || !lm || lm->pin_state != PIN_MAP)
		json_null(j);
	else
		json_live(lm, j);
}
