// SPDX-License-Identifier: GPL-2.0-only
/*
 * Good manifests parse into exactly the expected model; several files merge;
 * locations point where they should.  Also the diagnostics collector and the
 * map type tables the parser relies on.
 */
#include "unit.h"

#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/diag.h"
#include "kinds/link/link.h"
#include "core/maptypes.h"
#include "model.h"

#define GOOD "tests/manifests/good/"
#define MULTI "tests/manifests/multi/"

/* Entry i of s as a view (a few at a time can be alive). */
static const struct map_entry *entry(const struct map_spec *s, size_t i)
{
	static struct map_entry views[4];
	static unsigned next;

	return map_entry_get(s, i, &views[next++ % 4]);
}

static struct manifest *load(const char *const *files, size_t n, struct diag *d)
{
	struct manifest *m = manifest_load(files, n, d);

	if (!m || diag_count(d)) {
		diag_sort(d);
		diag_print(d, stderr);
	}
	return m;
}

static struct manifest *load_one(const char *file)
{
	struct diag d = { 0 };
	struct manifest *m = load(&file, 1, &d);

	assert_int_equal(diag_count(&d), 0);
	assert_non_null(m);
	diag_free(&d);
	return m;
}

static const struct map_spec *map_named(const struct manifest *m, const char *name)
{
	int i = manifest_map_index(m, name);

	assert_true(i >= 0);
	return &m->maps[i];
}

static void assert_bytes(const struct bytes *b, const uint8_t *want, uint32_t len)
{
	assert_int_equal(b->len, len);
	assert_memory_equal(b->data, want, len);
}

static void assert_loc(const struct loc *l, const char *file, int line, int col)
{
	assert_string_equal(l->file, file);
	assert_int_equal(l->line, line);
	assert_int_equal(l->col, col);
}

/* ---- full.yaml: every map feature ---------------------------------------------- */

static void test_full_counters(void **state)
{
	struct manifest *m = load_one(GOOD "full.yaml");
	const struct map_spec *s;

	(void)state;
	assert_string_equal(m->scope, "edge");
	assert_loc(&m->scope_loc, GOOD "full.yaml", 3, 8);
	assert_int_equal(m->n_files, 1);
	assert_int_equal(m->n_maps, 10);
	s = &m->maps[0];
	assert_string_equal(s->name, "counters");
	assert_loc(&s->loc, GOOD "full.yaml", 6, 3);
	assert_string_equal(s->kname, "counters");
	assert_int_equal(s->type, BPF_MAP_TYPE_PERCPU_HASH);
	assert_int_equal(s->key_size, 4);
	assert_int_equal(s->value_size, 8);
	assert_int_equal(s->max_entries, 1024);
	assert_int_equal(s->flags, BPF_F_NO_PREALLOC);
	assert_int_equal(s->policy, POLICY_MERGE);
	assert_null(s->inner_map);
	assert_int_equal(s->inner_index, -1);
	assert_true(s->has_entries);
	assert_false(s->frozen || s->prevent_destroy || s->preserve_entries);
	assert_int_equal(s->n_entries, 2);
	assert_loc(&entry(s, 0)->loc, GOOD "full.yaml", 15, 9);
	assert_int_equal(entry(s, 0)->vkind, VAL_BYTES);
	assert_bytes(&entry(s, 0)->key, (const uint8_t[]){ 0x20, 0xc4, 0xb7, 0x00 }, 4);
	assert_bytes(&entry(s, 0)->value,
		     (const uint8_t[]){ 0x0f, 0xff, 0xff, 0xab, 0x01, 0x02, 0x03, 0x4c }, 8);
	assert_null(entry(s, 0)->ref);
	assert_int_equal(entry(s, 0)->ref_index, -1);
	assert_bytes(&entry(s, 1)->key, (const uint8_t[]){ 32, 196, 183, 1 }, 4);
	assert_bytes(&entry(s, 1)->value, (const uint8_t[]){ 7, 0, 0, 0, 0, 0, 0, 0 }, 8);
	manifest_free(m);
}

static void test_full_map_in_map(void **state)
{
	struct manifest *m = load_one(GOOD "full.yaml");
	const struct map_spec *s = map_named(m, "by_tenant");

	(void)state;
	assert_int_equal(s->type, BPF_MAP_TYPE_HASH_OF_MAPS);
	assert_string_equal(s->inner_map, "inner_tpl");
	assert_int_equal(s->inner_index, manifest_map_index(m, "inner_tpl"));
	assert_loc(&s->inner_loc, GOOD "full.yaml", 34, 16);
	assert_int_equal(s->policy, POLICY_EXACT);
	assert_int_equal(s->n_entries, 2);
	assert_int_equal(entry(s, 0)->vkind, VAL_MAP);
	assert_bytes(&entry(s, 0)->key, (const uint8_t[]){ 1, 0, 0, 0 }, 4);
	assert_int_equal(entry(s, 0)->value.len, 0);
	assert_string_equal(entry(s, 0)->ref, "inner_tpl");
	assert_int_equal(entry(s, 0)->ref_index, 1);
	assert_loc(&entry(s, 0)->ref_loc, GOOD "full.yaml", 37, 31);
	assert_string_equal(entry(s, 1)->ref, "inner_a");
	assert_int_equal(entry(s, 1)->ref_index, 2);
	manifest_free(m);
}

static void test_full_prog_array(void **state)
{
	struct manifest *m = load_one(GOOD "full.yaml");
	const struct map_spec *s = map_named(m, "jmp_table");

	(void)state;
	assert_int_equal(s->type, BPF_MAP_TYPE_PROG_ARRAY);
	assert_int_equal(s->policy, POLICY_SEED);
	assert_int_equal(s->n_entries, 2);
	assert_int_equal(entry(s, 0)->vkind, VAL_PROGRAM);
	assert_string_equal(entry(s, 0)->ref, "xdp/bpf_func_process");
	assert_int_equal(entry(s, 0)->ref_index, manifest_program_index(m, "xdp"));
	assert_int_equal(entry(s, 0)->ref_prog, 1);
	assert_bytes(&entry(s, 1)->key, (const uint8_t[]){ 7, 0, 0, 0 }, 4);
	assert_string_equal(entry(s, 1)->ref, "xdp/bpf_func_debug");
	assert_int_equal(entry(s, 1)->ref_prog, 2);
	manifest_free(m);
}

static void test_full_other_maps(void **state)
{
	struct manifest *m = load_one(GOOD "full.yaml");
	static const uint8_t ones[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const struct map_spec *s;

	(void)state;
	s = map_named(m, "limits");
	assert_true(s->frozen && s->prevent_destroy && s->preserve_entries);
	assert_bytes(&entry(s, 0)->value, (const uint8_t[]){ 0xfe, 0xff, 0xff, 0xff }, 4);

	s = map_named(m, "long-name-with-dashes");
	assert_string_equal(s->kname, "long_name_with_"); /* cut to 15, '-' -> '_' */
	assert_int_equal(s->max_entries, 16);
	assert_int_equal(s->flags, BPF_F_MMAPABLE);
	assert_bytes(&entry(s, 0)->key, ones, 16);
	assert_bytes(&entry(s, 0)->value, (const uint8_t[]){ 15, 0 }, 2);
	assert_bytes(&entry(s, 1)->key,
		     (const uint8_t[]){ 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 16);
	assert_bytes(&entry(s, 1)->value, (const uint8_t[]){ 32, 196 }, 2);

	s = map_named(m, "events");
	assert_int_equal(s->type, BPF_MAP_TYPE_RINGBUF);
	assert_int_equal(s->max_entries, 262144);
	assert_false(s->has_entries);
	assert_int_equal(s->n_entries, 0);

	s = map_named(m, "routes");
	assert_int_equal(s->type, BPF_MAP_TYPE_LPM_TRIE);
	assert_int_equal(s->flags, BPF_F_NO_PREALLOC | BPF_F_RDONLY_PROG);

	s = map_named(m, "work");
	assert_int_equal(s->type, BPF_MAP_TYPE_QUEUE);
	assert_int_equal(s->key_size, 0);
	manifest_free(m);
}

static void test_full_programs(void **state)
{
	struct manifest *m = load_one(GOOD "full.yaml");
	const struct program_spec *p;
	const struct iterator_spec *it;

	(void)state;
	assert_int_equal(m->n_programs, 2);
	p = &m->programs[0];
	assert_string_equal(p->name, "xdp");
	assert_loc(&p->loc, GOOD "full.yaml", 88, 3);
	assert_string_equal(p->object, "bpf/tail_calls.bpf.o");
	assert_string_equal(p->object_path, GOOD "bpf/tail_calls.bpf.o");
	assert_loc(&p->object_loc, GOOD "full.yaml", 89, 13);
	assert_string_equal(p->type, "xdp");
	assert_int_equal(p->n_progs, 3);
	assert_string_equal(p->progs[0], "main_func");
	assert_string_equal(p->progs[2], "bpf_func_debug");
	assert_loc(&p->prog_locs[1], GOOD "full.yaml", 91, 27);
	assert_int_equal(p->n_maps, 2);
	assert_string_equal(p->maps[0].elf_name, "jmp_table");
	assert_string_equal(p->maps[0].target.name, "jmp_table");
	assert_null(p->maps[0].target.pinned);
	assert_int_equal(p->maps[0].target.index, manifest_map_index(m, "jmp_table"));
	assert_string_equal(p->maps[1].elf_name, "rxcnt");
	assert_null(p->maps[1].target.name);
	assert_string_equal(p->maps[1].target.pinned, "/sys/fs/bpf/rxcnt");
	assert_int_equal(p->maps[1].target.index, -1);
	assert_int_equal(p->n_globals, 1);
	assert_string_equal(p->globals[0].name, "target_pid");
	assert_true(p->globals[0].is_int);
	assert_string_equal(p->globals[0].int_text, "42");

	p = &m->programs[1];
	assert_string_equal(p->object_path, "/opt/bpf/iters.bpf.o");
	assert_null(p->type);
	assert_int_equal(p->n_progs, 0);

	assert_int_equal(m->n_iterators, 1);
	it = &m->iterators[0];
	assert_string_equal(it->program, "it/dump_task");
	assert_int_equal(it->prog_entry, 1);
	assert_int_equal(it->prog_index, -1); /* no selection: checked against the ELF */
	assert_int_equal(it->param, ITER_PARAM_MAP);
	assert_string_equal(it->map.name, "counters");
	assert_int_equal(it->map.index, 0);
	assert_loc(&it->param_loc, GOOD "full.yaml", 103, 5);
	assert_loc(&it->map.loc, GOOD "full.yaml", 103, 10);
	manifest_free(m);
}

/* ---- progs.yaml: programs and iterators ------------------------------------------ */

/* Sizes after the list: the entries are read once they are known, into packed arrays. */
static void test_entries_late_sizes(void **state)
{
	static const uint8_t keys[] = { 2, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0 };
	static const uint8_t values[] = {
		2, 1, 0, 0, 0, 0, 0, 0,       1, 2, 3, 4, 5, 6, 7, 8,
		0xff, 0, 0, 0, 0, 0, 0, 1,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	struct manifest *m = load_one(GOOD "entries_late_sizes.yaml");
	const struct map_spec *s = map_named(m, "late");

	(void)state;
	assert_int_equal(s->n_entries, 4);
	assert_int_equal(s->n_yaml_entries, 4);
	assert_int_equal(s->n_refs, 0);
	assert_memory_equal(s->keys, keys, sizeof(keys));
	assert_memory_equal(s->values, values, sizeof(values));
	assert_memory_equal(map_entry_key(s, 2), keys + 8, 4);
	assert_memory_equal(map_entry_value(s, 3), values + 24, 8);
	assert_loc(&entry(s, 0)->loc, GOOD "entries_late_sizes.yaml", 7, 9);
	assert_loc(&entry(s, 1)->loc, GOOD "entries_late_sizes.yaml", 8, 9);
	assert_loc(&entry(s, 2)->loc, GOOD "entries_late_sizes.yaml", 10, 9);
	assert_int_equal(entry(s, 3)->vkind, VAL_BYTES);
	assert_int_equal(entry(s, 3)->value.len, 8);
	manifest_free(m);
}

static void test_programs_section(void **state)
{
	struct manifest *m = load_one(GOOD "progs.yaml");
	const struct program_spec *p = &m->programs[0];
	const struct global_var *g = p->globals;

	(void)state;
	assert_string_equal(p->object_path, GOOD "../objs/probes.bpf.o");
	assert_int_equal(p->n_progs, 1);
	assert_string_equal(p->maps[0].target.name, "stats");
	assert_int_equal(p->maps[0].target.index, 0);
	assert_string_equal(p->maps[1].elf_name, ".rodata.cfg");
	assert_string_equal(p->maps[1].target.pinned, "/sys/fs/bpf/shared/cfg");
	assert_int_equal(p->n_globals, 5);
	assert_true(g[0].is_int);
	assert_string_equal(g[0].int_text, "-1");
	assert_true(g[1].is_int);
	assert_string_equal(g[1].int_text, "0xff00");
	assert_false(g[2].is_int);
	assert_null(g[2].int_text);
	assert_bytes(&g[2].data, (const uint8_t[]){ 0xde, 0xad, 0xbe, 0xef }, 4);
	assert_bytes(&g[3].data, (const uint8_t[]){ 1, 2, 3 }, 3);
	assert_false(g[4].is_int); /* quoted: a DATA string, never an integer */
	assert_bytes(&g[4].data, (const uint8_t[]){ 0x41, 0x42 }, 2);
	assert_string_equal(m->programs[1].type, "iter");
	manifest_free(m);
}

static void test_iterators_section(void **state)
{
	struct manifest *m = load_one(GOOD "progs.yaml");
	const struct iterator_spec *it = m->iterators;

	(void)state;
	assert_int_equal(m->n_iterators, 7);
	assert_string_equal(it[0].name, "all_tasks");
	assert_int_equal(it[0].prog_entry, 1);
	assert_int_equal(it[0].param, ITER_PARAM_NONE);
	assert_int_equal(it[1].param, ITER_PARAM_TASK);
	assert_int_equal(it[1].task_id, 1234);
	assert_true(it[1].task_is_tid);
	assert_int_equal(it[2].task_id, 1);
	assert_false(it[2].task_is_tid);
	assert_int_equal(it[3].param, ITER_PARAM_CGROUP);
	assert_string_equal(it[3].cgroup_path, "/sys/fs/cgroup/system.slice");
	assert_string_equal(it[3].cgroup_order, "descendants_pre");
	assert_string_equal(it[4].cgroup_path, "/sys/fs/cgroup");
	assert_null(it[4].cgroup_order);
	/* ENTRY alone: the entry's selection has exactly one program */
	assert_string_equal(it[5].program, "probes");
	assert_int_equal(it[5].prog_entry, 0);
	assert_int_equal(it[5].prog_index, -1);
	assert_int_equal(it[5].map.index, 0);
	assert_int_equal(it[6].param, ITER_PARAM_MAP);
	assert_null(it[6].map.name);
	assert_string_equal(it[6].map.pinned, "/sys/fs/bpf/other/map");
	assert_int_equal(it[6].map.index, -1);
	manifest_free(m);
}

static void test_links_section(void **state)
{
	struct manifest *m = load_one(GOOD "links.yaml");
	const struct link_spec *l = m->links;

	(void)state;
	assert_int_equal(m->n_links, 4);
	assert_string_equal(l[0].name, "in");
	assert_int_equal(l[0].hook, HOOK_XDP);
	assert_string_equal(l[0].interface, "eth0");
	assert_int_equal(l[0].mode, XDPM_DEFAULT);
	assert_int_equal(l[0].prog_entry, 0);
	assert_int_equal(l[0].prog_index, 0);
	assert_loc(&l[0].hook_loc, GOOD "links.yaml", 12, 30);
	assert_int_equal(l[1].mode, XDPM_GENERIC);
	assert_int_equal(l[1].prog_entry, 1);
	assert_int_equal(l[1].prog_index, -1);
	assert_int_equal(l[2].hook, HOOK_TC);
	assert_true(l[2].egress);
	assert_int_equal(l[3].hook, HOOK_CGROUP);
	assert_string_equal(l[3].cgroup_path, "/sys/fs/cgroup/svc");
	assert_string_equal(l[3].cg->name, "sock_create");
	assert_int_equal(l[3].cg->attach_type, BPF_CGROUP_INET_SOCK_CREATE);
	assert_int_equal(l[3].cg->prog_type, BPF_PROG_TYPE_CGROUP_SOCK);
	assert_int_equal(manifest_link_index(m, "cls"), 2);
	assert_int_equal(manifest_link_index(m, "nope"), -1);
	manifest_free(m);
}

static void test_minimal(void **state)
{
	struct manifest *m = load_one(GOOD "minimal.yaml");

	(void)state;
	assert_string_equal(m->scope, "a-b_c9");
	assert_int_equal(m->n_maps + m->n_programs + m->n_iterators, 0);
	assert_int_equal(m->n_files, 1);
	assert_string_equal(m->files[0], GOOD "minimal.yaml");
	manifest_free(m);
}

/* ---- several files ------------------------------------------------------------------ */

static void test_multiple_files(void **state)
{
	const char *files[] = { GOOD "split_a.yaml", GOOD "split_b.yaml" };
	struct diag d = { 0 };
	struct manifest *m = load(files, 2, &d);
	const struct map_spec *outer, *small;

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->n_files, 2);
	assert_string_equal(m->scope, "split");
	assert_int_equal(m->n_maps, 3);
	outer = map_named(m, "outer");
	small = map_named(m, "small");
	assert_loc(&small->loc, GOOD "split_b.yaml", 4, 3);
	assert_ptr_equal(small->loc.file, m->files[1]);
	assert_loc(&outer->loc, GOOD "split_a.yaml", 10, 3);
	/* references cross files */
	assert_int_equal(entry(outer, 0)->ref_index, manifest_map_index(m, "small"));
	assert_int_equal(outer->inner_index, manifest_map_index(m, "tpl"));
	assert_int_equal(m->programs[0].maps[0].target.index, manifest_map_index(m, "outer"));
	assert_int_equal(m->iterators[0].prog_entry, 0);
	assert_int_equal(m->iterators[0].prog_index, -1);
	manifest_free(m);
	diag_free(&d);
}

static bool has_msg(struct diag *d, const char *want)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		char *s = diag_format(&d->msgs[i]);
		bool eq = !strcmp(s, want);

		free(s);
		if (eq)
			return true;
	}
	return false;
}

static void test_duplicates_across_files(void **state)
{
	const char *files[] = { MULTI "dup_a.yaml", MULTI "dup_b.yaml" };
	struct diag d = { 0 };

	(void)state;
	assert_null(manifest_load(files, 2, &d));
	assert_int_equal(diag_count(&d), 3);
	assert_true(has_msg(&d, MULTI "dup_b.yaml:4:3: map \"shared\" is already declared at "
				     MULTI "dup_a.yaml:4:3"));
	assert_true(has_msg(&d, MULTI "dup_b.yaml:15:3: program entry \"p\" is already declared at "
				     MULTI "dup_a.yaml:10:3"));
	assert_true(has_msg(&d, MULTI "dup_b.yaml:18:3: iterator \"it\" is already declared at "
				     MULTI "dup_a.yaml:13:3"));
	diag_free(&d);
}

static void test_scope_mismatch(void **state)
{
	const char *files[] = { GOOD "minimal.yaml", MULTI "other_scope.yaml" };
	struct diag d = { 0 };

	(void)state;
	assert_null(manifest_load(files, 2, &d));
	assert_int_equal(diag_count(&d), 1);
	assert_true(has_msg(&d, MULTI "other_scope.yaml:2:8: scope \"other\" differs from scope "
				     "\"a-b_c9\" at " GOOD "minimal.yaml:2:8 (all files must name "
				     "the same scope)"));
	diag_free(&d);
}

static void test_no_files_and_missing_file(void **state)
{
	const char *files[] = { GOOD "minimal.yaml", "tests/manifests/does-not-exist.yaml" };
	struct diag d = { 0 };

	(void)state;
	assert_null(manifest_load(NULL, 0, &d));
	assert_true(has_msg(&d, "no manifest file given"));
	diag_free(&d);
	assert_null(manifest_load(files, 2, &d));
	assert_true(has_msg(&d, "tests/manifests/does-not-exist.yaml: cannot open: "
				"No such file or directory"));
	diag_free(&d);
}

/* Errors already in the collector belong to someone else: they do not fail this load. */
static void test_previous_errors(void **state)
{
	const char *file = GOOD "minimal.yaml";
	struct diag d = { 0 };
	struct manifest *m;

	(void)state;
	diag_error(&d, NULL, "earlier");
	m = manifest_load(&file, 1, &d);
	assert_non_null(m);
	assert_int_equal(diag_count(&d), 1);
	manifest_free(m);
	diag_free(&d);
}

/* ---- names, diagnostics, tables ---------------------------------------------------- */

static void test_name_rules(void **state)
{
	(void)state;
	assert_true(valid_resource_name("a"));
	assert_true(valid_resource_name("Abc-9_x"));
	assert_false(valid_resource_name(""));
	assert_false(valid_resource_name("a.b"));
	assert_false(valid_resource_name("a/b"));
	assert_true(valid_resource_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_false(valid_resource_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_true(valid_scope_name("edge-1_x"));
	assert_false(valid_scope_name("Edge"));
	assert_false(valid_scope_name(""));
	assert_true(valid_kname(""));
	assert_true(valid_kname("a.b_C9"));
	assert_true(valid_kname("fifteen_chars_x"));
	assert_false(valid_kname("sixteen_chars_xy"));
	assert_false(valid_kname("a-b"));
	assert_false(valid_kname(NULL));
	assert_string_equal(policy_name(POLICY_SEED), "seed");
	assert_string_equal(policy_name(POLICY_MERGE), "merge");
	assert_string_equal(policy_name(POLICY_EXACT), "exact");
}

static void test_diag_sort_format(void **state)
{
	struct loc b3 = { "b.yaml", 3, 1 }, a9 = { "a.yaml", 9, 2 }, a2 = { "a.yaml", 2, 7 };
	struct loc nofile_line = { "c.yaml", 0, 0 };
	struct diag d = { 0 };
	char *s;

	(void)state;
	diag_error(&d, &b3, "third");
	diag_error(&d, &a9, "second %d", 2);
	diag_error(&d, &a2, "first");
	diag_error(&d, NULL, "global");
	diag_error(&d, &a9, "second again");
	diag_error(&d, &nofile_line, "whole file");
	diag_sort(&d);
	assert_int_equal(diag_count(&d), 6);
	s = diag_format(&d.msgs[0]);
	assert_string_equal(s, "global");
	free(s);
	s = diag_format(&d.msgs[1]);
	assert_string_equal(s, "a.yaml:2:7: first");
	free(s);
	s = diag_format(&d.msgs[2]);
	assert_string_equal(s, "a.yaml:9:2: second 2");
	free(s);
	s = diag_format(&d.msgs[3]);
	assert_string_equal(s, "a.yaml:9:2: second again"); /* stable */
	free(s);
	s = diag_format(&d.msgs[4]);
	assert_string_equal(s, "b.yaml:3:1: third");
	free(s);
	s = diag_format(&d.msgs[5]);
	assert_string_equal(s, "c.yaml: whole file");
	free(s);
	diag_free(&d);
	assert_int_equal(diag_count(&d), 0);
	diag_free(NULL);
}

/* err_msg writes {"error": ...} on stdout with -j: capture stdout in a file. */
static void test_err_msg_json(void **state)
{
	char buf[256] = { 0 };
	FILE *tmp = tmpfile();
	int saved;
	size_t n;

	(void)state;
	assert_non_null(tmp);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	g_json = true;
	err_msg("map '%s': \"bad\"\tvalue\n", "x");
	g_json = false;
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	fclose(tmp);
	buf[n] = '\0';
	assert_string_equal(buf, "{\"error\":\"map 'x': \\\"bad\\\"\\tvalue\"}\n");
}

/* What the kernel reports for a declaration (docs/design-notes.md). */
static void test_maptype_normalise(void **state)
{
	uint32_t f, m;

	(void)state;
	maptype_normalise(BPF_MAP_TYPE_HASH, BPF_F_RDONLY | BPF_F_ZERO_SEED, 7, 2, &f, &m);
	assert_int_equal(f, BPF_F_ZERO_SEED);
	assert_int_equal(m, 7);
	maptype_normalise(BPF_MAP_TYPE_DEVMAP, BPF_F_WRONLY, 4, 2, &f, &m);
	assert_int_equal(f, BPF_F_RDONLY_PROG);
	maptype_normalise(BPF_MAP_TYPE_LRU_HASH, BPF_F_NO_COMMON_LRU, 7, 2, &f, &m);
	assert_int_equal(m, 8);
	maptype_normalise(BPF_MAP_TYPE_LRU_PERCPU_HASH, BPF_F_NO_COMMON_LRU, 9, 4, &f, &m);
	assert_int_equal(m, 12);
	maptype_normalise(BPF_MAP_TYPE_LRU_HASH, 0, 7, 2, &f, &m); /* common LRU: as given */
	assert_int_equal(m, 7);
	maptype_normalise(BPF_MAP_TYPE_LRU_HASH, BPF_F_NO_COMMON_LRU, UINT32_MAX, 2, &f, &m);
	assert_int_equal(m, UINT32_MAX); /* the kernel refuses it; no wrap-around here */
}

static void test_lpm_key_canonicalise(void **state)
{
	uint8_t k[8] = { 16, 0, 0, 0, 192, 168, 7, 7 }, clean[8] = { 16, 0, 0, 0, 192, 168, 0, 0 };
	uint8_t odd[8] = { 9, 0, 0, 0, 10, 0xff, 0, 0 }, too_long[8] = { 33, 0, 0, 0, 1, 2, 3, 4 };

	(void)state;
	assert_false(lpm_key_canonicalise(k, sizeof(k)));
	assert_memory_equal(k, clean, sizeof(k));
	assert_true(lpm_key_canonicalise(k, sizeof(k)));
	assert_false(lpm_key_canonicalise(odd, sizeof(odd))); /* bit 9 on is past a /9 */
	assert_int_equal(odd[5], 0x80);
	assert_false(lpm_key_canonicalise(too_long, sizeof(too_long)));
	assert_int_equal(too_long[7], 4); /* left alone */
	assert_false(lpm_key_canonicalise(k, 3));
}

static void test_maptypes(void **state)
{
	const struct maptype *t;
	char buf[128];
	unsigned i, n = 0;

	(void)state;
	t = maptype_by_name("percpu_array");
	assert_non_null(t);
	assert_int_equal(t->type, BPF_MAP_TYPE_PERCPU_ARRAY);
	assert_int_equal(t->caps, MT_CREATABLE | MT_ENTRIES | MT_PERCPU | MT_NO_DELETE | MT_BATCH);
	assert_ptr_equal(maptype_by_type(BPF_MAP_TYPE_HASH_OF_MAPS), maptype_by_name("hash_of_maps"));
	assert_int_equal(maptype_by_name("prog_array")->caps,
			 MT_CREATABLE | MT_ENTRIES | MT_PROG_VALUES);
	assert_int_equal(maptype_by_name("user_ringbuf")->type, 31);
	assert_int_equal(maptype_by_name("bloom_filter")->caps, MT_CREATABLE | MT_KEYLESS);
	t = maptype_by_name("cgrp_storage");
	assert_int_equal(t->type, 32);
	assert_false(t->caps & MT_CREATABLE);
	assert_string_equal(t->why_not, "needs BTF type information for its key and value");
	assert_null(maptype_by_name("nope"));
	assert_null(maptype_by_name(NULL));
	assert_string_equal(maptype_name(BPF_MAP_TYPE_LPM_TRIE), "lpm_trie");
	assert_string_equal(maptype_name(999), "type 999");
	for (i = 0; (t = maptype_at(i)); i++) {
		assert_ptr_equal(maptype_by_name(t->name), t);
		assert_true((t->caps & MT_CREATABLE) || t->why_not);
		n++;
	}
	assert_int_equal(n, 32);
	assert_int_equal(mapflag_by_name("mmapable")->bit, BPF_F_MMAPABLE);
	assert_null(mapflag_by_name("mmap"));
	assert_non_null(mapflag_at(11));
	assert_null(mapflag_at(12));
	mapflags_format(BPF_F_NO_PREALLOC | BPF_F_INNER_MAP | (1u << 30), buf, sizeof(buf));
	assert_string_equal(buf, "no_prealloc,inner_map,0x40000000");
	mapflags_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
	mapflags_format(BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU, buf, 8);
	assert_int_equal(strlen(buf), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_counters),
		cmocka_unit_test(test_links_section),
		cmocka_unit_test(test_full_map_in_map),
		cmocka_unit_test(test_full_prog_array),
		cmocka_unit_test(test_full_other_maps),
		cmocka_unit_test(test_full_programs),
		cmocka_unit_test(test_entries_late_sizes),
		cmocka_unit_test(test_programs_section),
		cmocka_unit_test(test_iterators_section),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_multiple_files),
		cmocka_unit_test(test_duplicates_across_files),
		cmocka_unit_test(test_scope_mismatch),
		cmocka_unit_test(test_no_files_and_missing_file),
		cmocka_unit_test(test_previous_errors),
		cmocka_unit_test(test_name_rules),
		cmocka_unit_test(test_diag_sort_format),
		cmocka_unit_test(test_err_msg_json),
		cmocka_unit_test(test_maptypes),
		cmocka_unit_test(test_maptype_normalise),
		cmocka_unit_test(test_lpm_key_canonicalise),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
