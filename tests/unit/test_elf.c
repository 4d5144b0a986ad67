// SPDX-License-Identifier: GPL-2.0-only
/*
 * ELF inspection and the offline checks of program entries, against the
 * test objects `make` builds in tests/bpf/ (run from the top of the tree):
 * what elf_inspect() reads from an object, how globals are encoded, how
 * program REFs resolve, which manifest edits change the load-parameter
 * fingerprint, and the located errors of manifest_check_objects().
 */
#include "unit.h"

#include <errno.h>
#include <limits.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/diag.h"
#include "core/elf.h"
#include "core/fingerprint.h"
#include "kinds/program/program.h"
#include "model.h"

#define OBJ_V1 "tests/bpf/prog_globals.bpf.o"
#define OBJ_V2 "tests/bpf/prog_globals_v2.bpf.o"

/* Absolute paths of the objects and a scratch directory, set up once. */
static char obj_v1[PATH_MAX], obj_v2[PATH_MAX];
static char tmpdir[] = "/tmp/bpfapply-elf-XXXXXX";

static int group_setup(void **state)
{
	(void)state;
	if (!realpath(OBJ_V1, obj_v1) || !realpath(OBJ_V2, obj_v2)) {
		fprintf(stderr, "test_elf: %s or %s missing (run make first, from the top of the tree)\n",
			OBJ_V1, OBJ_V2);
		return -1;
	}
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[sizeof(tmpdir) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- helpers ----------------------------------------------------------------------- */

static struct elf_info *inspect(const char *path)
{
	struct elf_info *e = NULL;
	char err[512] = "";
	int rc = elf_inspect(path, &e, err, sizeof(err));

	if (rc)
		print_message("elf_inspect(%s): %d %s\n", path, rc, err);
	assert_int_equal(rc, 0);
	assert_non_null(e);
	return e;
}

static void slurp(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	*buf = malloc((size_t)n);
	assert_non_null(*buf);
	assert_int_equal(fread(*buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
}

/*
 * Write text to tmpdir/name with @OBJ@ and @V2@ replaced by the absolute
 * paths of the test objects and @DIR@ by the scratch directory.  Returns
 * the path (malloc'd).
 */
static char *write_file(const char *name, const char *text)
{
	char *path;
	const char *p;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	for (p = text; *p; p++) {
		if (!strncmp(p, "@OBJ@", 5)) {
			fputs(obj_v1, f);
			p += 4;
		} else if (!strncmp(p, "@V2@", 4)) {
			fputs(obj_v2, f);
			p += 3;
		} else if (!strncmp(p, "@DIR@", 5)) {
			fputs(tmpdir, f);
			p += 4;
		} else {
			fputc(*p, f);
		}
	}
	assert_int_equal(fclose(f), 0);
	return path;
}

static void print_diags(struct diag *d)
{
	size_t i;

	diag_sort(d);
	for (i = 0; i < d->n; i++) {
		char *s = diag_format(&d->msgs[i]);

		print_message("     got: %s\n", s);
		free(s);
	}
}

/* Parse and ELF-check a manifest that must be valid. */
static struct manifest *load_checked(const char *name, const char *text)
{
	char *path = write_file(name, text);
	const char *files[1] = { path };
	struct diag d = { 0 };
	struct manifest *m = manifest_load(files, 1, &d);

	if (m && !diag_count(&d))
		manifest_check_objects(m, &d);
	if (diag_count(&d))
		print_diags(&d);
	assert_int_equal(diag_count(&d), 0);
	assert_non_null(m);
	diag_free(&d);
	free(path);
	return m;
}

/* True if the formatted diagnostics hold exactly this line. */
static bool has_diag(const struct diag *d, const char *want)
{
	size_t i;
	bool found = false;

	for (i = 0; i < d->n && !found; i++) {
		char *s = diag_format(&d->msgs[i]);

		found = s && !strcmp(s, want);
		free(s);
	}
	return found;
}

/* True if a formatted diagnostic starts with prefix. */
static bool has_diag_prefix(const struct diag *d, const char *prefix)
{
	size_t i;
	bool found = false;

	for (i = 0; i < d->n && !found; i++) {
		char *s = diag_format(&d->msgs[i]);

		found = s && !strncmp(s, prefix, strlen(prefix));
		free(s);
	}
	return found;
}

/* ---- elf_inspect ----------------------------------------------------------------------- */

static void test_inspect_programs(void **state)
{
	struct elf_info *e = inspect(OBJ_V1);
	const struct elf_prog *p;

	(void)state;
	assert_int_equal(e->n_progs, 2);
	/* in ELF order: a selection defaults to this order */
	assert_string_equal(e->progs[0].name, "count_and_return");
	assert_string_equal(e->progs[1].name, "always_drop");
	p = elf_find_prog(e, "count_and_return");
	assert_non_null(p);
	assert_string_equal(p->section, "xdp");
	assert_int_equal(p->type, BPF_PROG_TYPE_XDP);
	p = elf_find_prog(e, "always_drop");
	assert_non_null(p);
	assert_string_equal(p->section, "xdp");
	assert_int_equal(p->type, BPF_PROG_TYPE_XDP);
	assert_null(elf_find_prog(e, "main"));
	assert_null(elf_find_prog(e, "LICENSE"));
	elf_info_free(e);
}

static void test_inspect_maps(void **state)
{
	static const char *const data_secs[] = { ".rodata", ".data", ".bss" };
	static const char *const map_names[] = { "prog_glo.rodata", "prog_glo.data", "prog_glo.bss" };
	struct elf_info *e = inspect(OBJ_V1);
	const struct elf_map *m;
	size_t i, k, internal = 0;

	(void)state;
	m = elf_find_map(e, "counter");
	assert_non_null(m);
	assert_int_equal(m->type, BPF_MAP_TYPE_ARRAY);
	assert_int_equal(m->key_size, 4);
	assert_int_equal(m->value_size, 8);
	assert_int_equal(m->max_entries, 4);
	assert_int_equal(m->flags, 0);
	assert_false(m->internal);

	/*
	 * One internal array map per data section, named as libbpf names it:
	 * the object name cut short, then the section (prog_glo.rodata).
	 */
	for (k = 0; k < 3; k++) {
		const char *sec = data_secs[k];
		bool found = false;

		for (i = 0; i < e->n_maps; i++) {
			const char *name = e->maps[i].name;
			size_t nl = strlen(name), sl = strlen(sec);

			if (nl <= sl || strcmp(name + nl - sl, sec))
				continue;
			found = true;
			assert_true(e->maps[i].internal);
			assert_int_equal(e->maps[i].type, BPF_MAP_TYPE_ARRAY);
			assert_int_equal(e->maps[i].key_size, 4);
			assert_int_equal(e->maps[i].max_entries, 1);
			assert_string_equal(name, map_names[k]);
		}
		if (!found)
			print_message("no internal map for %s\n", sec);
		assert_true(found);
	}
	for (i = 0; i < e->n_maps; i++)
		internal += e->maps[i].internal;
	assert_int_equal(internal, 3);
	assert_int_equal(e->n_maps, 4);
	/* .rodata holds ret_val (4 bytes), .data tag (8), .bss runs + bias (8 + 4) */
	assert_int_equal(elf_find_map(e, "prog_glo.rodata")->value_size, 4);
	assert_int_equal(elf_find_map(e, "prog_glo.data")->value_size, 8);
	assert_int_equal(elf_find_map(e, "prog_glo.bss")->value_size, 12);
	assert_null(elf_find_map(e, ".rodata"));
	elf_info_free(e);
}

static void check_var(const struct elf_info *e, const char *name, const char *sec,
		      uint32_t off, uint32_t size)
{
	const struct elf_var *v = elf_find_var(e, name);

	if (!v)
		print_message("no variable %s\n", name);
	assert_non_null(v);
	assert_string_equal(v->section, sec);
	assert_int_equal(v->offset, off);
	assert_int_equal(v->size, size);
}

static void test_inspect_vars(void **state)
{
	struct elf_info *e = inspect(OBJ_V1);

	(void)state;
	check_var(e, "ret_val", ".rodata", 0, 4);
	/* clang leaves datasec offsets to the loader; the inspected ones are fixed up */
	check_var(e, "runs", ".bss", 0, 8);
	check_var(e, "bias", ".bss", 8, 4);
	check_var(e, "tag", ".data", 0, 8);
	assert_int_equal(e->n_vars, 4);
	/* map definitions and the license are not global variables */
	assert_null(elf_find_var(e, "counter"));
	assert_null(elf_find_var(e, "LICENSE"));
	elf_info_free(e);
}

static void test_fingerprint_is_of_the_file(void **state)
{
	struct elf_info *e1 = inspect(OBJ_V1), *e1b = inspect(OBJ_V1), *e2 = inspect(OBJ_V2);
	uint8_t *buf;
	size_t len;

	(void)state;
	slurp(OBJ_V1, &buf, &len);
	/* the image is the file, byte for byte: what is loaded is what was fingerprinted */
	assert_int_equal(e1->image_len, len);
	assert_memory_equal(e1->image, buf, len);
	assert_true(e1->fp == fp_buf(buf, len));
	assert_true(e1->fp == e1b->fp);
	assert_true(e1->fp != e2->fp);
	assert_true(e1->fp != 0);
	free(buf);
	slurp(OBJ_V2, &buf, &len);
	assert_true(e2->fp == fp_buf(buf, len));
	free(buf);
	elf_info_free(e1);
	elf_info_free(e1b);
	elf_info_free(e2);
}

static void test_inspect_missing_file(void **state)
{
	struct elf_info *e = (struct elf_info *)1;
	char err[512] = "", *path, *want;
	int rc;

	(void)state;
	assert_true(asprintf(&path, "%s/missing.bpf.o", tmpdir) > 0);
	rc = elf_inspect(path, &e, err, sizeof(err));
	assert_int_equal(rc, -ENOENT);
	assert_null(e);
	assert_true(asprintf(&want, "cannot read %s: No such file or directory", path) > 0);
	assert_string_equal(err, want);
	free(want);
	free(path);
}

static void test_inspect_not_elf(void **state)
{
	char *paths[2], err[512], *want;
	struct elf_info *e;
	size_t i;
	int rc;

	(void)state;
	paths[0] = write_file("text.bpf.o", "bpfapply: v1\nscope: not-an-object\n");
	paths[1] = write_file("empty.bpf.o", "");
	for (i = 0; i < 2; i++) {
		e = (struct elf_info *)1;
		err[0] = '\0';
		rc = elf_inspect(paths[i], &e, err, sizeof(err));
		assert_true(rc < 0);
		assert_null(e);
		assert_true(asprintf(&want, "%s is not a BPF object libbpf can open: ", paths[i]) > 0);
		if (strncmp(err, want, strlen(want)))
			print_message("message: %s\n", err);
		assert_true(!strncmp(err, want, strlen(want)));
		/* and it says why */
		assert_true(strlen(err) > strlen(want));
		free(want);
		free(paths[i]);
	}
}

/* ---- global_encode ------------------------------------------------------------------- */

static void int_global(struct global_var *g, const char *name, const char *text)
{
	memset(g, 0, sizeof(*g));
	g->name = (char *)name;
	g->is_int = true;
	g->int_text = (char *)text;
}

static void data_global(struct global_var *g, const char *name, const uint8_t *data,
			uint32_t len)
{
	memset(g, 0, sizeof(*g));
	g->name = (char *)name;
	g->data.data = (uint8_t *)data;
	g->data.len = len;
}

static const struct elf_var var4 = { .name = "ret_val", .section = ".rodata", .size = 4 };
static const struct elf_var var8 = { .name = "tag", .section = ".data", .size = 8 };
static const struct elf_var var1 = { .name = "flag", .section = ".bss", .size = 1 };
static const struct elf_var var16 = { .name = "blob", .section = ".data", .size = 16 };

static void test_global_int_fits(void **state)
{
	static const uint8_t seven[4] = { 7, 0, 0, 0 };
	static const uint8_t big[4] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t wide[8] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
	struct global_var g;
	uint8_t out[16];
	char err[128] = "";

	(void)state;
	int_global(&g, "ret_val", "7");
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(global_encode(&g, &var4, out, err, sizeof(err)), 0);
	assert_memory_equal(out, seven, 4);
	assert_int_equal(out[4], 0xaa); /* exactly var->size bytes written */

	int_global(&g, "ret_val", "0x7");
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(global_encode(&g, &var4, out, err, sizeof(err)), 0);
	assert_memory_equal(out, seven, 4);

	int_global(&g, "ret_val", "0xffffffff");
	assert_int_equal(global_encode(&g, &var4, out, err, sizeof(err)), 0);
	assert_memory_equal(out, big, 4);

	int_global(&g, "tag", "0x1122334455667788");
	assert_int_equal(global_encode(&g, &var8, out, err, sizeof(err)), 0);
	assert_memory_equal(out, wide, 8);
}

static void test_global_int_does_not_fit(void **state)
{
	struct global_var g;
	uint8_t out[16];
	char err[128] = "";

	(void)state;
	int_global(&g, "ret_val", "0x100000000");
	assert_int_equal(global_encode(&g, &var4, out, err, sizeof(err)), -ERANGE);
	assert_string_equal(err, "0x100000000 does not fit in 4 bytes (ret_val)");

	int_global(&g, "flag", "256");
	assert_int_equal(global_encode(&g, &var1, out, err, sizeof(err)), -ERANGE);
	assert_string_equal(err, "256 does not fit in 1 byte (flag)");

	int_global(&g, "flag", "-129");
	assert_int_equal(global_encode(&g, &var1, out, err, sizeof(err)), -ERANGE);
}

static void test_global_negative(void **state)
{
	static const uint8_t m1[4] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t m2[8] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct global_var g;
	uint8_t out[16];
	char err[128] = "";

	(void)state;
	int_global(&g, "ret_val", "-1");
	assert_int_equal(global_encode(&g, &var4, out, err, sizeof(err)), 0);
	assert_memory_equal(out, m1, 4);
	int_global(&g, "tag", "-2");
	assert_int_equal(global_encode(&g, &var8, out, err, sizeof(err)), 0);
	assert_memory_equal(out, m2, 8);
	int_global(&g, "flag", "-128");
	assert_int_equal(global_encode(&g, &var1, out, err, sizeof(err)), 0);
	assert_int_equal(out[0], 0x80);
}

static void test_global_bytes(void **state)
{
	static const uint8_t ab[2] = { 0x41, 0x42 };
	static const uint8_t ab_padded[8] = { 0x41, 0x42, 0, 0, 0, 0, 0, 0 };
	static const uint8_t nine[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct global_var g;
	uint8_t out[16];
	char err[128] = "";

	(void)state;
	/* shorter than the variable: the rest is zeros (a C string's padding) */
	data_global(&g, "tag", ab, 2);
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(global_encode(&g, &var8, out, err, sizeof(err)), 0);
	assert_memory_equal(out, ab_padded, 8);
	assert_int_equal(out[8], 0xaa);

	/* exactly the size */
	data_global(&g, "tag", nine, 8);
	assert_int_equal(global_encode(&g, &var8, out, err, sizeof(err)), 0);
	assert_memory_equal(out, nine, 8);

	/* longer: rejected */
	data_global(&g, "tag", nine, 9);
	assert_int_equal(global_encode(&g, &var8, out, err, sizeof(err)), -ERANGE);
	assert_string_equal(err, "9 bytes do not fit in tag (8 bytes)");
	data_global(&g, "flag", ab, 2);
	assert_int_equal(global_encode(&g, &var1, out, err, sizeof(err)), -ERANGE);
	assert_string_equal(err, "2 bytes do not fit in flag (1 byte)");

	/* no bytes at all: the variable is zeroed */
	data_global(&g, "tag", NULL, 0);
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(global_encode(&g, &var8, out, err, sizeof(err)), 0);
	assert_memory_equal(out, (uint8_t[8]){ 0 }, 8);
}

static void test_global_int_for_large_var(void **state)
{
	static const uint8_t ab[2] = { 0x41, 0x42 };
	struct global_var g;
	uint8_t out[16];
	char err[128] = "";

	(void)state;
	int_global(&g, "blob", "1");
	assert_int_equal(global_encode(&g, &var16, out, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "blob is 16 bytes: give its value as bytes, not an integer");
	/* as bytes it is fine */
	data_global(&g, "blob", ab, 2);
	assert_int_equal(global_encode(&g, &var16, out, err, sizeof(err)), 0);
	assert_int_equal(out[0], 0x41);
	assert_int_equal(out[15], 0);
}

/* ---- manifests with program entries ----------------------------------------------------- */

static const char refs_yaml[] = "bpfapply: v1\n"
				"scope: elf\n"
				"programs:\n"
				"  one:\n"
				"    object: @OBJ@\n"
				"    programs: [always_drop]\n"
				"  all:\n"
				"    object: @OBJ@\n"
				"  pair:\n"
				"    object: @V2@\n"
				"    programs: [count_and_return, always_drop]\n";

static void test_ref_resolve(void **state)
{
	struct manifest *m = load_checked("refs.yaml", refs_yaml);
	const char *prog = NULL;
	char longref[NAME_MAX_LEN + 8];
	int entry = -1;

	(void)state;
	assert_int_equal(program_count(&m->programs[0]), 1);
	assert_int_equal(program_count(&m->programs[1]), 2);

	assert_int_equal(ref_resolve(m, "one/always_drop", &entry, &prog), 0);
	assert_int_equal(entry, 0);
	assert_string_equal(prog, "always_drop");

	/* ENTRY alone: the entry's only program */
	prog = NULL;
	assert_int_equal(ref_resolve(m, "one", &entry, &prog), 0);
	assert_int_equal(entry, 0);
	assert_string_equal(prog, "always_drop");

	/* every program of the object when there is no selection */
	assert_int_equal(ref_resolve(m, "all/count_and_return", &entry, &prog), 0);
	assert_int_equal(entry, 1);
	assert_string_equal(prog, "count_and_return");
	assert_int_equal(ref_resolve(m, "pair/always_drop", &entry, &prog), 0);
	assert_int_equal(entry, 2);
	assert_string_equal(prog, "always_drop");

	/* ENTRY alone with several programs: ambiguous, but the entry is known */
	entry = -1;
	assert_int_equal(ref_resolve(m, "all", &entry, &prog), -EINVAL);
	assert_int_equal(entry, 1);
	assert_int_equal(ref_resolve(m, "pair", &entry, &prog), -EINVAL);
	assert_int_equal(entry, 2);

	/* unknown entry, unknown program, a program left out of the selection */
	assert_int_equal(ref_resolve(m, "nope", &entry, &prog), -ENOENT);
	assert_int_equal(ref_resolve(m, "nope/always_drop", &entry, &prog), -ENOENT);
	assert_int_equal(ref_resolve(m, "all/no_such_prog", &entry, &prog), -ENOENT);
	assert_int_equal(ref_resolve(m, "one/count_and_return", &entry, &prog), -ENOENT);

	/* an entry name longer than any manifest name */
	memset(longref, 'a', sizeof(longref) - 1);
	longref[sizeof(longref) - 1] = '\0';
	assert_int_equal(ref_resolve(m, longref, &entry, &prog), -EINVAL);
	manifest_free(m);
}

/*
 * The load-parameter fingerprint of a one-entry manifest: the entry's
 * body is given, the header and maps are always the same.
 */
static uint64_t params_fp(const char *entry_body)
{
	static const char head[] = "bpfapply: v1\n"
				   "scope: elf\n"
				   "maps:\n"
				   "  hits: {type: array, key_size: 4, value_size: 8, max_entries: 4}\n"
				   "  hits2: {type: array, key_size: 4, value_size: 8, max_entries: 4}\n"
				   "programs:\n"
				   "  xdp:\n"
				   "    object: @OBJ@\n";
	struct manifest *m;
	char *text;
	uint64_t fp;

	assert_true(asprintf(&text, "%s%s", head, entry_body) > 0);
	m = load_checked("params.yaml", text);
	assert_int_equal(m->n_programs, 1);
	fp = program_params_fp(&m->programs[0]);
	manifest_free(m);
	free(text);
	return fp;
}

#define BASE_BODY(ret_val)                          \
	"    type: xdp\n"                           \
	"    programs: [count_and_return]\n"        \
	"    maps:\n"                               \
	"      counter: hits\n"                     \
	"    globals:\n"                            \
	"      ret_val: " ret_val "\n"              \
	"      tag: \"hex 41 42\"\n"

static void test_params_fp_same_value(void **state)
{
	uint64_t base = params_fp(BASE_BODY("7"));

	(void)state;
	assert_true(base != 0);
	/* stable, and the value counts, not how it is written */
	assert_true(params_fp(BASE_BODY("7")) == base);
	assert_true(params_fp(BASE_BODY("0x7")) == base);
	assert_true(params_fp(BASE_BODY("07")) == base);
	assert_true(params_fp(BASE_BODY("0o7")) == base);
	assert_true(params_fp(BASE_BODY("[7, 0, 0, 0]")) == base);
	assert_true(params_fp(BASE_BODY("\"hex 07\"")) == base); /* zero-padded to 4 bytes */
}

static void test_params_fp_changes(void **state)
{
	uint64_t base = params_fp(BASE_BODY("7"));

	(void)state;
	/* a global's value */
	assert_true(params_fp(BASE_BODY("0")) != base);
	assert_true(params_fp(BASE_BODY("8")) != base);
	assert_true(params_fp(BASE_BODY("-7")) != base);
	assert_true(params_fp("    type: xdp\n"
			      "    programs: [count_and_return]\n"
			      "    maps:\n"
			      "      counter: hits\n"
			      "    globals:\n"
			      "      ret_val: 7\n"
			      "      tag: \"hex 41 43\"\n") != base);
	/* a global more */
	assert_true(params_fp(BASE_BODY("7") "      bias: 1\n") != base);
	/* a global less */
	assert_true(params_fp("    type: xdp\n"
			      "    programs: [count_and_return]\n"
			      "    maps:\n"
			      "      counter: hits\n"
			      "    globals:\n"
			      "      ret_val: 7\n") != base);
	/* a binding: another manifest map, an outside pin, none */
	assert_true(params_fp("    type: xdp\n"
			      "    programs: [count_and_return]\n"
			      "    maps:\n"
			      "      counter: hits2\n"
			      "    globals:\n"
			      "      ret_val: 7\n"
			      "      tag: \"hex 41 42\"\n") != base);
	assert_true(params_fp("    type: xdp\n"
			      "    programs: [count_and_return]\n"
			      "    maps:\n"
			      "      counter: {pinned: /sys/fs/bpf/counter}\n"
			      "    globals:\n"
			      "      ret_val: 7\n"
			      "      tag: \"hex 41 42\"\n") != base);
	assert_true(params_fp("    type: xdp\n"
			      "    programs: [count_and_return]\n"
			      "    globals:\n"
			      "      ret_val: 7\n"
			      "      tag: \"hex 41 42\"\n") != base);
	/* the selection */
	assert_true(params_fp("    type: xdp\n"
			      "    programs: [always_drop]\n"
			      "    maps:\n"
			      "      counter: hits\n"
			      "    globals:\n"
			      "      ret_val: 7\n"
			      "      tag: \"hex 41 42\"\n") != base);
	assert_true(params_fp("    type: xdp\n"
			      "    maps:\n"
			      "      counter: hits\n"
			      "    globals:\n"
			      "      ret_val: 7\n"
			      "      tag: \"hex 41 42\"\n") != base);
	/* the type: another one, or none (from the section names) */
	assert_true(params_fp("    type: xdp.frags\n"
			      "    programs: [count_and_return]\n"
			      "    maps:\n"
			      "      counter: hits\n"
			      "    globals:\n"
			      "      ret_val: 7\n"
			      "      tag: \"hex 41 42\"\n") != base);
	assert_true(params_fp("    programs: [count_and_return]\n"
			      "    maps:\n"
			      "      counter: hits\n"
			      "    globals:\n"
			      "      ret_val: 7\n"
			      "      tag: \"hex 41 42\"\n") != base);
}

/* The same object loaded with the same parameters, written differently. */
static void test_params_fp_selection_of_all(void **state)
{
	(void)state;
	/* "all programs" and the full list in ELF order load the same */
	assert_true(params_fp("    programs: [count_and_return, always_drop]\n") ==
		    params_fp("    programs:\n      - count_and_return\n      - always_drop\n"));
	assert_true(params_fp("") == params_fp("    programs: [count_and_return, always_drop]\n"));
	/* the order a manifest lists programs, bindings and globals in does not count */
	assert_true(params_fp("    programs: [always_drop, count_and_return]\n") ==
		    params_fp("    programs: [count_and_return, always_drop]\n"));
	assert_true(params_fp("    globals:\n      ret_val: 1\n      bias: 2\n") ==
		    params_fp("    globals:\n      bias: 2\n      ret_val: 1\n"));
	assert_true(params_fp("    maps:\n      counter: hits\n") !=
		    params_fp("    maps:\n      counter: hits2\n"));
}

/* ---- manifest_check_objects: located errors ------------------------------------------------- */

/*
 * Line by line, so that the expected LINE:COL below can be read off:
 * columns count from 1, indentation included.
 */
static const char *const bad_lines[] = {
	/*  1 */ "bpfapply: v1",
	/*  2 */ "scope: elf",
	/*  3 */ "maps:",
	/*  4 */ "  hits: {type: array, key_size: 4, value_size: 8, max_entries: 4}",
	/*  5 */ "  small: {type: array, key_size: 4, value_size: 4, max_entries: 4}",
	/*  6 */ "  wide: {type: array, key_size: 4, value_size: 8, max_entries: 16}",
	/*  7 */ "  hashy: {type: hash, key_size: 4, value_size: 8, max_entries: 4}",
	/*  8 */ "  jmp:",
	/*  9 */ "    type: prog_array",
	/* 10 */ "    key_size: 4",
	/* 11 */ "    value_size: 4",
	/* 12 */ "    max_entries: 4",
	/* 13 */ "    entries:",
	/* 14 */ "      - {key: 0, value: {program: c}}",
	/* 15 */ "programs:",
	/* 16 */ "  a:",
	/* 17 */ "    object: @OBJ@",
	/* 18 */ "    programs: [count_and_return, no_such_prog]",
	/* 19 */ "    maps:",
	/* 20 */ "      counter: small",
	/* 21 */ "      nomap: hits",
	/* 22 */ "    globals:",
	/* 23 */ "      ret_val: 0x100000000",
	/* 24 */ "      nosuch: 1",
	/* 25 */ "      tag: \"1 2 3 4 5 6 7 8 9\"",
	/* 26 */ "  b:",
	/* 27 */ "    object: @OBJ@",
	/* 28 */ "    maps:",
	/* 29 */ "      counter: wide",
	/* 30 */ "      prog_glo.rodata: hits",
	/* 31 */ "  c:",
	/* 32 */ "    object: @OBJ@",
	/* 33 */ "    type: no_such_type",
	/* 34 */ "    maps:",
	/* 35 */ "      counter: hashy",
	/* 36 */ "  d:",
	/* 37 */ "    object: @DIR@/missing.bpf.o",
	/* 38 */ "  e:",
	/* 39 */ "    object: @DIR@/notelf.bpf.o",
	/* 40 */ "  f:",
	/* 41 */ "    object: @OBJ@",
	/* 42 */ "    programs: [always_drop]",
	/* 43 */ "    globals:",
	/* 44 */ "      ret_val: 5",
	/* 45 */ "      bias: \"hex 01 02 03 04\"",
	NULL,
};

static void test_check_located_errors(void **state)
{
	char *text = NULL, *path, *want, *notelf;
	const char *files[1];
	struct diag d = { 0 };
	struct manifest *m;
	size_t i, len = 0;
	bool all = true;
	FILE *f;
	struct {
		int line, col;
		const char *fmt; /* %1$s: the object path, %2$s: the scratch directory */
	} exp[] = {
		{ 18, 34, "programs: \"no_such_prog\" is not a program in %1$s (it has: count_and_return, always_drop)" },
		{ 20, 16, "maps: %1$s expects key 4B value 8B for \"counter\", map \"small\" has key 4B value 4B" },
		{ 21, 7, "maps: \"nomap\" is not a map in %1$s" },
		{ 23, 7, "globals: 0x100000000 does not fit in 4 bytes (ret_val)" },
		{ 24, 7, "globals: \"nosuch\" is not a global variable in %1$s" },
		{ 25, 7, "globals: 9 bytes do not fit in tag (8 bytes)" },
		{ 29, 16, "maps: %1$s fixes max_entries 4 for \"counter\", map \"wide\" has 16" },
		{ 30, 7, "maps: \"prog_glo.rodata\" holds the object's global data; set it with globals:" },
		{ 33, 11, "type: \"no_such_type\" is not a program type libbpf knows" },
		{ 35, 16, "maps: %1$s expects map type array for \"counter\", map \"hashy\" is hash" },
		{ 37, 13, "object: cannot read %2$s/missing.bpf.o: No such file or directory" },
		{ 14, 35, "program \"c\": entry \"c\" loads 2 programs; name one as ENTRY/PROGRAM" },
	};

	(void)state;
	notelf = write_file("notelf.bpf.o", "this is not an ELF file\n");
	f = open_memstream(&text, &len);
	assert_non_null(f);
	for (i = 0; bad_lines[i]; i++)
		fprintf(f, "%s\n", bad_lines[i]);
	assert_int_equal(fclose(f), 0);
	path = write_file("bad.yaml", text);
	files[0] = path;
	m = manifest_load(files, 1, &d);
	/* the manifest itself is well formed: only the ELF checks find these */
	if (diag_count(&d))
		print_diags(&d);
	assert_int_equal(diag_count(&d), 0);
	assert_non_null(m);
	assert_int_equal(manifest_check_objects(m, &d), 0);
	diag_sort(&d);

	for (i = 0; i < sizeof(exp) / sizeof(exp[0]); i++) {
		char *msg;

		assert_true(asprintf(&msg, exp[i].fmt, obj_v1, tmpdir) > 0);
		assert_true(asprintf(&want, "%s:%d:%d: %s", path, exp[i].line, exp[i].col, msg) > 0);
		if (!has_diag(&d, want)) {
			print_message("expected: %s\n", want);
			all = false;
		}
		free(want);
		free(msg);
	}
	/* a file that is not ELF: the message says so, whatever libbpf's reason */
	assert_true(asprintf(&want, "%s:39:13: object: %s is not a BPF object libbpf can open: ",
			     path, notelf) > 0);
	if (!has_diag_prefix(&d, want)) {
		print_message("expected: %s...\n", want);
		all = false;
	}
	free(want);
	if (!all || d.n != sizeof(exp) / sizeof(exp[0]) + 1)
		print_diags(&d);
	assert_true(all);
	/* nothing else: entry f is valid, and a valid entry next to bad ones stays quiet */
	assert_int_equal(d.n, sizeof(exp) / sizeof(exp[0]) + 1);

	/* the objects that could be read are inspected even when they have errors */
	assert_non_null(m->programs[0].elf);
	assert_null(m->programs[3].elf);
	assert_null(m->programs[4].elf);
	assert_non_null(m->programs[5].elf);
	manifest_free(m);
	diag_free(&d);
	free(path);
	free(notelf);
	free(text);
}

/* A valid manifest: no diagnostics, every entry inspected. */
static void test_check_valid(void **state)
{
	struct manifest *m = load_checked("good.yaml",
					  "bpfapply: v1\n"
					  "scope: elf\n"
					  "maps:\n"
					  "  hits: {type: array, key_size: 4, value_size: 8, max_entries: 4}\n"
					  "  jmp:\n"
					  "    type: prog_array\n"
					  "    key_size: 4\n"
					  "    value_size: 4\n"
					  "    max_entries: 4\n"
					  "    entries:\n"
					  "      - {key: 0, value: {program: xdp/always_drop}}\n"
					  "      - {key: 1, value: {program: one}}\n"
					  "programs:\n"
					  "  xdp:\n"
					  "    object: @OBJ@\n"
					  "    type: xdp\n"
					  "    maps:\n"
					  "      counter: hits\n"
					  "    globals:\n"
					  "      ret_val: 2\n"
					  "      runs: 0\n"
					  "      bias: [1, 0, 0, 0]\n"
					  "      tag: \"hex 41 42\"\n"
					  "  one:\n"
					  "    object: @V2@\n"
					  "    programs: [count_and_return]\n");

	(void)state;
	assert_int_equal(m->n_programs, 2);
	assert_non_null(m->programs[0].elf);
	assert_non_null(m->programs[1].elf);
	assert_int_equal(program_count(&m->programs[0]), 2);
	assert_string_equal(program_name_at(&m->programs[0], 1), "always_drop");
	assert_int_equal(program_count(&m->programs[1]), 1);
	assert_string_equal(program_name_at(&m->programs[1], 0), "count_and_return");
	assert_true(m->programs[0].elf->fp != m->programs[1].elf->fp);
	manifest_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inspect_programs),
		cmocka_unit_test(test_inspect_maps),
		cmocka_unit_test(test_inspect_vars),
		cmocka_unit_test(test_fingerprint_is_of_the_file),
		cmocka_unit_test(test_inspect_missing_file),
		cmocka_unit_test(test_inspect_not_elf),
		cmocka_unit_test(test_global_int_fits),
		cmocka_unit_test(test_global_int_does_not_fit),
		cmocka_unit_test(test_global_negative),
		cmocka_unit_test(test_global_bytes),
		cmocka_unit_test(test_global_int_for_large_var),
		cmocka_unit_test(test_ref_resolve),
		cmocka_unit_test(test_params_fp_same_value),
		cmocka_unit_test(test_params_fp_changes),
		cmocka_unit_test(test_params_fp_selection_of_all),
		cmocka_unit_test(test_check_located_errors),
		cmocka_unit_test(test_check_valid),
	};

	return cmocka_run_group_tests_name("elf", tests, group_setup, group_teardown);
}
