// SPDX-License-Identifier: GPL-2.0-only
/*
 * Iterators, the pure half.  An iter link is re-created when what it was
 * made from changes: its program is reloaded, its map is replaced, or its
 * parameter changes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/elf.h"
#include "kinds/program/program.h"
#include "core/fingerprint.h"
#include "core/json.h"
#include "kinds/iterator/iterator.h"

uint64_t iterator_spec_fp(const struct manifest *m, const struct iterator_spec *it)
{
	const struct program_spec *ps = it->prog_entry >= 0 ? &m->programs[it->prog_entry] : NULL;
	struct fp f;

	if (fp_init(&f))
		return 0;
	/* the program it resolves to: "dump" and "dump/dump_map" are the same */
	fp_str(&f, ps ? ps->name : it->program);
	fp_str(&f, ps && ps->elf && it->prog_index >= 0 ? program_name_at(ps, (size_t)it->prog_index)
							  : NULL);
	fp_u32(&f, it->param);
	fp_str(&f, it->map.name);
	fp_str(&f, it->map.pinned);
	fp_u32(&f, it->task_id);
	fp_u32(&f, it->task_is_tid);
	fp_str(&f, it->cgroup_path);
	fp_str(&f, it->cgroup_order);
	return fp_final(&f);
}

static bool rebuilt(const struct change *c)
{
	return c && (c->action == ACT_CREATE || c->action == ACT_REPLACE);
}

static uint32_t recorded_map_id(const struct state_res *r)
{
	size_t i;

	for (i = 0; i < r->n_subs; i++)
		if (r->subs[i].kind == SUB_MAP)
			return r->subs[i].id;
	return 0;
}

/* Why an existing link must be re-created, or NULL. */
static const char *why_recreate(const struct plan *p, const struct manifest *m,
				const struct iterator_spec *it, const struct live_iterator *li,
				const struct state_res *r, enum reason *reason)
{
	static char buf[160];

	*reason = R_PIN_REPLACED;
	if (li->pin_state != PIN_MAP || li->link_id != r->id)
		return "pin replaced outside bpfapply";
	*reason = R_ATTRS_CHANGED;
	if (r->spec_fp != iterator_spec_fp(m, it))
		return "program or parameter changed";
	*reason = R_DEP_REPLACED;
	if (it->prog_entry >= 0 &&
	    rebuilt(plan_find(p, KIND_PROGRAM, m->programs[it->prog_entry].name))) {
		snprintf(buf, sizeof(buf), "program %s reloaded", m->programs[it->prog_entry].name);
		return buf;
	}
	if (it->param == ITER_PARAM_MAP && it->map.name &&
	    rebuilt(plan_find(p, KIND_MAP, it->map.name))) {
		snprintf(buf, sizeof(buf), "map %s replaced", it->map.name);
		return buf;
	}
	if (it->param == ITER_PARAM_MAP && it->map.pinned && li->param_map_id != recorded_map_id(r))
		return "pinned map changed";
	return NULL;
}

static int diff_declared(struct plan *p, const struct manifest *m, struct live *lv, size_t idx,
			 struct diag *d)
{
	const struct iterator_spec *it = &m->iterators[idx];
	struct live_iterator *li = live_find_iterator(lv, it->name);
	const char *why;
	struct change *c;

	c = plan_add_change(p, KIND_ITERATOR, it->name, li ? li->pin : NULL);
	if (!c || !li)
		return -ENOMEM;
	c->spec = (int)idx;
	c->prior = state_find(&lv->state, KIND_ITERATOR, it->name);
	if (!c->prior && li->pin_state != PIN_ABSENT) {
		c->foreign = true;
		diag_error(d, &it->loc, "iterator \"%s\": %s exists but was not created by bpfapply; "
					"remove it or rename the iterator",
			   it->name, li->pin);
		return 0;
	}
	if (!c->prior || li->pin_state == PIN_ABSENT) {
		c->action = ACT_CREATE;
		c->reason = c->prior ? R_PIN_REMOVED : R_NEW;
		return c->prior ? change_set_detail(c, "pin removed outside bpfapply") : 0;
	}
	why = why_recreate(p, m, it, li, c->prior, &c->reason);
	if (!why) {
		c->reason = R_NONE;
		return 0;
	}
	c->action = ACT_REPLACE;
	return change_set_detail(c, "%s", why);
}

int iterator_diff(struct plan *p, const struct manifest *m, struct live *lv,
			 bool destroy, struct diag *d)
{
	size_t i;
	int err;

	for (i = 0; m && !destroy && i < m->n_iterators; i++) {
		err = diff_declared(p, m, lv, i, d);
		if (err)
			return err;
	}
	for (i = 0; i < lv->state.n; i++) {
		const struct state_res *r = &lv->state.res[i];
		struct live_iterator *li;
		struct change *c;

		if (r->kind != KIND_ITERATOR ||
		    (!destroy && m && manifest_iterator_index(m, r->name) >= 0))
			continue;
		li = live_find_iterator(lv, r->name);
		c = plan_add_change(p, KIND_ITERATOR, r->name, li ? li->pin : NULL);
		if (!c || !li)
			return -ENOMEM;
		c->prior = r;
		c->action = ACT_DELETE;
		c->reason = destroy ? R_DESTROY : R_NOT_IN_MANIFEST;
		/* an unfinished apply may have left the link it was replacing */
		c->foreign = li->pin_state != PIN_MAP ||
			     (li->link_id != r->id && !lv->state.pending);
		change_set_detail(c, "%s%s", destroy ? "destroy" : "not in manifest",
				  li->pin_state == PIN_ABSENT ? "; pin already removed"
				  : c->foreign ? "; the pin now holds an object bpfapply did not create, left alone"
					       : "");
	}
	return 0;
}

static void describe_param(const struct iterator_spec *it, char *buf, size_t len)
{
	switch (it->param) {
	case ITER_PARAM_MAP:
		snprintf(buf, len, ", map %s", it->map.name ? it->map.name : it->map.pinned);
		break;
	case ITER_PARAM_TASK:
		snprintf(buf, len, ", %s %u", it->task_is_tid ? "tid" : "pid", it->task_id);
		break;
	case ITER_PARAM_CGROUP:
		snprintf(buf, len, ", cgroup %s%s%s", it->cgroup_path, it->cgroup_order ? " " : "",
			 it->cgroup_order ? it->cgroup_order : "");
		break;
	case ITER_PARAM_NONE:
		buf[0] = '\0';
		break;
	}
}

void iterator_describe(const struct change *c, const struct manifest *m, char *buf,
			      size_t len)
{
	const struct iterator_spec *it = c->spec >= 0 ? &m->iterators[c->spec] : NULL;
	char param[320];

	if (c->action == ACT_NOOP) {
		snprintf(buf, len, "up to date");
	} else if (c->action == ACT_CREATE && it) {
		describe_param(it, param, sizeof(param));
		snprintf(buf, len, "program %s%s%s%s", it->program, param, c->detail ? "; " : "",
			 c->detail ? c->detail : "");
	} else {
		snprintf(buf, len, "%s", c->detail ? c->detail : "");
	}
}

void iterator_json_attrs(const struct change *c, const struct manifest *m, bool after,
				struct json *j)
{
	const struct iterator_spec *it = c->spec >= 0 ? &m->iterators[c->spec] : NULL;
	char param[320];

	if (after ? (!it || c->action == ACT_DELETE) : (!c->prior || c->action == ACT_CREATE)) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	if (after) {
		json_kv_str(j, "program", it->program);
		describe_param(it, param, sizeof(param));
		json_kv_str(j, "parameter", param[0] ? param + 2 : NULL);
	} else {
		json_kv_uint(j, "link_id", c->prior->id);
	}
	json_obj_end(j);
}
