// SPDX-License-Identifier: GPL-2.0-only
/*
 * The diff with no kernel: a desired model parsed from small manifests, a
 * live snapshot and state record built by hand the way live_read() would
 * fill them, and plan_compute() in between.  Each test checks the action,
 * the reason, the detail text, the entry operations and the order of the
 * changes it expects.
 */
#include "unit.h"
#include "fixture.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/diag.h"
#include "kinds/map/map.h"
#include "live.h"
#include "core/maptypes.h"
#include "model.h"
#include "plan.h"
#include "core/state.h"

#define PIN(name) SCOPE_DIR "/maps/" name
#define HEADER_LINES MAPS_HEADER_LINES

/* ---- fixture (fixture.c) ------------------------------------------------------------ */

/* 4 CPUs: test_percpu_values lays its values out for them */
static int diff_setup(void **state)
{
	return fx_setup_ncpus(state, 4);
}

/* Parse MAPS_HEADER + maps_yaml from a file in a fresh temporary directory. */
static struct manifest *load_yaml(const char *maps_yaml)
{
	return fx_parse(MAPS_HEADER, maps_yaml);
}

static void fx_load(struct fx *f, const char *maps_yaml)
{
	fx_adopt(f, load_yaml(maps_yaml));
}

static struct change *chg(const struct fx *f, const char *name)
{
	return fx_change(f, KIND_MAP, name);
}

static void assert_change(const struct change *c, enum action a, enum reason r,
			  const char *detail)
{
	assert_int_equal(c->action, a);
	assert_int_equal(c->reason, r);
	if (detail) {
		assert_non_null(c->detail);
		assert_string_equal(c->detail, detail);
	} else {
		assert_null(c->detail);
	}
}

/* The map kind's part of a change: its live snapshot and entry operations. */
static void assert_op(const struct change *c, size_t i, enum entry_op_kind op, int decl)
{
	const struct map_change *mc = map_change_of(c);

	assert_true(i < mc->n_ops);
	assert_int_equal(mc->ops[i].op, op);
	assert_int_equal(mc->ops[i].decl, decl);
}

static void assert_ops(const struct change *c, unsigned add, unsigned change, unsigned remove)
{
	const struct map_change *mc = map_change_of(c);

	assert_int_equal(mc->n_add, add);
	assert_int_equal(mc->n_change, change);
	assert_int_equal(mc->n_remove, remove);
	assert_int_equal(mc->n_ops, add + change + remove);
}

#define HASH_X                                                                            \
	"  x:\n"                                                                          \
	"    type: hash\n"                                                                \
	"    key_size: 4\n"                                                               \
	"    value_size: 8\n"                                                             \
	"    max_entries: 16\n"

/* ---- creation and ownership ------------------------------------------------------------ */

static void test_new_map(void **state)
{
	struct fx *f = *state;
	struct change *c;

	fx_load(f, "  counters:\n"
		   "    type: percpu_hash\n"
		   "    key_size: 4\n"
		   "    value_size: 8\n"
		   "    max_entries: 1024\n");
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	assert_string_equal(f->p.scope, "t");
	assert_false(f->p.destroy);
	assert_int_equal(f->p.state_serial, 0);
	assert_int_equal(f->p.n, 1);
	c = &f->p.changes[0];
	assert_change(c, ACT_CREATE, R_NEW, NULL);
	assert_int_equal(c->kind, KIND_MAP);
	assert_string_equal(c->name, "counters");
	assert_string_equal(c->address, "map.counters");
	assert_string_equal(c->pin, PIN("counters"));
	assert_int_equal(c->spec, 0);
	assert_null(c->prior);
	assert_ptr_equal(map_change_of(c)->live, live_find_map(&f->lv, "counters"));
	assert_false(c->foreign);
	assert_int_equal(map_change_of(c)->n_ops, 0);
	assert_summary(&f->p, 1, 0, 0, 0);
}

static void test_foreign_pin(void **state)
{
	struct fx *f = *state;
	struct change *c;

	fx_load(f, "  other:\n"
		   "    type: array\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 1\n" HASH_X);
	live_as_spec(f, "x", 7);                    /* a map pinned by someone else */
	lmap(f, "other")->pin_state = PIN_OTHER; /* a program pinned where a map should go */
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 2);
	diag_sort(&f->d);
	/* "other" is declared first: its error comes first, located at its key */
	assert_int_equal(f->d.msgs[0].loc.line, HEADER_LINES + 1);
	assert_int_equal(f->d.msgs[0].loc.col, 3);
	assert_string_equal(f->d.msgs[0].text,
			    "map \"other\": " PIN("other") " exists but was not created by "
			    "bpfapply; remove it or rename the map");
	assert_int_equal(f->d.msgs[1].loc.line, HEADER_LINES + 6);
	assert_diag(&f->d, 1, "map \"x\": " PIN("x") " exists but was not created by bpfapply");
	c = chg(f, "x");
	assert_true(c->foreign);
	assert_null(c->prior);
	assert_int_not_equal(c->action, ACT_CREATE);
	assert_int_not_equal(c->action, ACT_REPLACE);
	assert_int_not_equal(c->action, ACT_DELETE);
	c = chg(f, "other");
	assert_true(c->foreign);
	assert_int_not_equal(c->action, ACT_CREATE);
	assert_summary(&f->p, 0, 0, 0, 0);
}

static void test_unchanged_noop(void **state)
{
	struct fx *f = *state;
	struct change *c;

	fx_load(f, HASH_X);
	managed(f, "x", 42);
	f->lv.state.serial = 17;
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	assert_int_equal(f->p.state_serial, 17);
	assert_int_equal(f->p.n, 1);
	c = chg(f, "x");
	assert_change(c, ACT_NOOP, R_NONE, NULL);
	assert_false(c->foreign);
	assert_ptr_equal(c->prior, state_find(&f->lv.state, KIND_MAP, "x"));
	assert_int_equal(map_change_of(c)->n_ops, 0);
	assert_summary(&f->p, 0, 0, 0, 0);
}

/* ---- replacement ------------------------------------------------------------------- */

static void test_max_entries_replace(void **state)
{
	struct fx *f = *state;

	fx_load(f, "  x:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 8\n"
		   "    max_entries: 32\n");
	managed(f, "x", 42)->info.max_entries = 16;
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	assert_change(chg(f, "x"), ACT_REPLACE, R_ATTRS_CHANGED, "max_entries 16 -> 32");
	assert_summary(&f->p, 0, 0, 1, 0);
}

/* One live attribute differs from the spec each time. */
static void test_attr_changes(void **state)
{
	static const struct {
		const char *what;
		const char *detail;
	} cases[] = {
		{ "type", "type lru_hash -> hash" },
		{ "key_size", "key_size 8 -> 4" },
		{ "value_size", "value_size 16 -> 8" },
		{ "flags", "flags no_prealloc,zero_seed -> no_prealloc" },
		{ "name", "name old_name -> x" },
		{ "noname", "name \"\" -> x" },
		{ "frozen", "frozen true -> false" },
	};
	struct fx *f = *state;
	size_t i;

	fx_load(f, "  x:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 8\n"
		   "    max_entries: 16\n"
		   "    flags: [no_prealloc]\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct live_map *lm = managed(f, "x", 42);
		const char *w = cases[i].what;

		if (!strcmp(w, "type"))
			lm->info.type = BPF_MAP_TYPE_LRU_HASH;
		else if (!strcmp(w, "key_size"))
			lm->info.key_size = 8;
		else if (!strcmp(w, "value_size"))
			lm->info.value_size = 16;
		else if (!strcmp(w, "flags"))
			lm->info.map_flags |= BPF_F_ZERO_SEED;
		else if (!strcmp(w, "name"))
			strcpy(lm->info.name, "old_name");
		else if (!strcmp(w, "noname"))
			lm->info.name[0] = '\0';
		else
			lm->frozen = true;
		compute(f, false);
		assert_int_equal(diag_count(&f->d), 0);
		assert_change(chg(f, "x"), ACT_REPLACE, R_ATTRS_CHANGED, cases[i].detail);
		assert_summary(&f->p, 0, 0, 1, 0);
	}
}

#define INNER_MAPS(tpl_max)                                                               \
	"  outer:\n"                                                                      \
	"    type: hash_of_maps\n"                                                        \
	"    key_size: 4\n"                                                               \
	"    value_size: 4\n"                                                             \
	"    max_entries: 8\n"                                                            \
	"    inner_map: tpl\n"                                                            \
	"  tpl:\n"                                                                        \
	"    type: array\n"                                                               \
	"    key_size: 4\n"                                                               \
	"    value_size: 8\n"                                                             \
	"    max_entries: " tpl_max "\n"

static void test_inner_template_changed(void **state)
{
	struct fx *f = *state;
	struct manifest *old = load_yaml(INNER_MAPS("8"));
	uint64_t old_outer_fp = map_spec_fp(old, &old->maps[manifest_map_index(old, "outer")]);
	uint64_t old_tpl_fp = map_spec_fp(old, &old->maps[manifest_map_index(old, "tpl")]);
	struct live_map *lm;

	manifest_free(old);
	fx_load(f, INNER_MAPS("16"));
	assert_int_not_equal(old_outer_fp, map_spec_fp(f->m, spec(f, "outer")));
	/* the template was created with 8 entries; the outer map looks the same as before */
	rec(f, "tpl", 10, old_tpl_fp, 0);
	lm = live_as_spec(f, "tpl", 10);
	lm->info.max_entries = 8;
	rec(f, "outer", 11, old_outer_fp, 0);
	live_as_spec(f, "outer", 11);
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	assert_int_equal(f->p.n, 2);
	assert_string_equal(f->p.changes[0].name, "tpl");
	assert_change(&f->p.changes[0], ACT_REPLACE, R_ATTRS_CHANGED, "max_entries 8 -> 16");
	assert_string_equal(f->p.changes[1].name, "outer");
	assert_change(&f->p.changes[1], ACT_REPLACE, R_ATTRS_CHANGED,
		      "inner_map template changed");
	assert_summary(&f->p, 0, 0, 2, 0);

	/* the outer map's record matching the current spec: nothing to do for it */
	state_find(&f->lv.state, KIND_MAP, "outer")->spec_fp = map_spec_fp(f->m, spec(f, "outer"));
	compute(f, false);
	assert_change(chg(f, "outer"), ACT_NOOP, R_NONE, NULL);
	assert_summary(&f->p, 0, 0, 1, 0);
}

/* ---- drift of the pins ---------------------------------------------------------------- */

static void test_pin_removed(void **state)
{
	struct fx *f = *state;
	struct change *c;

	fx_load(f, HASH_X);
	rec(f, "x", 42, map_spec_fp(f->m, spec(f, "x")), 0); /* pin absent */
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	c = chg(f, "x");
	assert_change(c, ACT_CREATE, R_PIN_REMOVED, "pin removed outside bpfapply");
	assert_non_null(c->prior);
	assert_false(c->foreign);
	assert_summary(&f->p, 1, 0, 0, 0);
}

static void test_pin_replaced(void **state)
{
	struct fx *f = *state;
	struct change *c;

	fx_load(f, HASH_X);
	managed(f, "x", 42)->info.id = 43;
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	c = chg(f, "x");
	assert_change(c, ACT_REPLACE, R_PIN_REPLACED, "pin replaced outside bpfapply");
	assert_summary(&f->p, 0, 0, 1, 0);

	/* not even a map any more */
	managed(f, "x", 42)->pin_state = PIN_OTHER;
	compute(f, false);
	assert_change(chg(f, "x"), ACT_REPLACE, R_PIN_REPLACED, "pin replaced outside bpfapply");
	assert_summary(&f->p, 0, 0, 1, 0);
}

/* ---- entries ------------------------------------------------------------------------ */

#define HASH_E(policy)                                                                    \
	"  e:\n"                                                                          \
	"    type: hash\n"                                                                \
	"    key_size: 4\n"                                                               \
	"    value_size: 4\n"                                                             \
	"    max_entries: 16\n"                                                           \
	"    entries_policy: " policy "\n"                                                \
	"    entries:\n"                                                                  \
	"      - {key: 1, value: 10}\n"                                                   \
	"      - {key: 2, value: 20}\n"                                                   \
	"      - {key: 3, value: 30}\n"

/* key 1 as declared, key 2 changed at runtime, key 3 deleted, key 4 added at runtime */
static void drift_e(struct fx *f)
{
	struct live_map *lm = managed(f, "e", 5);

	kv32(lm, 1, 10);
	kv32(lm, 2, 99);
	kv32(lm, 4, 40);
}

static void test_merge_entries(void **state)
{
	struct fx *f = *state;
	struct change *c;

	fx_load(f, HASH_E("merge"));
	drift_e(f);
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	c = chg(f, "e");
	assert_change(c, ACT_UPDATE, R_ENTRIES, NULL);
	assert_ops(c, 1, 1, 0); /* key 4 is left alone */
	assert_op(c, 0, EOP_CHANGE, 1);
	assert_op(c, 1, EOP_ADD, 2);
	assert_summary(&f->p, 0, 1, 0, 0);
}

static void test_exact_entries(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;
	struct change *c;
	uint8_t k4[4];

	fx_load(f, HASH_E("exact"));
	drift_e(f);
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	c = chg(f, "e");
	assert_change(c, ACT_UPDATE, R_ENTRIES, NULL);
	assert_ops(c, 1, 1, 1);
	/* removals first: a full map makes room before it adds */
	assert_op(c, 0, EOP_REMOVE, -1);
	assert_op(c, 1, EOP_CHANGE, 1);
	assert_op(c, 2, EOP_ADD, 2);
	le32(k4, 4);
	assert_int_equal(map_change_of(c)->ops[0].key.len, 4);
	assert_memory_equal(map_change_of(c)->ops[0].key.data, k4, 4);
	assert_summary(&f->p, 0, 1, 0, 0);

	/* without a full dump the diff cannot know what is undeclared: no removal */
	live_find_map(&f->lv, "e")->full_dump = false;
	compute(f, false);
	assert_ops(chg(f, "e"), 1, 1, 0);

	/* everything as declared: no-op */
	lm = map_change_of(chg(f, "e"))->live;
	lm->kvs[1].value.data[0] = 20;
	lm->kvs[2].key.data[0] = 3;
	lm->kvs[2].value.data[0] = 30;
	lm->full_dump = true;
	compute(f, false);
	assert_change(chg(f, "e"), ACT_NOOP, R_NONE, NULL);
	assert_summary(&f->p, 0, 0, 0, 0);
}

/* exact on an array: slots always exist, zero means "empty". */
static void test_array_exact(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;
	struct change *c;

	fx_load(f, "  a:\n"
		   "    type: array\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 5\n"
		   "    entries_policy: exact\n"
		   "    entries:\n"
		   "      - {key: 0, value: 5}\n"
		   "      - {key: 1, value: 9}\n"
		   "      - {key: 4, value: 6}\n");
	lm = managed(f, "a", 3);
	kv32(lm, 0, 5); /* as declared */
	kv32(lm, 1, 0); /* declared slot still zero: an add, not a change */
	kv32(lm, 2, 7); /* undeclared, non-zero: removed (zeroed) */
	kv32(lm, 3, 0); /* undeclared, zero: nothing to do */
	kv32(lm, 4, 8); /* declared, different: a change */
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	c = chg(f, "a");
	assert_change(c, ACT_UPDATE, R_ENTRIES, NULL);
	assert_ops(c, 1, 1, 1);
	assert_op(c, 0, EOP_REMOVE, -1);
	assert_op(c, 1, EOP_ADD, 1);
	assert_op(c, 2, EOP_CHANGE, 2);
	assert_int_equal(map_change_of(c)->ops[0].key.data[0], 2);
	assert_summary(&f->p, 0, 1, 0, 0);
}

/*
 * A declared all-zero value in an array slot that holds zero is already
 * converged: a second apply must change nothing (design.md §1).
 */
static void test_array_declared_zero_value(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;
	struct change *c;

	fx_load(f, "  a:\n"
		   "    type: array\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 2\n"
		   "    entries:\n"
		   "      - {key: 1, value: 0}\n");
	lm = managed(f, "a", 3);
	kv32(lm, 1, 0);
	compute(f, false);
	c = chg(f, "a");
	assert_change(c, ACT_NOOP, R_NONE, NULL);
	assert_summary(&f->p, 0, 0, 0, 0);
}

static void test_seed_no_ops(void **state)
{
	struct fx *f = *state;

	fx_load(f, HASH_E("seed"));
	drift_e(f); /* live_read() would not even read these: seed never looks */
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	assert_change(chg(f, "e"), ACT_NOOP, R_NONE, NULL);
	assert_int_equal(map_change_of(chg(f, "e"))->n_ops, 0);
	assert_summary(&f->p, 0, 0, 0, 0);
}

static void percpu_value(uint8_t *buf, int ncpus, uint32_t v, int odd_cpu, uint32_t odd)
{
	int cpu;

	for (cpu = 0; cpu < ncpus; cpu++) {
		le32(buf + 8 * cpu, cpu == odd_cpu ? odd : v);
		/* padding up to 8 bytes: not part of the value */
		memset(buf + 8 * cpu + 4, 0xa5, 4);
	}
}

static void test_percpu_values(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;
	uint8_t buf[8 * 4];
	struct change *c;

	fx_load(f, "  pc:\n"
		   "    type: percpu_hash\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 16\n"
		   "    entries:\n"
		   "      - {key: 1, value: 0x11223344}\n"
		   "      - {key: 2, value: 7}\n");
	assert_int_equal(f->lv.ncpus, 4);
	lm = managed(f, "pc", 9);
	percpu_value(buf, 4, 0x11223344, -1, 0);
	kv(lm, 1, buf, sizeof(buf));
	percpu_value(buf, 4, 7, -1, 0);
	kv(lm, 2, buf, sizeof(buf));
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	assert_change(chg(f, "pc"), ACT_NOOP, R_NONE, NULL);

	/* the last CPU holds another value for key 2 */
	percpu_value(lm->kvs[1].value.data, 4, 7, 3, 8);
	compute(f, false);
	c = chg(f, "pc");
	assert_change(c, ACT_UPDATE, R_ENTRIES, NULL);
	assert_ops(c, 0, 1, 0);
	assert_op(c, 0, EOP_CHANGE, 1);

	/* the first CPU differs for key 1 */
	percpu_value(lm->kvs[1].value.data, 4, 7, -1, 0);
	percpu_value(lm->kvs[0].value.data, 4, 0x11223344, 0, 0x11223345);
	compute(f, false);
	c = chg(f, "pc");
	assert_ops(c, 0, 1, 0);
	assert_op(c, 0, EOP_CHANGE, 0);
}

static void test_frozen_entries_replace(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;

	fx_load(f, "  lim:\n"
		   "    type: array\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 1\n"
		   "    frozen: true\n"
		   "    entries:\n"
		   "      - {key: 0, value: 5}\n");
	lm = managed(f, "lim", 4);
	assert_true(lm->frozen);
	kv32(lm, 0, 5);
	compute(f, false);
	assert_change(chg(f, "lim"), ACT_NOOP, R_NONE, NULL);

	lm->kvs[0].value.data[0] = 6;
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	assert_change(chg(f, "lim"), ACT_REPLACE, R_ATTRS_CHANGED,
		      "entries of a frozen map changed");
	assert_summary(&f->p, 0, 0, 1, 0);
}

/* ---- map-in-map wiring ------------------------------------------------------------------ */

#define WIRED(policy)                                                                     \
	"  tpl:\n"                                                                        \
	"    type: array\n"                                                               \
	"    key_size: 4\n"                                                               \
	"    value_size: 8\n"                                                             \
	"    max_entries: 16\n"                                                           \
	"  in_a:\n"                                                                       \
	"    type: array\n"                                                               \
	"    key_size: 4\n"                                                               \
	"    value_size: 8\n"                                                             \
	"    max_entries: 16\n"                                                           \
	"  outer:\n"                                                                      \
	"    type: hash_of_maps\n"                                                        \
	"    key_size: 4\n"                                                               \
	"    value_size: 4\n"                                                             \
	"    max_entries: 8\n"                                                            \
	"    inner_map: tpl\n"                                                            \
	"    entries_policy: " policy "\n"                                                \
	"    entries:\n"                                                                  \
	"      - {key: 1, value: {map: in_a}}\n"

static void test_rewire_under_seed(void **state)
{
	struct fx *f = *state;
	struct live_map *outer;
	struct change *c;

	fx_load(f, WIRED("seed"));
	managed(f, "tpl", 20);
	managed(f, "in_a", 21);
	outer = managed(f, "outer", 22);
	kv32(outer, 1, 21); /* slot 1 holds in_a */
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	assert_change(chg(f, "outer"), ACT_NOOP, R_NONE, NULL);
	assert_summary(&f->p, 0, 0, 0, 0);

	/* in_a gets a new object: the slot must point at it, seed or not */
	live_find_map(&f->lv, "in_a")->info.max_entries = 8;
	compute(f, false);
	assert_change(chg(f, "in_a"), ACT_REPLACE, R_ATTRS_CHANGED, "max_entries 8 -> 16");
	c = chg(f, "outer");
	assert_change(c, ACT_UPDATE, R_ENTRIES, NULL);
	assert_ops(c, 0, 1, 0);
	assert_op(c, 0, EOP_CHANGE, 0);
	assert_true(chg(f, "in_a") < c); /* the target is created before the rewiring */
	assert_summary(&f->p, 0, 1, 1, 0);

	/* in_a's pin removed: re-created, so rewired too */
	live_find_map(&f->lv, "in_a")->pin_state = PIN_ABSENT;
	compute(f, false);
	assert_change(chg(f, "in_a"), ACT_CREATE, R_PIN_REMOVED, "pin removed outside bpfapply");
	assert_ops(chg(f, "outer"), 0, 1, 0);

	/* under seed an empty slot is not filled again */
	live_find_map(&f->lv, "in_a")->pin_state = PIN_MAP;
	live_find_map(&f->lv, "in_a")->info.max_entries = 16;
	outer->kvs[0].key.data[0] = 2; /* slot 1 now empty, slot 2 runtime data */
	compute(f, false);
	assert_change(chg(f, "outer"), ACT_NOOP, R_NONE, NULL);
}

static void test_rewire_under_merge(void **state)
{
	struct fx *f = *state;
	struct live_map *outer;
	struct change *c;

	fx_load(f, WIRED("merge"));
	managed(f, "tpl", 20);
	managed(f, "in_a", 21);
	outer = managed(f, "outer", 22);
	compute(f, false); /* slot 1 empty */
	c = chg(f, "outer");
	assert_change(c, ACT_UPDATE, R_ENTRIES, NULL);
	assert_ops(c, 1, 0, 0);
	assert_op(c, 0, EOP_ADD, 0);

	kv32(outer, 1, 99); /* slot 1 holds some other map */
	compute(f, false);
	c = chg(f, "outer");
	assert_ops(c, 0, 1, 0);

	outer->kvs[0].value.data[0] = 21;
	compute(f, false);
	assert_change(chg(f, "outer"), ACT_NOOP, R_NONE, NULL);
}

/* ---- deletion and destroy ------------------------------------------------------------- */

static void test_not_in_manifest(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;
	struct change *c;

	fx_load(f, HASH_X);
	managed(f, "x", 1);
	rec(f, "old", 2, 0x1234, 0);
	lm = lmap(f, "old");
	lm->pin_state = PIN_MAP;
	lm->info.id = 2;
	rec(f, "gone", 3, 0x1234, 0); /* pin absent */
	rec(f, "taken", 4, 0x1234, 0);
	lm = lmap(f, "taken");
	lm->pin_state = PIN_MAP;
	lm->info.id = 5; /* someone pinned another map there */
	rec(f, "prog", 6, 0x1234, 0);
	lmap(f, "prog")->pin_state = PIN_OTHER;
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	assert_int_equal(f->p.n, 5);

	c = chg(f, "old");
	assert_change(c, ACT_DELETE, R_NOT_IN_MANIFEST, "not in manifest");
	assert_int_equal(c->spec, -1);
	assert_ptr_equal(c->prior, state_find(&f->lv.state, KIND_MAP, "old"));
	assert_string_equal(c->pin, PIN("old"));
	assert_false(c->foreign);

	c = chg(f, "gone");
	assert_change(c, ACT_DELETE, R_NOT_IN_MANIFEST, "not in manifest; pin already removed");
	assert_false(c->foreign);

	c = chg(f, "taken");
	assert_change(c, ACT_DELETE, R_NOT_IN_MANIFEST,
		      "not in manifest; the pin now holds an object bpfapply did not create, "
		      "left alone");
	assert_true(c->foreign);

	c = chg(f, "prog");
	assert_int_equal(c->action, ACT_DELETE);
	assert_true(c->foreign);

	assert_change(chg(f, "x"), ACT_NOOP, R_NONE, NULL);
	assert_summary(&f->p, 0, 0, 0, 4);
}

static void test_destroy(void **state)
{
	struct fx *f = *state;
	struct change *c;
	size_t i;

	fx_load(f, HASH_X "  y:\n"
			  "    type: array\n"
			  "    key_size: 4\n"
			  "    value_size: 4\n"
			  "    max_entries: 1\n");
	managed(f, "x", 1);
	rec(f, "old", 2, 0x1234, 0);
	lmap(f, "old")->pin_state = PIN_MAP;
	live_find_map(&f->lv, "old")->info.id = 2;
	/* y is declared but was never created: nothing to destroy for it */
	compute(f, true);
	assert_int_equal(diag_count(&f->d), 0);
	assert_true(f->p.destroy);
	assert_int_equal(f->p.n, 2);
	for (i = 0; i < f->p.n; i++)
		assert_int_equal(f->p.changes[i].action, ACT_DELETE);
	c = chg(f, "x");
	assert_change(c, ACT_DELETE, R_DESTROY, "destroy");
	assert_false(c->foreign);
	assert_change(chg(f, "old"), ACT_DELETE, R_DESTROY, "destroy");
	assert_null(plan_find(&f->p, KIND_MAP, "y"));
	assert_summary(&f->p, 0, 0, 0, 2);

	/* pin already gone */
	live_find_map(&f->lv, "old")->pin_state = PIN_ABSENT;
	compute(f, true);
	assert_change(chg(f, "old"), ACT_DELETE, R_DESTROY, "destroy; pin already removed");
}

/* destroy --scope: no manifest at all */
static void test_destroy_without_manifest(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;

	f->lv.state.scope = strdup("t");
	assert_non_null(f->lv.state.scope);
	rec(f, "a", 1, 0x1, 0);
	rec(f, "b", 2, 0x2, 0);
	lm = lmap(f, "a");
	lm->pin_state = PIN_MAP;
	lm->info.id = 1;
	lm = lmap(f, "b");
	lm->pin_state = PIN_MAP;
	lm->info.id = 2;
	compute(f, true);
	assert_int_equal(diag_count(&f->d), 0);
	assert_string_equal(f->p.scope, "t");
	assert_int_equal(f->p.n, 2);
	assert_string_equal(f->p.changes[0].name, "a");
	assert_string_equal(f->p.changes[1].name, "b");
	assert_change(&f->p.changes[0], ACT_DELETE, R_DESTROY, "destroy");
	assert_change(&f->p.changes[1], ACT_DELETE, R_DESTROY, "destroy");
	assert_summary(&f->p, 0, 0, 0, 2);
}

/* ---- prevent_destroy ------------------------------------------------------------------ */

static void test_prevent_destroy_record(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;

	fx_load(f, HASH_X);
	managed(f, "x", 1);
	/* its block was removed from the manifest: the record keeps it protected */
	rec(f, "keep", 2, 0x1234, STATE_F_PREVENT_DESTROY);
	lm = lmap(f, "keep");
	lm->pin_state = PIN_MAP;
	lm->info.id = 2;
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 1);
	assert_null(f->d.msgs[0].loc.file);
	assert_string_equal(f->d.msgs[0].text,
			    "map \"keep\": prevent_destroy is set; refusing to delete it");
	assert_change(chg(f, "keep"), ACT_DELETE, R_NOT_IN_MANIFEST, "not in manifest");

	/* the same under destroy */
	diag_free(&f->d);
	compute(f, true);
	assert_int_equal(diag_count(&f->d), 1);
	assert_string_equal(f->d.msgs[0].text,
			    "map \"keep\": prevent_destroy is set; refusing to destroy it");

	/* a protected record whose pin is gone: nothing is deleted, no error */
	diag_free(&f->d);
	lm->pin_state = PIN_ABSENT;
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
}

static void test_prevent_destroy_replace(void **state)
{
	struct fx *f = *state;

	fx_load(f, "  x:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 8\n"
		   "    max_entries: 32\n"
		   "    prevent_destroy: true\n");
	managed(f, "x", 1)->info.max_entries = 16;
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 1);
	assert_int_equal(f->d.msgs[0].loc.line, HEADER_LINES + 1);
	assert_int_equal(f->d.msgs[0].loc.col, 3);
	assert_string_equal(f->d.msgs[0].text, "map \"x\": prevent_destroy is set; refusing to "
					       "replace it (max_entries 16 -> 32)");
	assert_change(chg(f, "x"), ACT_REPLACE, R_ATTRS_CHANGED, "max_entries 16 -> 32");

	/* declared and protected: destroy refuses too */
	diag_free(&f->d);
	live_find_map(&f->lv, "x")->info.max_entries = 32;
	compute(f, true);
	assert_int_equal(diag_count(&f->d), 1);
	assert_diag(&f->d, 0, "refusing to destroy it");
}

/* Removing the flag from a declared map lifts the protection (design.md §5). */
static void test_prevent_destroy_flag_removed(void **state)
{
	struct fx *f = *state;

	fx_load(f, HASH_X);
	managed(f, "x", 1);
	state_find(&f->lv.state, KIND_MAP, "x")->flags = STATE_F_PREVENT_DESTROY;
	compute(f, true);
	assert_int_equal(diag_count(&f->d), 0);
	assert_change(chg(f, "x"), ACT_DELETE, R_DESTROY, "destroy");
	assert_summary(&f->p, 0, 0, 0, 1);
}

static void test_prevent_destroy_toggle(void **state)
{
	struct fx *f = *state;
	struct change *c;

	fx_load(f, "  x:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 8\n"
		   "    max_entries: 16\n"
		   "    prevent_destroy: true\n");
	managed(f, "x", 1);
	state_find(&f->lv.state, KIND_MAP, "x")->flags = 0;
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	c = chg(f, "x");
	assert_change(c, ACT_UPDATE, R_STATE_ONLY, "prevent_destroy set");
	assert_int_equal(map_change_of(c)->n_ops, 0);
	assert_summary(&f->p, 0, 1, 0, 0);

	/* and back: the record is flagged, the manifest no longer is */
	manifest_free(f->m);
	f->m = load_yaml(HASH_X);
	state_find(&f->lv.state, KIND_MAP, "x")->flags = STATE_F_PREVENT_DESTROY;
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	c = chg(f, "x");
	assert_change(c, ACT_UPDATE, R_STATE_ONLY, "prevent_destroy cleared");
	assert_int_equal(map_change_of(c)->n_ops, 0);
	assert_summary(&f->p, 0, 1, 0, 0);
}

/* ---- order and summary --------------------------------------------------------------- */

static void test_execution_order(void **state)
{
	static const char *const want[] = { "tpl", "target", "outer", "plain", "gone" };
	struct fx *f = *state;
	size_t i;

	fx_load(f, "  outer:\n"
		   "    type: array_of_maps\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 4\n"
		   "    inner_map: tpl\n"
		   "    entries:\n"
		   "      - {key: 0, value: {map: target}}\n"
		   "  target:\n"
		   "    type: array\n"
		   "    key_size: 4\n"
		   "    value_size: 8\n"
		   "    max_entries: 16\n"
		   "  plain:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 8\n"
		   "    max_entries: 16\n"
		   "  tpl:\n"
		   "    type: array\n"
		   "    key_size: 4\n"
		   "    value_size: 8\n"
		   "    max_entries: 16\n");
	rec(f, "gone", 9, 0x1, 0);
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	assert_int_equal(f->p.n, 5);
	for (i = 0; i < 5; i++)
		assert_string_equal(f->p.changes[i].name, want[i]);
	for (i = 0; i < 4; i++)
		assert_change(&f->p.changes[i], ACT_CREATE, R_NEW, NULL);
	assert_int_equal(f->p.changes[2].spec, 0);
	assert_change(&f->p.changes[4], ACT_DELETE, R_NOT_IN_MANIFEST,
		      "not in manifest; pin already removed");
	assert_summary(&f->p, 4, 0, 0, 1);
}

static void test_summary(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;

	fx_load(f, "  a_new:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 4\n"
		   "  b_upd:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 4\n"
		   "    entries:\n"
		   "      - {key: 1, value: 1}\n"
		   "  c_repl:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 4\n"
		   "  d_same:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 4\n");
	managed(f, "b_upd", 2);
	managed(f, "c_repl", 3)->info.value_size = 8;
	managed(f, "d_same", 4);
	rec(f, "e_del", 5, 0x5, 0);
	lm = lmap(f, "e_del");
	lm->pin_state = PIN_MAP;
	lm->info.id = 5;
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	assert_int_equal(f->p.n, 5);
	assert_change(chg(f, "a_new"), ACT_CREATE, R_NEW, NULL);
	assert_change(chg(f, "b_upd"), ACT_UPDATE, R_ENTRIES, NULL);
	assert_change(chg(f, "c_repl"), ACT_REPLACE, R_ATTRS_CHANGED, "value_size 8 -> 4");
	assert_change(chg(f, "d_same"), ACT_NOOP, R_NONE, NULL);
	assert_change(chg(f, "e_del"), ACT_DELETE, R_NOT_IN_MANIFEST, "not in manifest");
	assert_summary(&f->p, 1, 1, 1, 1);
	assert_null(plan_find(&f->p, KIND_MAP, "nope"));
	assert_null(plan_find(&f->p, KIND_PROGRAM, "a_new"));
}

/*
 * A wronly map cannot be read back (live_read() leaves contents_read false;
 * the parser only allows seed for it): the diff must not plan to write its
 * entries on every run (design.md §1: a second run changes nothing).
 */
static void test_unreadable_entries(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;
	struct change *c;

	fx_load(f, "  w:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 4\n"
		   "    flags: [wronly]\n"
		   "    entries_policy: seed\n"
		   "    entries:\n"
		   "      - {key: 1, value: 1}\n");
	lm = managed(f, "w", 2);
	lm->contents_read = false;
	compute(f, false);
	c = chg(f, "w");
	assert_int_equal(map_change_of(c)->n_ops, 0);
	assert_int_not_equal(c->action, ACT_REPLACE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, diff_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_new_map),
		T(test_foreign_pin),
		T(test_unchanged_noop),
		T(test_max_entries_replace),
		T(test_attr_changes),
		T(test_inner_template_changed),
		T(test_pin_removed),
		T(test_pin_replaced),
		T(test_merge_entries),
		T(test_exact_entries),
		T(test_array_exact),
		T(test_array_declared_zero_value),
		T(test_seed_no_ops),
		T(test_percpu_values),
		T(test_frozen_entries_replace),
		T(test_rewire_under_seed),
		T(test_rewire_under_merge),
		T(test_not_in_manifest),
		T(test_destroy),
		T(test_destroy_without_manifest),
		T(test_prevent_destroy_record),
		T(test_prevent_destroy_replace),
		T(test_prevent_destroy_flag_removed),
		T(test_prevent_destroy_toggle),
		T(test_execution_order),
		T(test_summary),
		T(test_unreadable_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
