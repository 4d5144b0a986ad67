/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: manifests.
 *
 * The input is written to a file in a per-process temporary directory (the
 * loader takes paths) and handed to manifest_load().  If the input contains
 * the line "#==" the part after it becomes a second file of the same
 * manifest, which exercises merging files of one scope.  A manifest that
 * loads is fed to the pure functions the planner runs on it (fingerprints,
 * entry sorting, map ordering), which must cope with anything the loader
 * accepts.
 *
 * The input is also given, as a C string, to bytes_parse_data() (bpftool's
 * DATA syntax), with one property checked: what it parses, printed back
 * with bytes_to_hex() as "hex ..", parses to the same bytes.
 *
 * Everything allocated is freed, so LeakSanitizer reports leaks.
 * BPFAPPLY_FUZZ_VERBOSE=1 in the environment prints the diagnostics.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "graph.h"
#include "kinds/iterator/iterator.h"
#include "kinds/map/map.h"
#include "model.h"

#define SPLIT_MARK "\n#==\n"

static char g_dir[256];
static bool g_verbose; /* BPFAPPLY_FUZZ_VERBOSE=1: print what the loader said */
static char g_file[2][300];

static void cleanup(void)
{
	unlink(g_file[0]);
	unlink(g_file[1]);
	if (g_dir[0])
		rmdir(g_dir);
}

/* /dev/shm when there is one: the input is written on every execution. */
static const char *tmp_base(void)
{
	const char *t = getenv("TMPDIR");

	if (t && *t)
		return t;
	if (!access("/dev/shm", W_OK))
		return "/dev/shm";
	return "/tmp";
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(g_dir, sizeof(g_dir), "%s/bpfapply-fuzz-XXXXXX", tmp_base());
	if (!mkdtemp(g_dir)) {
		perror("fuzz_manifest: mkdtemp");
		abort();
	}
	snprintf(g_file[0], sizeof(g_file[0]), "%s/manifest.yaml", g_dir);
	snprintf(g_file[1], sizeof(g_file[1]), "%s/second.yaml", g_dir);
	atexit(cleanup);
	g_verbose = getenv("BPFAPPLY_FUZZ_VERBOSE") != NULL;
	return 0;
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f)) {
		perror("fuzz_manifest: writing the input");
		abort();
	}
}

static const uint8_t *find_mark(const uint8_t *data, size_t len)
{
	return memmem(data, len, SPLIT_MARK, strlen(SPLIT_MARK));
}

/* What the planner computes from a loaded manifest without the kernel or ELF objects. */
static void use_manifest(const struct manifest *m)
{
	struct graph g;
	size_t *order;
	size_t i;

	for (i = 0; i < m->n_maps; i++) {
		const struct map_spec *ms = &m->maps[i];
		size_t *sorted;

		(void)map_spec_fp(m, ms);
		(void)map_entries_fp(ms);
		sorted = map_entries_by_key(ms);
		if (!sorted)
			abort();
		free(sorted);
		if (manifest_map_index(m, ms->name) != (int)i)
			abort(); /* names are unique after a successful load */
	}
	if (graph_build(&g, m))
		abort();
	order = calloc(g.n ? g.n : 1, sizeof(*order));
	if (!order)
		abort();
	/* a loaded manifest has no ordering cycles: resolve rejects them */
	if (graph_order(&g, order) != 0)
		abort();
	free(order);
	graph_free(&g);
	for (i = 0; i < m->n_programs; i++)
		if (manifest_program_index(m, m->programs[i].name) != (int)i)
			abort();
	for (i = 0; i < m->n_iterators; i++) {
		(void)iterator_spec_fp(m, &m->iterators[i]);
		if (manifest_iterator_index(m, m->iterators[i].name) != (int)i)
			abort();
	}
}

static void fuzz_manifest(const uint8_t *data, size_t len)
{
	const char *files[2] = {g_file[0], g_file[1]};
	const uint8_t *mark = find_mark(data, len);
	struct diag d = {0};
	struct manifest *m;
	size_t n_files = 1, i;

	if (mark) {
		size_t first = (size_t)(mark - data) + 1; /* keep the newline */
		size_t skip = first + strlen(SPLIT_MARK) - 1;

		write_file(g_file[0], data, first);
		write_file(g_file[1], data + skip, len - skip);
		n_files = 2;
	} else {
		write_file(g_file[0], data, len);
	}
	m = manifest_load(files, n_files, &d);
	/* NULL exactly when there was an error, and never an error without a message */
	if (!m != (diag_count(&d) != 0))
		abort();
	if (m)
		use_manifest(m);
	diag_sort(&d);
	if (g_verbose) {
		fprintf(stderr, "fuzz_manifest: %s, %zu file(s), %zu error(s)\n",
			m ? "loaded" : "rejected", n_files, diag_count(&d));
		diag_print(&d, stderr);
	}
	for (i = 0; i < d.n; i++) {
		char *s = diag_format(&d.msgs[i]);

		if (!s || !d.msgs[i].text || !*d.msgs[i].text)
			abort();
		free(s);
	}
	manifest_free(m);
	diag_free(&d);
}

static void fuzz_data(const uint8_t *data, size_t len)
{
	size_t n = strnlen((const char *)data, len);
	struct bytes b = {0}, again = {0};
	char err[160], *s, *hex, *text;
	int r;

	/* exactly n + 1 bytes, so that reading past the terminator is caught */
	s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	r = bytes_parse_data(s, &b, err, sizeof(err));
	if (r == 0) {
		if ((b.len == 0) != (b.data == NULL))
			abort();
		hex = bytes_to_hex(b.data, b.len);
		if (!hex || asprintf(&text, "hex %s", hex) < 0)
			abort();
		if (bytes_parse_data(text, &again, NULL, 0) != 0 || !bytes_eq(&b, &again))
			abort(); /* the printed form does not parse back to the same bytes */
		free(text);
		free(hex);
	} else if (r != -EINVAL || !err[0] || !memchr(err, '\0', sizeof(err))) {
		abort(); /* a failure is -EINVAL with a message */
	}
	bytes_free(&b);
	bytes_free(&again);

	/* The integer forms, in a few sizes (0, 1, 3, 8, 16 bytes). */
	{
		static const uint32_t sizes[] = {0, 1, 3, 8, 16};
		bool neg;
		uint64_t mag;
		size_t k;

		(void)parse_int_literal(s, &neg, &mag);
		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			r = bytes_from_int(s, sizes[k], &b);
			if (r == 0 && b.len != sizes[k])
				abort();
			bytes_free(&b);
		}
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	fuzz_manifest(data, len);
	fuzz_data(data, len);
	return 0;
}
