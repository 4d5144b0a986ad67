// SPDX-License-Identifier: GPL-2.0-only
/*
 * The diff of links with no kernel: a manifest naming tests/bpf/
 * link_progs.bpf.o (checked against the ELF, as `plan` does), a live
 * snapshot and state record built by hand the way live_read() fills them,
 * and plan_compute() in between.  Run from the top of the tree.
 */
#include "unit.h"
#include "fixture.h"

#include <errno.h>
#include <limits.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/elf.h"
#include "kinds/program/program.h"
#include "kinds/link/link.h"

#define HEADER "bpfapply: v1\nscope: t\n"
#define OBJ "tests/bpf/link_progs.bpf.o"

static char obj_path[PATH_MAX];

static int group_setup(void **state)
{
	(void)state;
	if (!realpath(OBJ, obj_path)) {
		fprintf(stderr, "test_diff_links: %s missing (run make first)\n", OBJ);
		return -1;
	}
	return 0;
}

/* programs p (xdp_count, tc_count, cg_count) plus the links given */
static void load(struct fx *f, const char *links, const char *extra_elf_error)
{
	struct diag d = { 0 };
	char *body;
	size_t i;

	assert_true(asprintf(&body, "programs:\n  p: {object: %s}\nlinks:\n%s", obj_path, links) > 0);
	fx_adopt(f, fx_parse(HEADER, body));
	free(body);
	assert_int_equal(manifest_check_objects(f->m, &d), 0);
	for (i = 0; i < d.n; i++)
		if (!extra_elf_error || !strstr(d.msgs[i].text, extra_elf_error))
			fail_msg("unexpected ELF check error: %s", d.msgs[i].text);
	if (extra_elf_error)
		assert_true(d.n > 0);
	diag_free(&d);
}

/* Program entry p, loaded and untouched: programs have ids 100, 101, 102. */
static void managed_p(struct fx *f)
{
	const struct program_spec *ps = &f->m->programs[0];
	struct state_res *r = state_upsert(&f->lv.state, KIND_PROGRAM, "p");
	struct live_program *lp;
	size_t i;

	f->lv.programs = calloc(1, sizeof(*lp));
	assert_non_null(f->lv.programs);
	f->lv.n_programs = 1;
	lp = f->lv.programs;
	lp->name = strdup("p");
	assert_true(asprintf(&lp->dir, "%s/programs/p", SCOPE_DIR) > 0);
	lp->dir_exists = lp->has_pins = true;
	r->spec_fp = program_params_fp(ps);
	r->entries_fp = ps->elf->fp;
	lp->progs = calloc(program_count(ps), sizeof(*lp->progs));
	for (i = 0; i < program_count(ps); i++) {
		const char *pn = program_name_at(ps, i);

		assert_int_equal(state_res_add_sub(r, SUB_PROG, pn, 100 + (uint32_t)i), 0);
		lp->progs[i].name = strdup(pn);
		assert_true(asprintf(&lp->progs[i].path, "%s/%s", lp->dir, pn) > 0);
		lp->progs[i].pin_state = PIN_MAP;
		lp->progs[i].id = 100 + (uint32_t)i;
	}
	lp->n_progs = program_count(ps);
	f->lv.have_state = true;
}

static uint32_t prog_id_of(const struct fx *f, const char *prog)
{
	const struct live_program *lp = &f->lv.programs[0];
	const struct live_pin *pin = live_pin_find(lp->progs, lp->n_progs, prog);

	assert_non_null(pin);
	return pin->id;
}

/* The live slot of a link, nothing pinned; its hook looked up as target_id. */
static struct live_link *llink(struct fx *f, const char *name, uint64_t target_id)
{
	struct live_link *v = realloc(f->lv.links, (f->lv.n_links + 1) * sizeof(*v)), *ll;

	assert_non_null(v);
	f->lv.links = v;
	ll = &v[f->lv.n_links++];
	memset(ll, 0, sizeof(*ll));
	ll->name = strdup(name);
	assert_true(asprintf(&ll->pin, "%s/links/%s", SCOPE_DIR, name) > 0);
	ll->target_read = true;
	ll->target_id = target_id;
	return ll;
}

/* A link bpfapply made from its current spec, attached as recorded. */
static struct live_link *managed_link(struct fx *f, const char *name, uint32_t id,
				      uint64_t hook_id, const char *prog)
{
	const struct link_spec *ls = &f->m->links[manifest_link_index(f->m, name)];
	struct state_res *r = state_upsert(&f->lv.state, KIND_LINK, name);
	struct live_link *ll = llink(f, name, hook_id);

	assert_non_null(r);
	r->id = id;
	r->hook_id = hook_id;
	r->spec_fp = link_hook_fp(ls);
	r->entries_fp = link_program_fp(f->m, ls);
	ll->pin_state = PIN_MAP;
	ll->link_id = id;
	ll->prog_id = prog_id_of(f, prog);
	if (ls->hook == HOOK_CGROUP) {
		ll->link_type = BPF_LINK_TYPE_CGROUP;
		ll->cgroup_id = hook_id;
	} else {
		ll->link_type = ls->hook == HOOK_XDP ? BPF_LINK_TYPE_XDP : LINK_TYPE_TCX;
		ll->ifindex = (uint32_t)hook_id;
	}
	return ll;
}

#define XDP_IN "  in: {program: p/xdp_count, xdp: {interface: va}}\n"

static void expect_line(struct fx *f, const char *line)
{
	const char *out = fx_render_text(f, f->m, NULL);

	if (!strstr(out, line))
		fail_msg("no line \"%s\" in:\n%s", line, out);
}

static void test_new_links(void **state)
{
	struct fx *f = *state;

	load(f, XDP_IN "  cls: {program: p/tc_count, tc: {interface: va, direction: egress}}\n"
		       "  acct: {program: p/cg_count, cgroup: {path: /sys/fs/cgroup/x, attach: ingress}}\n",
	     NULL);
	managed_p(f);
	llink(f, "in", 7);
	llink(f, "cls", 7);
	llink(f, "acct", 4242);
	compute(f, false);
	assert_int_equal(f->d.n, 0);
	assert_summary(&f->p, 3, 0, 0, 0);
	assert_int_equal(fx_change(f, KIND_LINK, "in")->reason, R_NEW);
	expect_line(f, "  + link.in");
	expect_line(f, "program p/xdp_count on xdp va\n");
	expect_line(f, "program p/tc_count on tc va egress\n");
	expect_line(f, "program p/cg_count on cgroup /sys/fs/cgroup/x ingress\n");
}

static void test_up_to_date_and_reload(void **state)
{
	struct fx *f = *state;
	struct change *c;

	load(f, XDP_IN, NULL);
	managed_p(f);
	managed_link(f, "in", 9, 7, "xdp_count");
	compute(f, false);
	assert_int_equal(fx_change(f, KIND_LINK, "in")->action, ACT_NOOP);
	assert_false(plan_has_changes(&f->p));

	/* the object changed: the entry is reloaded, the link keeps its id */
	plan_free(&f->p);
	f->lv.state.res[0].entries_fp ^= 1;
	compute(f, false);
	c = fx_change(f, KIND_LINK, "in");
	assert_int_equal(c->action, ACT_UPDATE);
	assert_int_equal(c->reason, R_PROGRAM);
	assert_string_equal(c->detail, "program reloaded");
	expect_line(f, "  ~ link.in                 program reloaded\n");
}

static void test_program_swapped_or_changed(void **state)
{
	struct fx *f = *state;
	struct live_link *ll;

	load(f, XDP_IN, NULL);
	managed_p(f);
	ll = managed_link(f, "in", 9, 7, "xdp_count");
	ll->prog_id = 555; /* someone ran bpf_link_update */
	compute(f, false);
	assert_string_equal(fx_change(f, KIND_LINK, "in")->detail, "program swapped outside bpfapply");
	assert_true(fx_change(f, KIND_LINK, "in")->drift);
	plan_free(&f->p);
	f->lv.state.res[1].entries_fp ^= 1; /* the manifest names another program */
	compute(f, false);
	assert_string_equal(fx_change(f, KIND_LINK, "in")->detail, "program changed");
	assert_false(fx_change(f, KIND_LINK, "in")->drift);
}

static void test_lost_hooks(void **state)
{
	struct fx *f = *state;
	struct live_link *ll;
	struct change *c;

	load(f, XDP_IN, NULL);
	managed_p(f);
	ll = managed_link(f, "in", 9, 7, "xdp_count");
	ll->ifindex = 0; /* bpftool link detach */
	compute(f, false);
	c = fx_change(f, KIND_LINK, "in");
	assert_int_equal(c->action, ACT_REPLACE);
	assert_int_equal(c->reason, R_DETACHED);
	assert_string_equal(reason_code(c->reason), "replace_because_detached_outside");
	expect_line(f, "-/+ link.in                 link detached outside bpfapply\n");

	plan_free(&f->p);
	ll->target_id = 8; /* va deleted and created again */
	compute(f, false);
	assert_string_equal(fx_change(f, KIND_LINK, "in")->detail,
			    "interface va re-created (id 8, was 7)");

	plan_free(&f->p);
	ll->pin_state = PIN_ABSENT;
	compute(f, false);
	c = fx_change(f, KIND_LINK, "in");
	assert_int_equal(c->action, ACT_CREATE);
	assert_int_equal(c->reason, R_PIN_REMOVED);
}

static void test_hook_changed(void **state)
{
	struct fx *f = *state;

	load(f, XDP_IN, NULL);
	managed_p(f);
	managed_link(f, "in", 9, 7, "xdp_count");
	f->lv.state.res[1].spec_fp ^= 1;
	compute(f, false);
	assert_string_equal(fx_change(f, KIND_LINK, "in")->detail, "hook changed to xdp va");
	assert_int_equal(fx_change(f, KIND_LINK, "in")->action, ACT_REPLACE);
}

static void test_foreign_holder_and_missing_hook(void **state)
{
	struct fx *f = *state;
	struct live_link *ll;

	load(f, XDP_IN, NULL);
	managed_p(f);
	ll = llink(f, "in", 7);
	ll->holder_prog_id = 77;
	strcpy(ll->holder_prog_name, "theirs");
	compute(f, false);
	assert_diag(&f->d, 0, "link \"in\": interface va already runs XDP program theirs (id 77), "
			      "attached without a link (ip link set ... xdp) by someone else");
	assert_int_equal(fx_change(f, KIND_LINK, "in")->action, ACT_NOOP);

	plan_free(&f->p);
	diag_free(&f->d);
	ll->holder_link_id = 12;
	ll->holder_ours = true; /* a link of this scope, e.g. left in staging: not foreign */
	compute(f, false);
	assert_int_equal(f->d.n, 0);
	assert_int_equal(fx_change(f, KIND_LINK, "in")->action, ACT_CREATE);

	plan_free(&f->p);
	ll->target_err = -ENODEV;
	compute(f, false);
	assert_diag(&f->d, 0, "link \"in\": interface va: no such interface");
}

static void test_cgroup_exclusive_holder(void **state)
{
	struct fx *f = *state;
	struct live_link *ll;

	load(f, "  acct: {program: p/cg_count, cgroup: {path: /sys/fs/cgroup/x, attach: ingress}}\n", NULL);
	managed_p(f);
	ll = llink(f, "acct", 4242);
	ll->holder_prog_id = 78;
	strcpy(ll->holder_prog_name, "theirs");
	compute(f, false);
	assert_diag(&f->d, 0, "link \"acct\": cgroup /sys/fs/cgroup/x already runs program theirs (id 78) "
			      "on ingress, attached without BPF_F_ALLOW_MULTI by someone else");
	assert_int_equal(fx_change(f, KIND_LINK, "acct")->action, ACT_NOOP);
}

static void test_removed_and_destroy(void **state)
{
	struct fx *f = *state;
	struct state_res *r;
	struct live_link *ll;

	load(f, XDP_IN, NULL);
	managed_p(f);
	managed_link(f, "in", 9, 7, "xdp_count");
	r = state_upsert(&f->lv.state, KIND_LINK, "old");
	r->id = 10;
	ll = llink(f, "old", 0);
	ll->pin_state = PIN_MAP;
	ll->link_id = 10;
	compute(f, false);
	assert_int_equal(fx_change(f, KIND_LINK, "old")->action, ACT_DELETE);
	assert_false(fx_change(f, KIND_LINK, "old")->foreign);
	expect_line(f, "  - link.old                not in manifest; detached\n");

	plan_free(&f->p);
	compute(f, true);
	assert_summary(&f->p, 0, 0, 0, 3);
	/* links go first: nothing runs a program that is about to be unpinned */
	assert_int_equal(f->p.changes[0].kind, KIND_LINK);
	assert_int_equal(f->p.changes[1].kind, KIND_LINK);
}

static void test_offline_type_checks(void **state)
{
	struct fx *f = *state;

	load(f, "  in: {program: p/tc_count, xdp: {interface: va}}\n",
	     "xdp needs an XDP program, p/tc_count is sched_cls");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_links, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_up_to_date_and_reload, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_program_swapped_or_changed, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_lost_hooks, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_hook_changed, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_foreign_holder_and_missing_hook, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_cgroup_exclusive_holder, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_removed_and_destroy, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_offline_type_checks, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
