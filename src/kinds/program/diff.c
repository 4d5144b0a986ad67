// SPDX-License-Identifier: GPL-2.0-only
/*
 * Program entries, the pure half.  An entry is reloaded only when its ELF
 * object's fingerprint or its load parameters changed, when a map it reuses
 * is replaced, or when its pins were changed behind bpfapply's back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/elf.h"
#include "core/fingerprint.h"
#include "core/json.h"
#include "kinds/program/program.h"

/* Indices 0..n-1 sorted by the names get(i) returns, so order in the manifest does not count. */
static size_t *sorted_by_name(size_t n, const char *(*get)(const struct program_spec *, size_t),
			      const struct program_spec *ps)
{
	size_t *idx = calloc(n ? n : 1, sizeof(*idx)), i, j;

	for (i = 0; idx && i < n; i++) {
		size_t v = i;

		/* insertion sort: these lists are short */
		for (j = i; j > 0 && strcmp(get(ps, idx[j - 1]), get(ps, v)) > 0; j--)
			idx[j] = idx[j - 1];
		idx[j] = v;
	}
	return idx;
}

static const char *prog_at(const struct program_spec *ps, size_t i)
{
	return program_name_at(ps, i);
}

static const char *binding_at(const struct program_spec *ps, size_t i)
{
	return ps->maps[i].elf_name;
}

static const char *global_at(const struct program_spec *ps, size_t i)
{
	return ps->globals[i].name;
}

static void fp_global(struct fp *f, const struct program_spec *ps, const struct global_var *g)
{
	const struct elf_var *v = elf_find_var(ps->elf, g->name);
	uint8_t buf[4096];
	char why[128];

	fp_str(f, g->name);
	/* the encoded bytes, so that 7 and 0x7 are the same value */
	if (v && v->size <= sizeof(buf) && !global_encode(g, v, buf, why, sizeof(why)))
		fp_bytes(f, buf, v->size);
	else
		fp_str(f, g->is_int ? g->int_text : "?");
}

uint64_t program_params_fp(const struct program_spec *ps)
{
	size_t *progs = sorted_by_name(program_count(ps), prog_at, ps);
	size_t *maps = sorted_by_name(ps->n_maps, binding_at, ps);
	size_t *globals = sorted_by_name(ps->n_globals, global_at, ps);
	uint64_t h = 0;
	struct fp f;
	size_t i;

	if (!progs || !maps || !globals || fp_init(&f))
		goto free_lists;
	fp_str(&f, ps->type);
	for (i = 0; i < program_count(ps); i++)
		fp_str(&f, program_name_at(ps, progs[i]));
	fp_u32(&f, 0xffffffff);
	for (i = 0; i < ps->n_maps; i++) {
		fp_str(&f, ps->maps[maps[i]].elf_name);
		fp_str(&f, ps->maps[maps[i]].target.name);
		fp_str(&f, ps->maps[maps[i]].target.pinned);
	}
	fp_u32(&f, 0xffffffff);
	for (i = 0; i < ps->n_globals; i++)
		fp_global(&f, ps, &ps->globals[globals[i]]);
	h = fp_final(&f);
free_lists:
	free(progs);
	free(maps);
	free(globals);
	return h;
}

/* "1 program", "3 programs" (static buffer) */
static const char *nprogs(size_t n)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%zu program%s", n, n == 1 ? "" : "s");
	return buf;
}

const char *program_drifted_pin(const struct live_program *lp, const struct state_res *r,
				bool *removed)
{
	size_t i;

	for (i = 0; i < r->n_subs; i++) {
		const struct state_sub *s = &r->subs[i];
		const struct live_pin *p = NULL;

		if (s->kind == SUB_PROG)
			p = live_pin_find(lp->progs, lp->n_progs, s->name);
		else if (s->kind == SUB_MAP)
			p = live_pin_find(lp->maps, lp->n_maps, s->name);
		else
			continue;
		if (!p || p->pin_state == PIN_ABSENT) {
			*removed = true;
			return s->name;
		}
		if (p->pin_state != PIN_MAP || p->id != s->id) {
			*removed = false;
			return s->name;
		}
	}
	return NULL;
}

/* A reused manifest map that gets a new object, or an outside map that changed. */
static const char *changed_dependency(const struct plan *p, const struct program_spec *ps,
				      const struct live_program *lp, const struct state_res *r)
{
	size_t i, k;

	for (i = 0; i < ps->n_maps; i++) {
		const struct map_ref *t = &ps->maps[i].target;
		const struct change *mc;

		if (t->name) {
			mc = plan_find(p, KIND_MAP, t->name);
			if (mc && (mc->action == ACT_CREATE || mc->action == ACT_REPLACE))
				return t->name;
			continue;
		}
		for (k = 0; k < r->n_subs; k++) {
			const struct live_pin *b = live_pin_find(lp->bound, lp->n_bound,
								 ps->maps[i].elf_name);

			if (r->subs[k].kind == SUB_PINNED &&
			    !strcmp(r->subs[k].name, ps->maps[i].elf_name) &&
			    (!b || b->id != r->subs[k].id))
				return t->pinned;
		}
	}
	return NULL;
}

static int diff_recorded(struct change *c, const struct plan *p, const struct program_spec *ps,
			 const struct live_program *lp)
{
	size_t n = program_count(ps);
	bool removed = false;
	const char *what;

	if (!lp->dir_exists) {
		c->action = ACT_CREATE;
		c->reason = R_PIN_REMOVED;
		return change_set_detail(c, "pins removed outside bpfapply; %s loaded", nprogs(n));
	}
	c->action = ACT_REPLACE;
	if ((what = program_drifted_pin(lp, c->prior, &removed))) {
		c->reason = removed ? R_PIN_REMOVED : R_PIN_REPLACED;
		return change_set_detail(c, "pin %s %s outside bpfapply; %s reloaded", what,
					 removed ? "removed" : "replaced", nprogs(n));
	}
	c->reason = R_ATTRS_CHANGED;
	if (c->prior->entries_fp != ps->elf->fp)
		return change_set_detail(c, "object changed; %s reloaded", nprogs(n));
	if (c->prior->spec_fp != program_params_fp(ps))
		return change_set_detail(c, "load parameters changed; %s reloaded",
					 nprogs(n));
	if ((what = changed_dependency(p, ps, lp, c->prior))) {
		c->reason = R_DEP_REPLACED;
		return change_set_detail(c, "map %s replaced; %s reloaded", what,
					 nprogs(n));
	}
	c->action = ACT_NOOP;
	c->reason = R_NONE;
	return 0;
}

static int diff_declared(struct plan *p, const struct manifest *m, struct live *lv, size_t idx,
			 struct diag *d)
{
	const struct program_spec *ps = &m->programs[idx];
	struct live_program *lp = live_find_program(lv, ps->name);
	struct change *c;

	c = plan_add_change(p, KIND_PROGRAM, ps->name, lp ? lp->dir : NULL);
	if (!c || !lp)
		return -ENOMEM;
	c->spec = (int)idx;
	c->prior = state_find(&lv->state, KIND_PROGRAM, ps->name);
	if (!ps->elf)
		return 0; /* manifest_check_objects reported why */
	if (c->prior && lv->state.pending && (c->prior->flags & STATE_F_INTENT_NEW) &&
	    lp->dir_exists && (program_drifted_pin(lp, c->prior, &(bool){ false }) ||
				lp->unrecorded)) {
		/* the entry was never committed: what is there is not the staged objects */
		c->foreign = true;
		diag_error(d, &ps->loc,
			   "program entry \"%s\": %s holds pins bpfapply did not create (an apply "
			   "that was to create them was interrupted); remove them or rename the "
			   "entry",
			   ps->name, lp->dir);
		return 0;
	}
	if (c->prior) {
		int err = diff_recorded(c, p, ps, lp);

		/* a reload swaps the whole directory: it would take that pin with it */
		if (!err && lp->unrecorded &&
		    (c->action == ACT_REPLACE || c->action == ACT_CREATE)) {
			c->foreign = true;
			diag_error(d, &ps->loc,
				   "program entry \"%s\": %s was not created by bpfapply and would "
				   "be removed by the reload; move it out of %s",
				   ps->name, lp->unrecorded, lp->dir);
		}
		return err;
	}
	if (lp->has_pins) {
		c->foreign = true;
		diag_error(d, &ps->loc,
			   "program entry \"%s\": %s holds pins bpfapply did not create; remove them "
			   "or rename the entry",
			   ps->name, lp->dir);
		return 0;
	}
	c->action = ACT_CREATE;
	c->reason = R_NEW;
	return change_set_detail(c, "%s from %s", nprogs(program_count(ps)), ps->object);
}

int program_diff(struct plan *p, const struct manifest *m, struct live *lv, bool destroy,
			struct diag *d)
{
	size_t i;
	int err;

	for (i = 0; m && !destroy && i < m->n_programs; i++) {
		err = diff_declared(p, m, lv, i, d);
		if (err)
			return err;
	}
	for (i = 0; i < lv->state.n; i++) {
		const struct state_res *r = &lv->state.res[i];
		struct live_program *lp;
		struct change *c;

		if (r->kind != KIND_PROGRAM ||
		    (!destroy && m && manifest_program_index(m, r->name) >= 0))
			continue;
		lp = live_find_program(lv, r->name);
		c = plan_add_change(p, KIND_PROGRAM, r->name, lp ? lp->dir : NULL);
		if (!c || !lp)
			return -ENOMEM;
		c->prior = r;
		c->action = ACT_DELETE;
		c->reason = destroy ? R_DESTROY : R_NOT_IN_MANIFEST;
		change_set_detail(c, "%s", destroy ? "destroy" : "not in manifest");
	}
	return 0;
}

/*
 * A map the map kind decided to replace only once it knew the programs'
 * actions (a frozen prog_array whose target is reloaded): the programs
 * that reuse it are reloaded with the new map too.
 */
int program_diff_late(struct plan *p, const struct manifest *m, struct live *lv,
			     struct diag *d)
{
	size_t i;

	(void)d;
	for (i = 0; i < p->n; i++) {
		struct change *c = &p->changes[i];
		const struct program_spec *ps;
		struct live_program *lp;
		const char *what;

		if (c->kind != KIND_PROGRAM || c->spec < 0 || c->action != ACT_NOOP ||
		    !c->prior || c->foreign)
			continue;
		ps = &m->programs[c->spec];
		lp = live_find_program(lv, ps->name);
		if (!ps->elf || !lp || !(what = changed_dependency(p, ps, lp, c->prior)))
			continue;
		c->action = ACT_REPLACE;
		c->reason = R_DEP_REPLACED;
		if (change_set_detail(c, "map %s replaced; %s reloaded", what,
				      nprogs(program_count(ps))))
			return -ENOMEM;
	}
	return 0;
}

void program_describe(const struct change *c, const struct manifest *m, char *buf,
			     size_t len)
{
	(void)m;
	snprintf(buf, len, "%s", c->action == ACT_NOOP ? "up to date" : c->detail ? c->detail : "");
}

void program_json_attrs(const struct change *c, const struct manifest *m, bool after,
			       struct json *j)
{
	const struct program_spec *ps = c->spec >= 0 ? &m->programs[c->spec] : NULL;
	size_t i;

	if (after ? (!ps || c->action == ACT_DELETE) : (!c->prior || c->action == ACT_CREATE)) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	if (after) {
		json_kv_str(j, "object", ps->object);
		json_kv_str(j, "type", ps->type);
		json_key(j, "programs");
		json_arr_begin(j);
		for (i = 0; i < program_count(ps); i++)
			json_str(j, program_name_at(ps, i));
		json_arr_end(j);
	} else {
		json_key(j, "programs");
		json_obj_begin(j);
		for (i = 0; i < c->prior->n_subs; i++)
			if (c->prior->subs[i].kind == SUB_PROG)
				json_kv_uint(j, c->prior->subs[i].name, c->prior->subs[i].id);
		json_obj_end(j);
	}
	json_obj_end(j);
}
