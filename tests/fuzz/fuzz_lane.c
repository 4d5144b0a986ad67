/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the entries lane (core/yamlread.h) against libyaml alone.
 *
 * The input is written to a file and loaded twice, with the lane and
 * without; what the loader gives (tests/unit/ydump.h: the tree, the items
 * of every list, every message) must be the same text.  A difference
 * aborts, with both texts on stderr.  The seeds are manifests with
 * entries: lists in the lane's form; the mutations find the edges.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/ydump.h"

static char g_file[300];

static void cleanup(void)
{
	unlink(g_file);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *t = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	if (!t || !*t)
		t = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";
	snprintf(g_file, sizeof(g_file), "%s/bpfapply-fuzz-lane-%d.yaml", t, (int)getpid());
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbuf with = { 0 }, without = { 0 };
	FILE *f = fopen(g_file, "w");

	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	load_dump(g_file, true, &with);
	load_dump(g_file, false, &without);
	if (with.n != without.n || memcmp(with.p, without.p, with.n)) {
		fprintf(stderr, "the lane differs:\n--- with\n%.*s\n--- without\n%.*s\n", (int)with.n,
			with.p, (int)without.n, without.p);
		abort();
	}
	free(with.p);
	free(without.p);
	return 0;
}
