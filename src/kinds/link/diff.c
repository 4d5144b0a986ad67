// SPDX-License-Identifier: GPL-2.0-only
/*
 * Links, the pure half.  A link is replaced (a new link, then the old one
 * detached) when its hook changes or is lost; it is updated in place with
 * bpf_link_update when only its program changes, so the hook never runs
 * without a program.  A hook held by someone else's program is an error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/elf.h"
#include "kinds/program/program.h"
#include "core/fingerprint.h"
#include "core/json.h"
#include "kinds/link/link.h"

const char *link_hook_name(enum link_hook h)
{
	switch (h) {
	case HOOK_XDP: return "xdp";
	case HOOK_TC: return "tc";
	case HOOK_CGROUP: return "cgroup";
	}
	return "?";
}

void link_describe_hook(const struct link_spec *ls, char *buf, size_t len)
{
	if (ls->hook == HOOK_CGROUP)
		snprintf(buf, len, "cgroup %s %s", ls->cgroup_path, ls->cg ? ls->cg->name : "?");
	else if (ls->hook == HOOK_TC)
		snprintf(buf, len, "tc %s %s", ls->interface, ls->egress ? "egress" : "ingress");
	else
		snprintf(buf, len, "xdp %s%s", ls->interface,
			 ls->mode == XDPM_NATIVE ? " native" : ls->mode == XDPM_GENERIC ? " generic" : "");
}

uint64_t link_hook_fp(const struct link_spec *ls)
{
	char buf[4200];
	struct fp f;

	if (fp_init(&f))
		return 0;
	link_describe_hook(ls, buf, sizeof(buf));
	fp_str(&f, buf);
	return fp_final(&f);
}

/* The program entry a link's REF resolves to (and the program's name), or NULL. */
static const struct program_spec *resolved(const struct manifest *m, const struct link_spec *ls,
					   const char **prog)
{
	int entry = -1;

	*prog = NULL;
	if (!ls->program || !m->programs || ref_resolve(m, ls->program, &entry, prog) ||
	    entry < 0 || (size_t)entry >= m->n_programs)
		return NULL;
	return &m->programs[entry];
}

uint64_t link_program_fp(const struct manifest *m, const struct link_spec *ls)
{
	const struct program_spec *ps;
	const char *prog;
	struct fp f;

	if (fp_init(&f))
		return 0;
	/* the program it resolves to: "xdp" and "xdp/xdp_count" are the same */
	ps = resolved(m, ls, &prog);
	fp_str(&f, ps ? ps->name : ls->program);
	fp_str(&f, prog);
	return fp_final(&f);
}

static bool rebuilt(const struct change *c)
{
	return c && (c->action == ACT_CREATE || c->action == ACT_REPLACE);
}

/* The id of the program the link should run as pinned now; 0 when unknown. */
static uint32_t desired_prog_id(const struct manifest *m, const struct live *lv,
				const struct link_spec *ls)
{
	const struct program_spec *ps;
	const struct live_program *lp;
	const struct live_pin *pin;
	const char *prog;

	ps = resolved(m, ls, &prog);
	if (!ps)
		return 0;
	lp = live_find_program(lv, ps->name);
	pin = lp ? live_pin_find(lp->progs, lp->n_progs, prog) : NULL;
	return pin && pin->pin_state == PIN_MAP ? pin->id : 0;
}

static bool detached(const struct live_link *ll)
{
	return ll->link_type == BPF_LINK_TYPE_CGROUP ? !ll->cgroup_id : !ll->ifindex;
}

/* Why the link must be a new one (in buf), or NULL. */
static const char *why_replace(const struct link_spec *ls, const struct live_link *ll,
			       const struct state_res *r, enum reason *reason, char *buf, size_t len)
{
	char hook[4100];

	const char *what = ls->hook == HOOK_CGROUP ? "cgroup" : "interface";
	const char *name = ls->hook == HOOK_CGROUP ? ls->cgroup_path : ls->interface;
	uint64_t now = ll->link_type == BPF_LINK_TYPE_CGROUP ? ll->cgroup_id : ll->ifindex;

	*reason = R_PIN_REPLACED;
	if (ll->pin_state != PIN_MAP || ll->link_id != r->id)
		return "pin replaced outside bpfapply";
	*reason = R_ATTRS_CHANGED;
	if (r->spec_fp != link_hook_fp(ls)) {
		link_describe_hook(ls, hook, sizeof(hook));
		snprintf(buf, len, "hook changed to %s", hook);
		return buf;
	}
	*reason = R_DETACHED;
	if (r->hook_id && r->hook_id != ll->target_id) {
		snprintf(buf, len, "%s %s re-created (id %llu, was %llu)", what, name,
			 (unsigned long long)ll->target_id, (unsigned long long)r->hook_id);
		return buf;
	}
	if (detached(ll))
		return "link detached outside bpfapply";
	if (now != ll->target_id) {
		snprintf(buf, len, "%s %s is id %llu now, the link is on %llu", what, name,
			 (unsigned long long)ll->target_id, (unsigned long long)now);
		return buf;
	}
	return NULL;
}

/* Why the link's program must be swapped, or NULL. */
static const char *why_update(const struct plan *p, const struct manifest *m,
			      const struct live *lv, const struct link_spec *ls,
			      const struct live_link *ll, const struct state_res *r)
{
	const struct program_spec *ps = ls->prog_entry >= 0 ? &m->programs[ls->prog_entry] : NULL;
	uint32_t want;

	if (ps && rebuilt(plan_find(p, KIND_PROGRAM, ps->name)))
		return "program reloaded";
	if (r->entries_fp != link_program_fp(m, ls))
		return "program changed";
	want = desired_prog_id(m, lv, ls);
	if (want && want != ll->prog_id)
		return "program swapped outside bpfapply";
	return NULL;
}

static bool check_hook(const struct link_spec *ls, const struct live_link *ll, struct diag *d)
{
	if (ll->target_err) {
		diag_error(d, &ls->hook_loc, "link \"%s\": %s %s: %s", ls->name,
			   ls->hook == HOOK_CGROUP ? "cgroup" : "interface",
			   ls->hook == HOOK_CGROUP ? ls->cgroup_path : ls->interface,
			   ls->hook == HOOK_CGROUP ? strerror(-ll->target_err) : "no such interface");
		return false;
	}
	if (ll->holder_prog_id && !ll->holder_ours && ls->hook == HOOK_CGROUP) {
		diag_error(d, &ls->hook_loc,
			   "link \"%s\": cgroup %s already runs program %s (id %u) on %s, attached "
			   "without BPF_F_ALLOW_MULTI by someone else; it is left alone: detach it first",
			   ls->name, ls->cgroup_path,
			   ll->holder_prog_name[0] ? ll->holder_prog_name : "?", ll->holder_prog_id,
			   ls->cg ? ls->cg->name : "?");
		return false;
	}
	if (ll->holder_prog_id && !ll->holder_ours) {
		char how[64];

		if (ll->holder_link_id)
			snprintf(how, sizeof(how), "by link %u", ll->holder_link_id);
		else
			snprintf(how, sizeof(how), "without a link (ip link set ... xdp)");
		diag_error(d, &ls->hook_loc,
			   "link \"%s\": interface %s already runs XDP program %s (id %u), attached "
			   "%s by someone else; it is left alone: detach it first",
			   ls->name, ls->interface, ll->holder_prog_name[0] ? ll->holder_prog_name : "?",
			   ll->holder_prog_id, how);
		return false;
	}
	return true;
}

static int diff_declared(struct plan *p, const struct manifest *m, struct live *lv, size_t idx,
			 struct diag *d)
{
	const struct link_spec *ls = &m->links[idx];
	struct live_link *ll = live_find_link(lv, ls->name);
	char buf[4200];
	const char *why;
	struct change *c;

	c = plan_add_change(p, KIND_LINK, ls->name, ll ? ll->pin : NULL);
	if (!c || !ll)
		return -ENOMEM;
	c->spec = (int)idx;
	c->prior = state_find(&lv->state, KIND_LINK, ls->name);
	if (!c->prior && ll->pin_state != PIN_ABSENT) {
		c->foreign = true;
		diag_error(d, &ls->loc, "link \"%s\": %s exists but was not created by bpfapply; "
					"remove it or rename the link",
			   ls->name, ll->pin);
		return 0;
	}
	if (!check_hook(ls, ll, d))
		return 0;
	if (!c->prior || ll->pin_state == PIN_ABSENT) {
		c->action = ACT_CREATE;
		c->reason = c->prior ? R_PIN_REMOVED : R_NEW;
		return c->prior ? change_set_detail(c, "pin removed outside bpfapply") : 0;
	}
	why = why_replace(ls, ll, c->prior, &c->reason, buf, sizeof(buf));
	if (why) {
		c->action = ACT_REPLACE;
		return change_set_detail(c, "%s", why);
	}
	why = why_update(p, m, lv, ls, ll, c->prior);
	if (!why) {
		c->reason = R_NONE;
		return 0;
	}
	c->action = ACT_UPDATE;
	c->reason = R_PROGRAM;
	c->drift = !strcmp(why, "program swapped outside bpfapply");
	return change_set_detail(c, "%s", why);
}

static int diff_recorded_only(struct plan *p, struct live *lv, const struct state_res *r,
			      bool destroy)
{
	struct live_link *ll = live_find_link(lv, r->name);
	struct change *c;

	c = plan_add_change(p, KIND_LINK, r->name, ll ? ll->pin : NULL);
	if (!c || !ll)
		return -ENOMEM;
	c->prior = r;
	c->action = ACT_DELETE;
	c->reason = destroy ? R_DESTROY : R_NOT_IN_MANIFEST;
	/* an unfinished apply may have left the link it was replacing */
	c->foreign = ll->pin_state != PIN_MAP || (ll->link_id != r->id && !lv->state.pending);
	return change_set_detail(c, "%s%s", destroy ? "destroy" : "not in manifest",
				 ll->pin_state == PIN_ABSENT ? "; pin already removed"
				 : c->foreign ? "; the pin now holds an object bpfapply did not create, left alone"
					      : "; detached");
}

/* Diffs run before the program kind's diff_late: a program's own change is known. */
int link_diff_late(struct plan *p, const struct manifest *m, struct live *lv,
			  struct diag *d)
{
	size_t i;
	int err;

	for (i = 0; i < m->n_links; i++) {
		err = diff_declared(p, m, lv, i, d);
		if (err)
			return err;
	}
	return 0;
}

int link_diff(struct plan *p, const struct manifest *m, struct live *lv, bool destroy,
		     struct diag *d)
{
	size_t i;
	int err;

	(void)d;
	for (i = 0; i < lv->state.n; i++) {
		const struct state_res *r = &lv->state.res[i];

		if (r->kind != KIND_LINK || (!destroy && m && manifest_link_index(m, r->name) >= 0))
			continue;
		err = diff_recorded_only(p, lv, r, destroy);
		if (err)
			return err;
	}
	return 0;
}

void link_describe(const struct change *c, const struct manifest *m, char *buf, size_t len)
{
	const struct link_spec *ls = c->spec >= 0 ? &m->links[c->spec] : NULL;
	char hook[4200];

	if (c->action == ACT_NOOP) {
		snprintf(buf, len, "up to date");
	} else if (c->action == ACT_CREATE && ls) {
		link_describe_hook(ls, hook, sizeof(hook));
		snprintf(buf, len, "program %s on %s%s%s", ls->program, hook, c->detail ? "; " : "",
			 c->detail ? c->detail : "");
	} else {
		snprintf(buf, len, "%s", c->detail ? c->detail : "");
	}
}

static void json_hook(struct json *j, const struct link_spec *ls)
{
	json_kv_str(j, "hook", link_hook_name(ls->hook));
	if (ls->hook == HOOK_CGROUP) {
		json_kv_str(j, "cgroup", ls->cgroup_path);
		json_kv_str(j, "attach", ls->cg ? ls->cg->name : NULL);
		return;
	}
	json_kv_str(j, "interface", ls->interface);
	if (ls->hook == HOOK_TC)
		json_kv_str(j, "direction", ls->egress ? "egress" : "ingress");
	else
		json_kv_str(j, "mode", ls->mode == XDPM_NATIVE ? "native"
				       : ls->mode == XDPM_GENERIC ? "generic" : NULL);
}

void link_json_attrs(const struct change *c, const struct manifest *m, bool after,
			    struct json *j)
{
	const struct link_spec *ls = c->spec >= 0 ? &m->links[c->spec] : NULL;

	if (after ? (!ls || c->action == ACT_DELETE) : (!c->prior || c->action == ACT_CREATE)) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	if (after) {
		json_kv_str(j, "program", ls->program);
		json_hook(j, ls);
	} else {
		json_kv_uint(j, "link_id", c->prior->id);
		json_kv_uint(j, "hook_id", c->prior->hook_id);
	}
	json_obj_end(j);
}
