// SPDX-License-Identifier: GPL-2.0-only
/*
 * The diff of program entries, iterators and prog_array wiring with no
 * kernel: manifests naming the BPF objects `make` builds (checked with
 * manifest_check_objects(), as `plan` does), a live snapshot and state record
 * built by hand the way live_read() fills them, and plan_compute() in
 * between.  Each test checks the action, the reason code, the detail and
 * the plan text line (design.md §7) it expects.  Tests run from the top of
 * the tree (tests/run.sh does).
 */
#include "unit.h"
#include "fixture.h"

#include <errno.h>
#include <limits.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/diag.h"
#include "core/elf.h"
#include "kinds/iterator/iterator.h"
#include "kinds/map/map.h"
#include "kinds/program/program.h"
#include "live.h"
#include "model.h"
#include "plan.h"
#include "core/state.h"

#define HEADER "bpfapply: v1\nscope: t\n"

/* ---- the BPF objects, by absolute path -------------------------------------------------- */

static struct {
	const char *tag;  /* placeholder in the YAML texts below */
	const char *rel;  /* built by make */
	char abs[PATH_MAX];
} objs[] = {
	{ "@PG@", "tests/bpf/prog_globals.bpf.o" },     /* xdp count_and_return, always_drop; map counter */
	{ "@PG2@", "tests/bpf/prog_globals_v2.bpf.o" }, /* same shape, other code */
	{ "@IM@", "examples/bpf/iter_map.bpf.o" },      /* iter/bpf_map_elem dump_map */
	{ "@IT@", "examples/bpf/iter_task.bpf.o" },     /* iter/task_file, iter/task */
	{ "@IC@", "tests/bpf/iter_cgroup.bpf.o" },      /* iter/cgroup dump_cgroup */
	{ "@TC@", "examples/bpf/tail_calls.bpf.o" },    /* main_func, bpf_func_process, bpf_func_debug */
};

static const char *obj(const char *tag)
{
	size_t i;

	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
		if (!strcmp(objs[i].tag, tag))
			return objs[i].abs;
	fail_msg("no object %s", tag);
	return NULL;
}

static int group_setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		if (!realpath(objs[i].rel, objs[i].abs)) {
			fprintf(stderr, "test_diff_kinds: %s missing (run make first, from the top of "
					"the tree)\n",
				objs[i].rel);
			return -1;
		}
	}
	return 0;
}

/* ---- loading a manifest (fx_parse() and the rest of the fixture: fixture.c) ------------ */

static void print_diags(const struct diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		char *s = diag_format(&d->msgs[i]);

		print_message("     diag: %s\n", s);
		free(s);
	}
}

/*
 * Parse HEADER + body (placeholders replaced by the objects' absolute
 * paths) from a file in a fresh temporary directory and check it against
 * the ELF objects.  When elf_allow is set, ELF errors containing it are
 * accepted (the model is still complete); any other error fails the test.
 */
static struct manifest *load_yaml_ex(const char *body, const char *elf_allow)
{
	struct diag d = { 0 };
	struct manifest *m;
	char *text = NULL;
	size_t len = 0, i;
	const char *p;
	FILE *fp;

	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	for (p = body; *p; p++) {
		bool done = false;

		for (i = 0; i < sizeof(objs) / sizeof(objs[0]) && !done; i++) {
			size_t n = strlen(objs[i].tag);

			if (!strncmp(p, objs[i].tag, n)) {
				fputs(objs[i].abs, fp);
				p += n - 1;
				done = true;
			}
		}
		if (!done)
			fputc(*p, fp);
	}
	assert_int_equal(fclose(fp), 0);
	m = fx_parse(HEADER, text);
	free(text);
	assert_int_equal(manifest_check_objects(m, &d), 0);
	for (i = 0; i < d.n; i++) {
		if (!elf_allow || !strstr(d.msgs[i].text, elf_allow)) {
			print_diags(&d);
			fail_msg("unexpected ELF check error");
		}
	}
	diag_free(&d);
	return m;
}

static struct manifest *load_yaml(const char *body)
{
	return load_yaml_ex(body, NULL);
}

/* ---- live snapshot, built as live_read() would ------------------------------------ */

/* A program entry whose directory does not exist. */
static struct live_program *lprog(struct fx *f, const char *name)
{
	struct live_program *lp = live_find_program(&f->lv, name), *v;

	if (lp)
		return lp;
	v = realloc(f->lv.programs, (f->lv.n_programs + 1) * sizeof(*v));
	assert_non_null(v);
	f->lv.programs = v;
	lp = &v[f->lv.n_programs++];
	memset(lp, 0, sizeof(*lp));
	lp->name = strdup(name);
	assert_true(asprintf(&lp->dir, "%s/programs/%s", SCOPE_DIR, name) > 0);
	assert_non_null(lp->name);
	return lp;
}

static struct live_pin *pin_add(struct live_pin **pins, size_t *n, const char *name,
				const char *path, enum pin_state st, uint32_t id)
{
	struct live_pin *v = realloc(*pins, (*n + 1) * sizeof(*v));

	assert_non_null(v);
	*pins = v;
	v = &v[(*n)++];
	memset(v, 0, sizeof(*v));
	v->name = strdup(name);
	v->path = strdup(path);
	assert_non_null(v->name);
	assert_non_null(v->path);
	v->pin_state = st;
	v->id = st == PIN_ABSENT ? 0 : id;
	return v;
}

/* An iterator whose pin is absent. */
static struct live_iterator *liter(struct fx *f, const char *name)
{
	struct live_iterator *li = live_find_iterator(&f->lv, name), *v;

	if (li)
		return li;
	v = realloc(f->lv.iterators, (f->lv.n_iterators + 1) * sizeof(*v));
	assert_non_null(v);
	f->lv.iterators = v;
	li = &v[f->lv.n_iterators++];
	memset(li, 0, sizeof(*li));
	li->name = strdup(name);
	assert_true(asprintf(&li->pin, "%s/iterators/%s", SCOPE_DIR, name) > 0);
	assert_non_null(li->name);
	li->pin_state = PIN_ABSENT;
	return li;
}

/* Load the manifest and give every declared resource its (empty) live slot. */
static void fx_load(struct fx *f, const char *body)
{
	size_t i;

	fx_adopt(f, load_yaml(body));
	for (i = 0; i < f->m->n_programs; i++)
		lprog(f, f->m->programs[i].name);
	for (i = 0; i < f->m->n_iterators; i++)
		liter(f, f->m->iterators[i].name);
}

static const struct program_spec *pspec(const struct fx *f, const char *name)
{
	int i = manifest_program_index(f->m, name);

	assert_true(i >= 0);
	return &f->m->programs[i];
}

static const struct iterator_spec *ispec(const struct fx *f, const char *name)
{
	int i = manifest_iterator_index(f->m, name);

	assert_true(i >= 0);
	return &f->m->iterators[i];
}

/* A map bpfapply created from its current spec, untouched since. */
static struct live_map *managed_map(struct fx *f, const char *name, uint32_t id)
{
	const struct map_spec *ms = spec(f, name);
	struct state_res *r = state_upsert(&f->lv.state, KIND_MAP, name);

	assert_non_null(r);
	r->id = id;
	r->spec_fp = map_spec_fp(f->m, ms);
	r->entries_fp = map_entries_fp(ms);
	r->policy = (uint8_t)ms->policy;
	f->lv.have_state = true;
	return live_as_spec(f, name, id);
}

/* The pin name of an ELF map: '.' -> '_', as `prog loadall ... pinmaps` names it. */
static char *sanitized(const char *elf_name)
{
	char *s = strdup(elf_name), *p;

	assert_non_null(s);
	for (p = s; *p; p++)
		if (*p == '.')
			*p = '_';
	return s;
}

static bool bound(const struct program_spec *ps, const char *elf_name)
{
	size_t i;

	for (i = 0; i < ps->n_maps; i++)
		if (!strcmp(ps->maps[i].elf_name, elf_name))
			return true;
	return false;
}

/*
 * A program entry bpfapply loaded from its current spec and object and that
 * nobody touched since: the record names its programs (ids base, base+1,
 * ...), its own maps (ids base+100, ...) and the ids of its {pinned: PATH}
 * maps (base+200, ...); every pin is there with the recorded id.
 */
static struct live_program *managed_prog(struct fx *f, const char *name, uint32_t base)
{
	const struct program_spec *ps = pspec(f, name);
	struct state_res *r = state_upsert(&f->lv.state, KIND_PROGRAM, name);
	struct live_program *lp = lprog(f, name);
	char *path;
	size_t i;

	assert_non_null(r);
	assert_non_null(ps->elf);
	r->spec_fp = program_params_fp(ps);
	r->entries_fp = ps->elf->fp;
	f->lv.have_state = true;
	lp->dir_exists = true;
	lp->has_pins = true;
	for (i = 0; i < program_count(ps); i++) {
		const char *pn = program_name_at(ps, i);

		assert_int_equal(state_res_add_sub(r, SUB_PROG, pn, base + (uint32_t)i), 0);
		assert_true(asprintf(&path, "%s/%s", lp->dir, pn) > 0);
		pin_add(&lp->progs, &lp->n_progs, pn, path, PIN_MAP, base + (uint32_t)i);
		free(path);
	}
	for (i = 0; i < ps->elf->n_maps; i++) {
		char *pn;

		if (bound(ps, ps->elf->maps[i].name))
			continue;
		pn = sanitized(ps->elf->maps[i].name);
		assert_int_equal(state_res_add_sub(r, SUB_MAP, pn, base + 100 + (uint32_t)i), 0);
		assert_true(asprintf(&path, "%s/maps/%s", lp->dir, pn) > 0);
		pin_add(&lp->maps, &lp->n_maps, pn, path, PIN_MAP, base + 100 + (uint32_t)i);
		free(path);
		free(pn);
	}
	for (i = 0; i < ps->n_maps; i++) {
		const struct map_binding *b = &ps->maps[i];

		if (!b->target.pinned)
			continue;
		assert_int_equal(state_res_add_sub(r, SUB_PINNED, b->elf_name,
						   base + 200 + (uint32_t)i), 0);
		pin_add(&lp->bound, &lp->n_bound, b->elf_name, b->target.pinned, PIN_MAP,
			base + 200 + (uint32_t)i);
	}
	return lp;
}

/* A state record of a program entry that is no longer declared, pins as recorded. */
static struct live_program *recorded_prog(struct fx *f, const char *name, uint32_t id)
{
	struct state_res *r = state_upsert(&f->lv.state, KIND_PROGRAM, name);
	struct live_program *lp = lprog(f, name);
	char *path;

	assert_non_null(r);
	r->spec_fp = 0x5678;
	r->entries_fp = 0x9abc;
	assert_int_equal(state_res_add_sub(r, SUB_PROG, "prog", id), 0);
	f->lv.have_state = true;
	lp->dir_exists = true;
	lp->has_pins = true;
	assert_true(asprintf(&path, "%s/prog", lp->dir) > 0);
	pin_add(&lp->progs, &lp->n_progs, "prog", path, PIN_MAP, id);
	free(path);
	return lp;
}

static struct live_pin *live_prog_pin(struct fx *f, const char *entry, const char *prog)
{
	struct live_program *lp = live_find_program(&f->lv, entry);
	size_t i;

	assert_non_null(lp);
	for (i = 0; i < lp->n_progs; i++)
		if (!strcmp(lp->progs[i].name, prog))
			return &lp->progs[i];
	fail_msg("no live pin %s/%s", entry, prog);
	return NULL;
}

static struct live_pin *live_map_pin(struct fx *f, const char *entry, const char *map)
{
	struct live_program *lp = live_find_program(&f->lv, entry);
	size_t i;

	assert_non_null(lp);
	for (i = 0; i < lp->n_maps; i++)
		if (!strcmp(lp->maps[i].name, map))
			return &lp->maps[i];
	fail_msg("no live map pin %s/maps/%s", entry, map);
	return NULL;
}

static struct state_sub *rec_sub(struct fx *f, uint8_t kind, const char *name, uint8_t sub_kind,
				 const char *sub)
{
	struct state_res *r = state_find(&f->lv.state, kind, name);
	size_t i;

	assert_non_null(r);
	for (i = 0; i < r->n_subs; i++)
		if (r->subs[i].kind == sub_kind && !strcmp(r->subs[i].name, sub))
			return &r->subs[i];
	fail_msg("no sub-record %s of %s", sub, name);
	return NULL;
}

/*
 * An iterator bpfapply created from its current spec: link id as recorded,
 * and for a {pinned: PATH} map parameter the map's id recorded (sub "map",
 * as iterator_stage() names it) and still the same.
 */
static struct live_iterator *managed_iter(struct fx *f, const char *name, uint32_t link_id)
{
	const struct iterator_spec *it = ispec(f, name);
	struct state_res *r = state_upsert(&f->lv.state, KIND_ITERATOR, name);
	struct live_iterator *li = liter(f, name);

	assert_non_null(r);
	r->id = link_id;
	r->spec_fp = iterator_spec_fp(f->m, it);
	f->lv.have_state = true;
	li->pin_state = PIN_MAP;
	li->link_id = link_id;
	li->prog_id = link_id + 1000;
	if (it->param == ITER_PARAM_MAP && it->map.pinned) {
		assert_int_equal(state_res_add_sub(r, SUB_MAP, "map", 900), 0);
		li->param_map_id = 900;
	}
	return li;
}

/* A state record of an iterator that is no longer declared, its link pinned as recorded. */
static struct live_iterator *recorded_iter(struct fx *f, const char *name, uint32_t link_id)
{
	struct state_res *r = state_upsert(&f->lv.state, KIND_ITERATOR, name);
	struct live_iterator *li = liter(f, name);

	assert_non_null(r);
	r->id = link_id;
	r->spec_fp = 0xfeed;
	f->lv.have_state = true;
	li->pin_state = PIN_MAP;
	li->link_id = link_id;
	li->prog_id = link_id + 1000;
	return li;
}

/* Fingerprints of a spec in another manifest (what an earlier apply recorded). */
static uint64_t params_fp_of(const char *body, const char *entry)
{
	struct manifest *m = load_yaml(body);
	int i = manifest_program_index(m, entry);
	uint64_t fp;

	assert_true(i >= 0);
	fp = program_params_fp(&m->programs[i]);
	manifest_free(m);
	return fp;
}

static uint64_t elf_fp_of(const char *body, const char *entry)
{
	struct manifest *m = load_yaml(body);
	int i = manifest_program_index(m, entry);
	uint64_t fp;

	assert_true(i >= 0);
	assert_non_null(m->programs[i].elf);
	fp = m->programs[i].elf->fp;
	manifest_free(m);
	return fp;
}

static uint64_t iter_fp_of(const char *body, const char *name)
{
	struct manifest *m = load_yaml(body);
	int i = manifest_iterator_index(m, name);
	uint64_t fp;

	assert_true(i >= 0);
	fp = iterator_spec_fp(m, &m->iterators[i]);
	manifest_free(m);
	return fp;
}

/* ---- plan and its checks ---------------------------------------------------------- */

#define PROG(f, n) fx_change(f, KIND_PROGRAM, n)
#define ITER(f, n) fx_change(f, KIND_ITERATOR, n)
#define MAP(f, n) fx_change(f, KIND_MAP, n)
/* the map kind's part of a map's change: its entry operations */
#define MAP_OPS(f, n) map_change_of(MAP(f, n))

/* reason: the reason_code() string (NULL for R_NONE); detail: NULL for none */
static void assert_change(const struct change *c, enum action a, const char *reason,
			  const char *detail)
{
	const char *rc = reason_code(c->reason);

	assert_int_equal(c->action, a);
	if (reason) {
		assert_non_null(rc);
		assert_string_equal(rc, reason);
	} else {
		assert_null(rc);
	}
	if (detail) {
		assert_non_null(c->detail);
		assert_string_equal(c->detail, detail);
	} else {
		assert_null(c->detail);
	}
}

/* Render the plan as text (design.md §7) into f->out. */
static const char *render(struct fx *f, const struct manifest *m, bool show_noop)
{
	struct render_opts o = { .color = false, .show_noop = show_noop };

	return fx_render_text(f, m, &o);
}

/*
 * The plan text holds this exact line: the symbol right-aligned in 3
 * columns, a space, the address padded to 24 columns, the description.
 */
static void assert_line(struct fx *f, bool show_noop, const char *sym, const char *address,
			const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void assert_line(struct fx *f, bool show_noop, const char *sym, const char *address,
			const char *fmt, ...)
{
	char *desc, *want;
	const char *text = render(f, f->m, show_noop);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&desc, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	assert_true(asprintf(&want, "%3s %-24s%s\n", sym, address, desc) > 0);
	/* a whole line: at the start of the text or after a newline */
	if (strncmp(text, want, strlen(want))) {
		char *nl;

		assert_true(asprintf(&nl, "\n%s", want) > 0);
		if (!strstr(text, nl))
			fail_msg("plan text lacks the line\n%s---- got:\n%s", want, text);
		free(nl);
	}
	free(desc);
	free(want);
}

/* No line for this address in the plan text (a no-op is not shown). */
static void assert_no_line(struct fx *f, const char *address)
{
	char *needle;
	const char *text = render(f, f->m, false);

	assert_true(asprintf(&needle, " %s ", address) > 0);
	if (strstr(text, needle))
		fail_msg("plan text shows %s:\n%s", address, text);
	free(needle);
}

/* ---- manifests ---------------------------------------------------------------------- */

/* prog_globals: two programs, its own map "counter" and three data sections */
#define PROG_P                                                                            \
	"programs:\n"                                                                     \
	"  p:\n"                                                                          \
	"    object: @PG@\n"

#define PROG_P_GLOBALS(ret, tag)                                                          \
	PROG_P                                                                            \
	"    globals:\n"                                                                  \
	"      ret_val: " ret "\n"                                                        \
	"      tag: \"" tag "\"\n"

/* prog_globals reusing a manifest map for its "counter" */
#define MAP_COUNTER                                                                       \
	"maps:\n"                                                                         \
	"  counter:\n"                                                                    \
	"    type: array\n"                                                               \
	"    key_size: 4\n"                                                               \
	"    value_size: 8\n"                                                             \
	"    max_entries: 4\n"

#define PROG_P_REUSE                                                                      \
	MAP_COUNTER                                                                       \
	PROG_P                                                                            \
	"    maps:\n"                                                                     \
	"      counter: counter\n"

#define OUTSIDE "/sys/fs/bpf/outside_counter"
#define PROG_P_PINNED                                                                     \
	PROG_P                                                                            \
	"    maps:\n"                                                                     \
	"      counter: {pinned: " OUTSIDE "}\n"

/* ---- programs: creation and ownership ---------------------------------------------- */

static void test_prog_new(void **state)
{
	struct fx *f = *state;
	struct change *c;
	char *want;

	fx_load(f, PROG_P
		   "  one:\n"
		   "    object: @PG@\n"
		   "    programs: [always_drop]\n");
	compute(f, false);
	c = PROG(f, "p");
	assert_true(asprintf(&want, "2 programs from %s", obj("@PG@")) > 0);
	assert_change(c, ACT_CREATE, "new", want);
	free(want);
	assert_string_equal(c->address, "program.p");
	assert_string_equal(c->pin, SCOPE_DIR "/programs/p");
	assert_int_equal(c->spec, 0);
	assert_null(c->prior);
	assert_false(c->foreign);
	c = PROG(f, "one");
	assert_int_equal(c->action, ACT_CREATE);
	assert_line(f, false, "+", "program.p", "2 programs from %s", obj("@PG@"));
	assert_line(f, false, "+", "program.one", "1 program from %s", obj("@PG@"));
	assert_int_equal(diag_count(&f->d), 0);
	assert_summary(&f->p, 2, 0, 0, 0);
	assert_non_null(strstr(f->out, "Plan: 2 to add, 0 to change, 0 to replace, 0 to destroy.\n"));
}

static void test_prog_foreign_pins(void **state)
{
	struct fx *f = *state;
	struct live_program *lp;
	struct change *c;

	fx_load(f, PROG_P);
	lp = lprog(f, "p");
	lp->dir_exists = true;
	lp->has_pins = true;
	compute(f, false);
	c = PROG(f, "p");
	assert_true(c->foreign);
	assert_int_not_equal(c->action, ACT_CREATE);
	assert_int_not_equal(c->action, ACT_REPLACE);
	assert_int_not_equal(c->action, ACT_DELETE);
	assert_int_equal(diag_count(&f->d), 1);
	assert_diag(&f->d, 0, "program entry \"p\"");
	assert_diag(&f->d, 0, SCOPE_DIR "/programs/p holds pins bpfapply did not create");
	/* located at the entry's key */
	assert_int_equal(f->d.msgs[0].loc.line, 4);
	assert_int_equal(f->d.msgs[0].loc.col, 3);
}

static void test_prog_empty_dir_not_foreign(void **state)
{
	struct fx *f = *state;
	struct live_program *lp;

	/* an empty directory left behind is no object of anyone's */
	fx_load(f, PROG_P);
	lp = lprog(f, "p");
	lp->dir_exists = true;
	compute(f, false);
	assert_int_equal(PROG(f, "p")->action, ACT_CREATE);
	assert_string_equal(reason_code(PROG(f, "p")->reason), "new");
	assert_false(PROG(f, "p")->foreign);
	assert_int_equal(diag_count(&f->d), 0);
}

static void test_prog_noop(void **state)
{
	struct fx *f = *state;
	struct change *c;

	fx_load(f, PROG_P_GLOBALS("1", "0x61 0x62"));
	managed_prog(f, "p", 10);
	f->lv.state.serial = 9;
	compute(f, false);
	c = PROG(f, "p");
	assert_change(c, ACT_NOOP, NULL, NULL);
	assert_ptr_equal(c->prior, state_find(&f->lv.state, KIND_PROGRAM, "p"));
	assert_false(c->foreign);
	assert_int_equal(diag_count(&f->d), 0);
	assert_summary(&f->p, 0, 0, 0, 0);
	assert_int_equal(f->p.state_serial, 9);
	assert_no_line(f, "program.p");
	assert_string_equal(render(f, f->m, false),
			    "No changes: the kernel matches the manifest.\n"
			    "Plan: 0 to add, 0 to change, 0 to replace, 0 to destroy.\n");
	assert_line(f, true, "", "program.p", "up to date");
}

/* ---- programs: what reloads them ---------------------------------------------------- */

static void test_prog_object_changed(void **state)
{
	struct fx *f = *state;
	uint64_t v2 = elf_fp_of(PROG_P "    programs: [count_and_return]\n", "p");

	fx_load(f, "programs:\n"
		   "  p:\n"
		   "    object: @PG2@\n"
		   "    programs: [count_and_return]\n");
	managed_prog(f, "p", 10);
	assert_int_not_equal(v2, pspec(f, "p")->elf->fp);
	/* the record says it was loaded from the other object (same selection) */
	state_find(&f->lv.state, KIND_PROGRAM, "p")->entries_fp = v2;
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_REPLACE, "replace_because_cannot_update",
		      "object changed; 1 program reloaded");
	assert_line(f, false, "-/+", "program.p", "object changed; 1 program reloaded");
	assert_summary(&f->p, 0, 0, 1, 0);
	assert_non_null(strstr(f->out, "Plan: 0 to add, 0 to change, 1 to replace, 0 to destroy.\n"));
}

static void test_prog_object_changed_all(void **state)
{
	struct fx *f = *state;

	fx_load(f, PROG_P);
	managed_prog(f, "p", 10);
	state_find(&f->lv.state, KIND_PROGRAM, "p")->entries_fp ^= 1;
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_REPLACE, "replace_because_cannot_update",
		      "object changed; 2 programs reloaded");
}

static void test_prog_params_changed(void **state)
{
	static const char *const before[] = {
		/* a global's value */
		PROG_P_GLOBALS("2", "0x61 0x62"),
		/* a global added */
		PROG_P "    globals:\n      ret_val: 1\n",
		/* the selection */
		PROG_P "    programs: [always_drop]\n    globals:\n"
		       "      ret_val: 1\n      tag: \"0x61 0x62\"\n",
		/* the program type */
		PROG_P "    type: xdp\n    globals:\n      ret_val: 1\n      tag: \"0x61 0x62\"\n",
		/* a binding */
		PROG_P "    maps:\n      counter: {pinned: /sys/fs/bpf/c}\n    globals:\n"
		       "      ret_val: 1\n      tag: \"0x61 0x62\"\n",
	};
	struct fx *f = *state;
	size_t i;

	fx_load(f, PROG_P_GLOBALS("1", "0x61 0x62"));
	managed_prog(f, "p", 10);
	for (i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
		uint64_t fp = params_fp_of(before[i], "p");

		assert_int_not_equal(fp, program_params_fp(pspec(f, "p")));
		state_find(&f->lv.state, KIND_PROGRAM, "p")->spec_fp = fp;
		compute(f, false);
		assert_change(PROG(f, "p"), ACT_REPLACE, "replace_because_cannot_update",
			      "load parameters changed; 2 programs reloaded");
		assert_line(f, false, "-/+", "program.p",
			    "load parameters changed; 2 programs reloaded");
	}
}

static void test_prog_object_before_params(void **state)
{
	struct fx *f = *state;

	/* both changed: the object is what the line names */
	fx_load(f, PROG_P_GLOBALS("1", "0x61"));
	managed_prog(f, "p", 10);
	state_find(&f->lv.state, KIND_PROGRAM, "p")->spec_fp ^= 1;
	state_find(&f->lv.state, KIND_PROGRAM, "p")->entries_fp ^= 1;
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_REPLACE, "replace_because_cannot_update",
		      "object changed; 2 programs reloaded");
}

static void test_prog_reordered_noop(void **state)
{
	struct fx *f = *state;
	uint64_t fp = params_fp_of(PROG_P
				   "    programs: [count_and_return, always_drop]\n"
				   "    globals:\n"
				   "      ret_val: 1\n"
				   "      bias: 7\n"
				   "      tag: \"0x61 0x62\"\n",
				   "p");

	/* another order of the selection and of the globals, 7 written 0x7 */
	fx_load(f, PROG_P
		   "    programs: [always_drop, count_and_return]\n"
		   "    globals:\n"
		   "      tag: \"0x61 0x62\"\n"
		   "      bias: 0x7\n"
		   "      ret_val: 1\n");
	assert_int_equal(program_params_fp(pspec(f, "p")), fp);
	managed_prog(f, "p", 10);
	state_find(&f->lv.state, KIND_PROGRAM, "p")->spec_fp = fp;
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_NOOP, NULL, NULL);
	assert_summary(&f->p, 0, 0, 0, 0);
}

/*
 * None of the test objects has two maps that can be reused, so the binding
 * order is checked on a manifest whose second binding the ELF check rejects
 * ("is not a map in"): the diff itself does not look at the ELF's maps.
 */
static void test_prog_bindings_reordered_noop(void **state)
{
	struct fx *f = *state;
	struct manifest *a = load_yaml_ex(PROG_P
					  "    maps:\n"
					  "      counter: {pinned: /sys/fs/bpf/a}\n"
					  "      zz_other: {pinned: /sys/fs/bpf/b}\n",
					  "is not a map in");
	uint64_t fp = program_params_fp(&a->programs[0]);

	manifest_free(a);
	f->m = load_yaml_ex(PROG_P
			    "    maps:\n"
			    "      zz_other: {pinned: /sys/fs/bpf/b}\n"
			    "      counter: {pinned: /sys/fs/bpf/a}\n",
			    "is not a map in");
	lprog(f, "p");
	assert_int_equal(program_params_fp(pspec(f, "p")), fp);
	managed_prog(f, "p", 10);
	state_find(&f->lv.state, KIND_PROGRAM, "p")->spec_fp = fp;
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_NOOP, NULL, NULL);
}

/* ---- programs: drift --------------------------------------------------------------- */

static void test_prog_pin_removed(void **state)
{
	struct fx *f = *state;

	fx_load(f, PROG_P);
	managed_prog(f, "p", 10);
	live_prog_pin(f, "p", "always_drop")->pin_state = PIN_ABSENT;
	live_prog_pin(f, "p", "always_drop")->id = 0;
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_REPLACE, "pin_removed_outside",
		      "pin always_drop removed outside bpfapply; 2 programs reloaded");
	assert_line(f, false, "-/+", "program.p",
		    "pin always_drop removed outside bpfapply; 2 programs reloaded");
	assert_summary(&f->p, 0, 0, 1, 0);
}

static void test_prog_own_map_pin_removed(void **state)
{
	struct fx *f = *state;

	fx_load(f, PROG_P);
	managed_prog(f, "p", 10);
	live_map_pin(f, "p", "prog_glo_rodata")->pin_state = PIN_ABSENT;
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_REPLACE, "pin_removed_outside",
		      "pin prog_glo_rodata removed outside bpfapply; 2 programs reloaded");
}

static void test_prog_pin_replaced(void **state)
{
	struct fx *f = *state;

	fx_load(f, PROG_P);
	managed_prog(f, "p", 10);
	live_prog_pin(f, "p", "count_and_return")->id = 99;
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_REPLACE, "pin_replaced_outside",
		      "pin count_and_return replaced outside bpfapply; 2 programs reloaded");
	assert_line(f, false, "-/+", "program.p",
		    "pin count_and_return replaced outside bpfapply; 2 programs reloaded");

	/* something that is not a program at the pin */
	live_prog_pin(f, "p", "count_and_return")->id = 10;
	live_prog_pin(f, "p", "count_and_return")->pin_state = PIN_OTHER;
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_REPLACE, "pin_replaced_outside",
		      "pin count_and_return replaced outside bpfapply; 2 programs reloaded");

	/* an own map pin holding another map */
	live_prog_pin(f, "p", "count_and_return")->pin_state = PIN_MAP;
	live_map_pin(f, "p", "counter")->id = 4242;
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_REPLACE, "pin_replaced_outside",
		      "pin counter replaced outside bpfapply; 2 programs reloaded");
}

static void test_prog_drift_before_object(void **state)
{
	struct fx *f = *state;

	/* drift and an object change: the drift is what the line names */
	fx_load(f, PROG_P);
	managed_prog(f, "p", 10);
	state_find(&f->lv.state, KIND_PROGRAM, "p")->entries_fp ^= 1;
	live_prog_pin(f, "p", "always_drop")->pin_state = PIN_ABSENT;
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_REPLACE, "pin_removed_outside",
		      "pin always_drop removed outside bpfapply; 2 programs reloaded");
}

static void test_prog_dir_gone(void **state)
{
	struct fx *f = *state;
	struct live_program *lp;
	size_t i;

	fx_load(f, PROG_P);
	lp = managed_prog(f, "p", 10);
	lp->dir_exists = false;
	lp->has_pins = false;
	for (i = 0; i < lp->n_progs; i++)
		lp->progs[i].pin_state = PIN_ABSENT;
	for (i = 0; i < lp->n_maps; i++)
		lp->maps[i].pin_state = PIN_ABSENT;
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_CREATE, "pin_removed_outside",
		      "pins removed outside bpfapply; 2 programs loaded");
	assert_false(PROG(f, "p")->foreign);
	assert_int_equal(diag_count(&f->d), 0);
	assert_line(f, false, "+", "program.p", "pins removed outside bpfapply; 2 programs loaded");
	assert_summary(&f->p, 1, 0, 0, 0);
}

/* ---- programs: dependencies -------------------------------------------------------- */

static void test_prog_reused_map_replaced(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;

	fx_load(f, PROG_P_REUSE);
	lm = managed_map(f, "counter", 5);
	managed_prog(f, "p", 10);
	compute(f, false);
	assert_change(MAP(f, "counter"), ACT_NOOP, NULL, NULL);
	assert_change(PROG(f, "p"), ACT_NOOP, NULL, NULL);

	/* the live map no longer has the declared shape: the map diff replaces it */
	lm->info.max_entries = 8;
	compute(f, false);
	assert_change(MAP(f, "counter"), ACT_REPLACE, "replace_because_cannot_update",
		      "max_entries 8 -> 4");
	assert_change(PROG(f, "p"), ACT_REPLACE, "replace_because_dependency_replaced",
		      "map counter replaced; 2 programs reloaded");
	assert_line(f, false, "-/+", "program.p", "map counter replaced; 2 programs reloaded");
	assert_summary(&f->p, 0, 0, 2, 0);
	/* the map first: the reloaded programs reuse the new one */
	assert_int_equal(f->p.changes[0].kind, KIND_MAP);
	assert_int_equal(f->p.changes[1].kind, KIND_PROGRAM);
}

static void test_prog_reused_map_recreated(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;

	fx_load(f, PROG_P_REUSE);
	lm = managed_map(f, "counter", 5);
	managed_prog(f, "p", 10);
	lm->pin_state = PIN_ABSENT;
	memset(&lm->info, 0, sizeof(lm->info));
	compute(f, false);
	assert_change(MAP(f, "counter"), ACT_CREATE, "pin_removed_outside",
		      "pin removed outside bpfapply");
	assert_change(PROG(f, "p"), ACT_REPLACE, "replace_because_dependency_replaced",
		      "map counter replaced; 2 programs reloaded");
}

static void test_prog_reused_map_entries_no_reload(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;
	uint8_t v[8] = { 9 };

	/* entries change in place: the programs keep the same map */
	fx_load(f, MAP_COUNTER
		   "    entries:\n"
		   "      - {key: 1, value: 5}\n"
		   PROG_P
		   "    maps:\n"
		   "      counter: counter\n");
	lm = managed_map(f, "counter", 5);
	managed_prog(f, "p", 10);
	{
		struct live_kv *kvs = calloc(1, sizeof(*kvs));
		uint8_t k[4] = { 1 };

		assert_non_null(kvs);
		assert_int_equal(bytes_dup(&kvs[0].key, k, 4), 0);
		assert_int_equal(bytes_dup(&kvs[0].value, v, 8), 0);
		lm->kvs = kvs;
		lm->n_kvs = 1;
	}
	compute(f, false);
	assert_change(MAP(f, "counter"), ACT_UPDATE, "entries_differ", NULL);
	assert_int_equal(MAP_OPS(f, "counter")->n_change, 1);
	assert_change(PROG(f, "p"), ACT_NOOP, NULL, NULL);
	assert_summary(&f->p, 0, 1, 0, 0);
}

static void test_prog_pinned_binding_changed(void **state)
{
	struct fx *f = *state;
	struct live_program *lp;

	fx_load(f, PROG_P_PINNED);
	lp = managed_prog(f, "p", 10);
	assert_int_equal(lp->n_bound, 1);
	assert_int_equal(rec_sub(f, KIND_PROGRAM, "p", SUB_PINNED, "counter")->id, lp->bound[0].id);
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_NOOP, NULL, NULL);

	/* someone pinned another map at the path */
	lp->bound[0].id = 777;
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_REPLACE, "replace_because_dependency_replaced",
		      "map " OUTSIDE " replaced; 2 programs reloaded");
	assert_line(f, false, "-/+", "program.p", "map %s replaced; 2 programs reloaded", OUTSIDE);

	/* or removed it */
	lp->bound[0].pin_state = PIN_ABSENT;
	lp->bound[0].id = 0;
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_REPLACE, "replace_because_dependency_replaced",
		      "map " OUTSIDE " replaced; 2 programs reloaded");
}

/* ---- programs: deletion -------------------------------------------------------------- */

static void test_prog_not_in_manifest(void **state)
{
	struct fx *f = *state;
	struct change *c;

	fx_load(f, PROG_P);
	managed_prog(f, "p", 10);
	recorded_prog(f, "old", 50);
	compute(f, false);
	assert_change(PROG(f, "p"), ACT_NOOP, NULL, NULL);
	c = PROG(f, "old");
	assert_change(c, ACT_DELETE, "delete_because_no_resource_config", "not in manifest");
	assert_int_equal(c->spec, -1);
	assert_ptr_equal(c->prior, state_find(&f->lv.state, KIND_PROGRAM, "old"));
	assert_string_equal(c->pin, SCOPE_DIR "/programs/old");
	assert_int_equal(diag_count(&f->d), 0);
	assert_line(f, false, "-", "program.old", "not in manifest");
	assert_summary(&f->p, 0, 0, 0, 1);
}

static void test_prog_destroy(void **state)
{
	struct fx *f = *state;
	size_t i;

	fx_load(f, PROG_P);
	managed_prog(f, "p", 10);
	recorded_prog(f, "old", 50);
	compute(f, true);
	assert_change(PROG(f, "p"), ACT_DELETE, "delete_because_destroy", "destroy");
	assert_change(PROG(f, "old"), ACT_DELETE, "delete_because_destroy", "destroy");
	assert_line(f, false, "-", "program.p", "destroy");
	assert_summary(&f->p, 0, 0, 0, 2);
	assert_true(f->p.destroy);

	/* destroy --scope: no manifest at all */
	f->lv.state.scope = strdup("t");
	assert_non_null(f->lv.state.scope);
	compute_m(f, NULL, true);
	assert_int_equal(f->p.n, 2);
	for (i = 0; i < f->p.n; i++)
		assert_change(&f->p.changes[i], ACT_DELETE, "delete_because_destroy", "destroy");
	assert_string_equal(f->p.scope, "t");
	assert_non_null(strstr(render(f, NULL, false),
			       "  - program.old             destroy\n"));
}

/* ---- iterators ------------------------------------------------------------------------ */

#define ITER_ALL                                                                          \
	"maps:\n"                                                                         \
	"  counters:\n"                                                                   \
	"    type: hash\n"                                                                \
	"    key_size: 4\n"                                                               \
	"    value_size: 8\n"                                                             \
	"    max_entries: 64\n"                                                           \
	"programs:\n"                                                                     \
	"  dump:\n"                                                                       \
	"    object: @IM@\n"                                                              \
	"  tasks:\n"                                                                      \
	"    object: @IT@\n"                                                              \
	"  cg:\n"                                                                         \
	"    object: @IC@\n"                                                              \
	"iterators:\n"                                                                    \
	"  by_map:\n"                                                                     \
	"    program: dump/dump_map\n"                                                    \
	"    map: counters\n"                                                             \
	"  by_pinned:\n"                                                                  \
	"    program: dump\n"                                                             \
	"    map: {pinned: /sys/fs/bpf/other}\n"                                          \
	"  by_pid:\n"                                                                     \
	"    program: tasks/dump_task_file\n"                                             \
	"    task: {pid: 1234}\n"                                                         \
	"  by_tid:\n"                                                                     \
	"    program: tasks/dump_task\n"                                                  \
	"    task: {tid: 7}\n"                                                            \
	"  all_tasks:\n"                                                                  \
	"    program: tasks/dump_task\n"                                                  \
	"  cgroups:\n"                                                                    \
	"    program: cg\n"                                                               \
	"    cgroup: {path: /sys/fs/cgroup/x, order: descendants_pre}\n"                   \
	"  cgroup_plain:\n"                                                               \
	"    program: cg/dump_cgroup\n"                                                   \
	"    cgroup: {path: /sys/fs/cgroup/y}\n"

/* dump + counters (+ extra maps) + one iterator over it */
#define ITER_ONE_X(extra, ref, param)                                                     \
	"maps:\n"                                                                         \
	"  counters:\n"                                                                   \
	"    type: hash\n"                                                                \
	"    key_size: 4\n"                                                               \
	"    value_size: 8\n"                                                             \
	"    max_entries: 64\n"                                                           \
	extra                                                                             \
	"programs:\n"                                                                     \
	"  dump:\n"                                                                       \
	"    object: @IM@\n"                                                              \
	"iterators:\n"                                                                    \
	"  it:\n"                                                                         \
	"    program: " ref "\n"                                                          \
	"    " param "\n"
#define ITER_ONE(ref, param) ITER_ONE_X("", ref, param)

static void test_iter_new(void **state)
{
	static const struct {
		const char *name, *desc;
	} want[] = {
		{ "by_map", "program dump/dump_map, map counters" },
		{ "by_pinned", "program dump, map /sys/fs/bpf/other" },
		{ "by_pid", "program tasks/dump_task_file, pid 1234" },
		{ "by_tid", "program tasks/dump_task, tid 7" },
		{ "all_tasks", "program tasks/dump_task" },
		{ "cgroups", "program cg, cgroup /sys/fs/cgroup/x descendants_pre" },
		{ "cgroup_plain", "program cg/dump_cgroup, cgroup /sys/fs/cgroup/y" },
	};
	struct fx *f = *state;
	char address[64];
	size_t i;

	fx_load(f, ITER_ALL);
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct change *c = ITER(f, want[i].name);

		assert_change(c, ACT_CREATE, "new", NULL);
		assert_null(c->prior);
		assert_false(c->foreign);
		snprintf(address, sizeof(address), "iterator.%s", want[i].name);
		assert_string_equal(c->address, address);
		assert_line(f, false, "+", address, "%s", want[i].desc);
	}
	assert_summary(&f->p, 1 + 3 + 7, 0, 0, 0);
}

static void test_iter_foreign_pin(void **state)
{
	struct fx *f = *state;
	struct live_iterator *li;
	struct change *c;

	fx_load(f, ITER_ONE("dump/dump_map", "map: counters"));
	li = liter(f, "it");
	li->pin_state = PIN_MAP;
	li->link_id = 3;
	compute(f, false);
	c = ITER(f, "it");
	assert_true(c->foreign);
	assert_int_not_equal(c->action, ACT_CREATE);
	assert_int_not_equal(c->action, ACT_REPLACE);
	assert_int_equal(diag_count(&f->d), 1);
	assert_diag(&f->d, 0, "iterator \"it\": " SCOPE_DIR "/iterators/it exists but was not "
			       "created by bpfapply");

	/* something else than a link there: the same */
	li->pin_state = PIN_OTHER;
	li->link_id = 0;
	diag_free(&f->d);
	compute(f, false);
	assert_true(ITER(f, "it")->foreign);
	assert_int_equal(diag_count(&f->d), 1);
	assert_diag(&f->d, 0, "exists but was not created by bpfapply");
}

static void test_iter_noop(void **state)
{
	struct fx *f = *state;
	size_t i;

	fx_load(f, ITER_ALL);
	managed_map(f, "counters", 5);
	managed_prog(f, "dump", 10);
	managed_prog(f, "tasks", 20);
	managed_prog(f, "cg", 30);
	for (i = 0; i < f->m->n_iterators; i++)
		managed_iter(f, f->m->iterators[i].name, 100 + (uint32_t)i);
	compute(f, false);
	for (i = 0; i < f->p.n; i++)
		assert_change(&f->p.changes[i], ACT_NOOP, NULL, NULL);
	assert_int_equal(f->p.n, 1 + 3 + 7);
	assert_int_equal(diag_count(&f->d), 0);
	assert_summary(&f->p, 0, 0, 0, 0);
	assert_line(f, true, "", "iterator.by_map", "up to date");
}

static void test_iter_ref_spelling_noop(void **state)
{
	struct fx *f = *state;
	uint64_t fp = iter_fp_of(ITER_ONE("dump/dump_map", "map: counters"), "it");

	fx_load(f, ITER_ONE("dump", "map: counters"));
	managed_map(f, "counters", 5);
	managed_prog(f, "dump", 10);
	managed_iter(f, "it", 100);
	assert_int_equal(state_find(&f->lv.state, KIND_ITERATOR, "it")->spec_fp, fp);
	compute(f, false);
	assert_change(ITER(f, "it"), ACT_NOOP, NULL, NULL);
	assert_summary(&f->p, 0, 0, 0, 0);
}

static void test_iter_link_replaced(void **state)
{
	struct fx *f = *state;
	struct live_iterator *li;

	fx_load(f, ITER_ONE("dump/dump_map", "map: counters"));
	managed_map(f, "counters", 5);
	managed_prog(f, "dump", 10);
	li = managed_iter(f, "it", 100);
	li->link_id = 101;
	compute(f, false);
	assert_change(ITER(f, "it"), ACT_REPLACE, "pin_replaced_outside",
		      "pin replaced outside bpfapply");
	assert_false(ITER(f, "it")->foreign);
	assert_line(f, false, "-/+", "iterator.it", "pin replaced outside bpfapply");
	assert_summary(&f->p, 0, 0, 1, 0);

	/* not a link at all */
	li->link_id = 0;
	li->pin_state = PIN_OTHER;
	compute(f, false);
	assert_change(ITER(f, "it"), ACT_REPLACE, "pin_replaced_outside",
		      "pin replaced outside bpfapply");
}

static void test_iter_pin_removed(void **state)
{
	struct fx *f = *state;
	struct live_iterator *li;

	fx_load(f, ITER_ONE("dump/dump_map", "map: counters"));
	managed_map(f, "counters", 5);
	managed_prog(f, "dump", 10);
	li = managed_iter(f, "it", 100);
	li->link_id = 0;
	li->pin_state = PIN_ABSENT;
	compute(f, false);
	assert_change(ITER(f, "it"), ACT_CREATE, "pin_removed_outside",
		      "pin removed outside bpfapply");
	assert_line(f, false, "+", "iterator.it",
		    "program dump/dump_map, map counters; pin removed outside bpfapply");
}

static void test_iter_param_changed(void **state)
{
#define OTHER_MAP                                                                         \
	"  other:\n"                                                                      \
	"    type: hash\n"                                                                \
	"    key_size: 4\n"                                                               \
	"    value_size: 8\n"                                                             \
	"    max_entries: 64\n"
	static const char *const before[] = {
		ITER_ONE_X(OTHER_MAP, "dump/dump_map", "map: {pinned: /sys/fs/bpf/counters}"),
		ITER_ONE_X(OTHER_MAP, "dump/dump_map", "map: other"),
	};
	struct fx *f = *state;
	size_t i;

	fx_load(f, ITER_ONE_X(OTHER_MAP, "dump/dump_map", "map: counters"));
	managed_map(f, "counters", 5);
	managed_map(f, "other", 6);
	managed_prog(f, "dump", 10);
	managed_iter(f, "it", 100);
	compute(f, false);
	assert_change(ITER(f, "it"), ACT_NOOP, NULL, NULL);
	for (i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
		state_find(&f->lv.state, KIND_ITERATOR, "it")->spec_fp = iter_fp_of(before[i], "it");
		compute(f, false);
		assert_change(ITER(f, "it"), ACT_REPLACE, "replace_because_cannot_update",
			      "program or parameter changed");
		assert_line(f, false, "-/+", "iterator.it", "program or parameter changed");
	}
}

static void test_iter_task_param_changed(void **state)
{
	struct fx *f = *state;
	static const char *const before[] = {
		"programs:\n  tasks:\n    object: @IT@\n"
		"iterators:\n  it:\n    program: tasks/dump_task_file\n    task: {pid: 1}\n",
		"programs:\n  tasks:\n    object: @IT@\n"
		"iterators:\n  it:\n    program: tasks/dump_task_file\n    task: {tid: 2}\n",
		"programs:\n  tasks:\n    object: @IT@\n"
		"iterators:\n  it:\n    program: tasks/dump_task_file\n",
		"programs:\n  tasks:\n    object: @IT@\n"
		"iterators:\n  it:\n    program: tasks/dump_task\n    task: {pid: 2}\n",
	};
	size_t i;

	fx_load(f, "programs:\n  tasks:\n    object: @IT@\n"
		   "iterators:\n  it:\n    program: tasks/dump_task_file\n    task: {pid: 2}\n");
	managed_prog(f, "tasks", 10);
	managed_iter(f, "it", 100);
	compute(f, false);
	assert_change(ITER(f, "it"), ACT_NOOP, NULL, NULL);
	for (i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
		state_find(&f->lv.state, KIND_ITERATOR, "it")->spec_fp = iter_fp_of(before[i], "it");
		compute(f, false);
		assert_change(ITER(f, "it"), ACT_REPLACE, "replace_because_cannot_update",
			      "program or parameter changed");
	}
}

static void test_iter_program_reloaded(void **state)
{
	struct fx *f = *state;
	struct live_program *lp;

	fx_load(f, ITER_ONE("dump/dump_map", "map: counters"));
	managed_map(f, "counters", 5);
	managed_prog(f, "dump", 10);
	managed_iter(f, "it", 100);
	state_find(&f->lv.state, KIND_PROGRAM, "dump")->entries_fp ^= 1;
	compute(f, false);
	assert_change(PROG(f, "dump"), ACT_REPLACE, "replace_because_cannot_update",
		      "object changed; 1 program reloaded");
	assert_change(ITER(f, "it"), ACT_REPLACE, "replace_because_dependency_replaced",
		      "program dump reloaded");
	assert_line(f, false, "-/+", "iterator.it", "program dump reloaded");
	assert_summary(&f->p, 0, 0, 2, 0);

	/* the entry's pins were removed: it is created again, the link follows */
	state_find(&f->lv.state, KIND_PROGRAM, "dump")->entries_fp ^= 1;
	lp = live_find_program(&f->lv, "dump");
	lp->dir_exists = false;
	compute(f, false);
	assert_int_equal(PROG(f, "dump")->action, ACT_CREATE);
	assert_change(ITER(f, "it"), ACT_REPLACE, "replace_because_dependency_replaced",
		      "program dump reloaded");
}

static void test_iter_map_replaced(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;

	fx_load(f, ITER_ONE("dump/dump_map", "map: counters"));
	lm = managed_map(f, "counters", 5);
	managed_prog(f, "dump", 10);
	managed_iter(f, "it", 100);
	lm->info.max_entries = 32;
	compute(f, false);
	assert_change(MAP(f, "counters"), ACT_REPLACE, "replace_because_cannot_update",
		      "max_entries 32 -> 64");
	assert_change(PROG(f, "dump"), ACT_NOOP, NULL, NULL);
	assert_change(ITER(f, "it"), ACT_REPLACE, "replace_because_dependency_replaced",
		      "map counters replaced");
	assert_line(f, false, "-/+", "iterator.it", "map counters replaced");
}

static void test_iter_pinned_map_changed(void **state)
{
	struct fx *f = *state;
	struct live_iterator *li;

	fx_load(f, ITER_ONE("dump", "map: {pinned: /sys/fs/bpf/other}"));
	managed_prog(f, "dump", 10);
	li = managed_iter(f, "it", 100);
	compute(f, false);
	assert_change(ITER(f, "it"), ACT_NOOP, NULL, NULL);
	li->param_map_id = 901;
	compute(f, false);
	assert_change(ITER(f, "it"), ACT_REPLACE, "replace_because_dependency_replaced",
		      "pinned map changed");
	assert_line(f, false, "-/+", "iterator.it", "pinned map changed");
	/* the outside map is gone */
	li->param_map_id = 0;
	compute(f, false);
	assert_change(ITER(f, "it"), ACT_REPLACE, "replace_because_dependency_replaced",
		      "pinned map changed");
}

static void test_iter_not_in_manifest(void **state)
{
	struct fx *f = *state;
	struct live_iterator *li;
	struct change *c;

	fx_load(f, PROG_P);
	li = recorded_iter(f, "old", 100);
	compute(f, false);
	c = ITER(f, "old");
	assert_change(c, ACT_DELETE, "delete_because_no_resource_config", "not in manifest");
	assert_false(c->foreign);
	assert_int_equal(c->spec, -1);
	assert_string_equal(c->pin, SCOPE_DIR "/iterators/old");
	assert_line(f, false, "-", "iterator.old", "not in manifest");
	assert_summary(&f->p, 1, 0, 0, 1);

	/* the pin is already gone */
	li->pin_state = PIN_ABSENT;
	li->link_id = 0;
	compute(f, false);
	assert_change(ITER(f, "old"), ACT_DELETE, "delete_because_no_resource_config",
		      "not in manifest; pin already removed");
}

static void test_iter_delete_foreign_link(void **state)
{
	struct fx *f = *state;
	struct live_iterator *li;
	struct change *c;

	fx_load(f, PROG_P);
	li = recorded_iter(f, "old", 100);
	li->link_id = 555;
	compute(f, false);
	c = ITER(f, "old");
	assert_true(c->foreign);
	assert_change(c, ACT_DELETE, "delete_because_no_resource_config",
		      "not in manifest; the pin now holds an object bpfapply did not create, "
		      "left alone");
	assert_non_null(strstr(c->detail, "left alone"));
	assert_int_equal(diag_count(&f->d), 0);

	li->pin_state = PIN_OTHER;
	li->link_id = 0;
	compute(f, true);
	c = ITER(f, "old");
	assert_true(c->foreign);
	assert_change(c, ACT_DELETE, "delete_because_destroy",
		      "destroy; the pin now holds an object bpfapply did not create, left alone");
}

static void test_iter_destroy(void **state)
{
	struct fx *f = *state;

	fx_load(f, ITER_ONE("dump/dump_map", "map: counters"));
	managed_map(f, "counters", 5);
	managed_prog(f, "dump", 10);
	managed_iter(f, "it", 100);
	compute(f, true);
	assert_change(ITER(f, "it"), ACT_DELETE, "delete_because_destroy", "destroy");
	assert_false(ITER(f, "it")->foreign);
	assert_change(PROG(f, "dump"), ACT_DELETE, "delete_because_destroy", "destroy");
	assert_change(MAP(f, "counters"), ACT_DELETE, "delete_because_destroy", "destroy");
	/* users before what they use */
	assert_int_equal(f->p.n, 3);
	assert_string_equal(f->p.changes[0].address, "iterator.it");
	assert_string_equal(f->p.changes[1].address, "program.dump");
	assert_string_equal(f->p.changes[2].address, "map.counters");
	assert_string_equal(render(f, f->m, false),
			    "  - iterator.it             destroy\n"
			    "  - program.dump            destroy\n"
			    "  - map.counters            destroy\n"
			    "Plan: 0 to add, 0 to change, 0 to replace, 3 to destroy.\n");
}

/* ---- prog_array wiring ------------------------------------------------------------ */

#define TAIL(policy)                                                                      \
	"maps:\n"                                                                         \
	"  jmp_table:\n"                                                                  \
	"    type: prog_array\n"                                                          \
	"    key_size: 4\n"                                                               \
	"    value_size: 4\n"                                                             \
	"    max_entries: 8\n"                                                            \
	"    entries_policy: " policy "\n"                                                \
	"    entries:\n"                                                                  \
	"      - {key: 0, value: {program: xdp/bpf_func_process}}\n"                      \
	"programs:\n"                                                                     \
	"  xdp:\n"                                                                        \
	"    object: @TC@\n"                                                              \
	"    maps:\n"                                                                     \
	"      jmp_table: jmp_table\n"

/* jmp_table and the xdp entry as applied: slot 0 holds bpf_func_process */
static struct live_map *tail_applied(struct fx *f, const char *policy_yaml)
{
	struct live_map *lm;

	fx_load(f, policy_yaml);
	lm = managed_map(f, "jmp_table", 5);
	managed_prog(f, "xdp", 10);
	kv32(lm, 0, live_prog_pin(f, "xdp", "bpf_func_process")->id);
	return lm;
}

static void test_tail_noop(void **state)
{
	struct fx *f = *state;

	tail_applied(f, TAIL("merge"));
	compute(f, false);
	assert_change(MAP(f, "jmp_table"), ACT_NOOP, NULL, NULL);
	assert_int_equal(MAP_OPS(f, "jmp_table")->n_ops, 0);
	assert_change(PROG(f, "xdp"), ACT_NOOP, NULL, NULL);
	assert_summary(&f->p, 0, 0, 0, 0);
}

static void test_tail_slot_changed(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;
	struct change *c;
	const struct map_change *mc;

	lm = tail_applied(f, TAIL("merge"));
	/* someone pointed slot 0 at bpf_func_debug */
	le32(lm->kvs[0].value.data, live_prog_pin(f, "xdp", "bpf_func_debug")->id);
	compute(f, false);
	c = MAP(f, "jmp_table");
	mc = map_change_of(c);
	assert_change(c, ACT_UPDATE, "entries_differ", NULL);
	assert_int_equal(mc->n_ops, 1);
	assert_int_equal(mc->ops[0].op, EOP_CHANGE);
	assert_int_equal(mc->ops[0].decl, 0);
	assert_int_equal(mc->n_add + mc->n_change + mc->n_remove, 1);
	assert_int_equal(mc->n_change, 1);
	assert_change(PROG(f, "xdp"), ACT_NOOP, NULL, NULL);
	assert_line(f, false, "~", "map.jmp_table", "entries: 0 to add, 1 to change, 0 to remove");
	assert_summary(&f->p, 0, 1, 0, 0);

	/* or emptied it */
	bytes_free(&lm->kvs[0].key);
	bytes_free(&lm->kvs[0].value);
	lm->n_kvs = 0;
	compute(f, false);
	c = MAP(f, "jmp_table");
	mc = map_change_of(c);
	assert_change(c, ACT_UPDATE, "entries_differ", NULL);
	assert_int_equal(mc->n_ops, 1);
	assert_int_equal(mc->ops[0].op, EOP_ADD);
	assert_int_equal(mc->n_add, 1);
}

static void test_tail_target_reloaded(void **state)
{
	struct fx *f = *state;
	struct change *c;
	const struct map_change *mc;

	tail_applied(f, TAIL("merge"));
	state_find(&f->lv.state, KIND_PROGRAM, "xdp")->entries_fp ^= 1;
	compute(f, false);
	assert_change(PROG(f, "xdp"), ACT_REPLACE, "replace_because_cannot_update",
		      "object changed; 3 programs reloaded");
	c = MAP(f, "jmp_table");
	mc = map_change_of(c);
	/* nothing else changed in the map: the slot follows the new program */
	assert_change(c, ACT_UPDATE, "entries_differ", NULL);
	assert_int_equal(mc->n_ops, 1);
	assert_int_equal(mc->ops[0].op, EOP_CHANGE);
	assert_int_equal(mc->ops[0].decl, 0);
	assert_int_equal(mc->n_change, 1);
	assert_line(f, false, "~", "map.jmp_table", "entries: 0 to add, 1 to change, 0 to remove");
	assert_summary(&f->p, 0, 1, 1, 0);
	/* the program that tail-calls through the map is not reloaded for it */
	assert_int_equal(f->p.changes[0].kind, KIND_MAP);
	assert_int_equal(f->p.changes[1].kind, KIND_PROGRAM);
}

static void test_tail_seed(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;
	struct change *c;
	const struct map_change *mc;

	lm = tail_applied(f, TAIL("seed"));
	compute(f, false);
	assert_change(MAP(f, "jmp_table"), ACT_NOOP, NULL, NULL);

	/* changed at runtime: seed leaves it */
	le32(lm->kvs[0].value.data, live_prog_pin(f, "xdp", "bpf_func_debug")->id);
	compute(f, false);
	assert_change(MAP(f, "jmp_table"), ACT_NOOP, NULL, NULL);
	assert_int_equal(MAP_OPS(f, "jmp_table")->n_ops, 0);
	assert_summary(&f->p, 0, 0, 0, 0);

	/* but a reloaded target is rewired: the old program is gone */
	le32(lm->kvs[0].value.data, live_prog_pin(f, "xdp", "bpf_func_process")->id);
	state_find(&f->lv.state, KIND_PROGRAM, "xdp")->entries_fp ^= 1;
	compute(f, false);
	c = MAP(f, "jmp_table");
	mc = map_change_of(c);
	assert_change(c, ACT_UPDATE, "entries_differ", NULL);
	assert_int_equal(mc->n_ops, 1);
	assert_int_equal(mc->ops[0].op, EOP_CHANGE);
	assert_int_equal(mc->ops[0].decl, 0);

	/* emptied at runtime, then the target reloaded: seed does not fill it again */
	bytes_free(&lm->kvs[0].key);
	bytes_free(&lm->kvs[0].value);
	lm->n_kvs = 0;
	compute(f, false);
	assert_change(MAP(f, "jmp_table"), ACT_NOOP, NULL, NULL);
	assert_int_equal(MAP_OPS(f, "jmp_table")->n_ops, 0);
}

/*
 * A slot rewired on a map whose only other change is prevent_destroy (an
 * update of the state record alone): the update now writes an entry, so its
 * reason is entries_differ, as when the slot is the only change.
 */
static void test_tail_rewire_with_state_only_change(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;
	struct change *c;
	const struct map_change *mc;

	lm = tail_applied(f, TAIL("merge"));
	/* the record says prevent_destroy, the manifest no longer does */
	state_find(&f->lv.state, KIND_MAP, "jmp_table")->flags = STATE_F_PREVENT_DESTROY;
	compute(f, false);
	assert_change(MAP(f, "jmp_table"), ACT_UPDATE, "update_state_record_only",
		      "prevent_destroy cleared");
	le32(lm->kvs[0].value.data, live_prog_pin(f, "xdp", "bpf_func_debug")->id);
	compute(f, false);
	c = MAP(f, "jmp_table");
	mc = map_change_of(c);
	assert_int_equal(c->action, ACT_UPDATE);
	assert_int_equal(mc->n_ops, 1);
	assert_int_equal(mc->ops[0].op, EOP_CHANGE);
	assert_line(f, false, "~", "map.jmp_table", "entries: 0 to add, 1 to change, 0 to remove");
	assert_string_equal(reason_code(c->reason), "entries_differ");
}

/* ---- order ---------------------------------------------------------------------------- */

static void test_order(void **state)
{
	static const char *const want[] = {
		"map.counters", "program.dump", "iterator.it",
		"iterator.old_it", "program.old_prog", "map.old_map",
	};
	struct fx *f = *state;
	size_t i;
	char *text;

	fx_load(f, ITER_ONE("dump/dump_map", "map: counters"));
	/* records in the reverse of the order they must come in */
	recorded_map(f, "old_map", 7);
	recorded_prog(f, "old_prog", 50);
	recorded_iter(f, "old_it", 60);
	compute(f, false);
	assert_int_equal(f->p.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < f->p.n; i++)
		assert_string_equal(f->p.changes[i].address, want[i]);
	assert_int_equal(diag_count(&f->d), 0);
	assert_summary(&f->p, 3, 0, 0, 3);
	assert_true(asprintf(&text,
			     "  + map.counters            hash key 4B value 8B max_entries 64\n"
			     "  + program.dump            1 program from %s\n"
			     "  + iterator.it             program dump/dump_map, map counters\n"
			     "  - iterator.old_it         not in manifest\n"
			     "  - program.old_prog        not in manifest\n"
			     "  - map.old_map             not in manifest\n"
			     "Plan: 3 to add, 0 to change, 0 to replace, 3 to destroy.\n",
			     obj("@IM@")) > 0);
	assert_string_equal(render(f, f->m, false), text);
	free(text);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_prog_new),
		T(test_prog_foreign_pins),
		T(test_prog_empty_dir_not_foreign),
		T(test_prog_noop),
		T(test_prog_object_changed),
		T(test_prog_object_changed_all),
		T(test_prog_params_changed),
		T(test_prog_object_before_params),
		T(test_prog_reordered_noop),
		T(test_prog_bindings_reordered_noop),
		T(test_prog_pin_removed),
		T(test_prog_own_map_pin_removed),
		T(test_prog_pin_replaced),
		T(test_prog_drift_before_object),
		T(test_prog_dir_gone),
		T(test_prog_reused_map_replaced),
		T(test_prog_reused_map_recreated),
		T(test_prog_reused_map_entries_no_reload),
		T(test_prog_pinned_binding_changed),
		T(test_prog_not_in_manifest),
		T(test_prog_destroy),
		T(test_iter_new),
		T(test_iter_foreign_pin),
		T(test_iter_noop),
		T(test_iter_ref_spelling_noop),
		T(test_iter_link_replaced),
		T(test_iter_pin_removed),
		T(test_iter_param_changed),
		T(test_iter_task_param_changed),
		T(test_iter_program_reloaded),
		T(test_iter_map_replaced),
		T(test_iter_pinned_map_changed),
		T(test_iter_not_in_manifest),
		T(test_iter_delete_foreign_link),
		T(test_iter_destroy),
		T(test_tail_noop),
		T(test_tail_slot_changed),
		T(test_tail_target_reloaded),
		T(test_tail_seed),
		T(test_tail_rewire_with_state_only_change),
		T(test_order),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
