// SPDX-License-Identifier: GPL-2.0-only
/*
 * The corpus of bad manifests: every .yaml file in tests/manifests/bad must fail
 * to load, and every "# expect: LINE:COL: message" line of the file (the
 * first line, and more anywhere in the file) must be among the formatted
 * diagnostics as "FILE:LINE:COL: message".  One cmocka test per file.
 */
#include "unit.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "model.h"

#define BAD_DIR "tests/manifests/bad"
#define EXPECT "# expect: "
#define MIN_CORPUS 35

static bool first_line_is_expect(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(line, sizeof(line), f) && !strncmp(line, EXPECT, strlen(EXPECT));
	fclose(f);
	return ok;
}

/* The expected messages of a file, as "FILE:LINE:COL: message"; NULL-terminated. */
static char **read_expectations(const char *path)
{
	char **exp = NULL, *line = NULL;
	size_t n = 0, cap = 0;
	FILE *f = fopen(path, "r");
	ssize_t len;

	assert_non_null(f);
	while ((len = getline(&line, &cap, f)) > 0) {
		if (strncmp(line, EXPECT, strlen(EXPECT)))
			continue;
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		exp = realloc(exp, (n + 2) * sizeof(*exp));
		assert_non_null(exp);
		assert_true(asprintf(&exp[n++], "%s:%s", path, line + strlen(EXPECT)) > 0);
		exp[n] = NULL;
	}
	free(line);
	fclose(f);
	return exp;
}

static void test_bad_file(void **state)
{
	const char *path = *state;
	struct diag d = { 0 };
	char **exp, **e;
	bool all = true;
	size_t i;

	assert_true(first_line_is_expect(path));
	exp = read_expectations(path);
	assert_non_null(exp);
	assert_null(manifest_load(&path, 1, &d));
	assert_true(diag_count(&d) > 0);
	diag_sort(&d);
	for (e = exp; *e; e++) {
		bool found = false;

		for (i = 0; i < d.n && !found; i++) {
			char *s = diag_format(&d.msgs[i]);

			found = !strcmp(s, *e);
			free(s);
		}
		if (!found) {
			print_message("expected: %s\n", *e);
			all = false;
		}
	}
	if (!all) {
		for (i = 0; i < d.n; i++) {
			char *s = diag_format(&d.msgs[i]);

			print_message("     got: %s\n", s);
			free(s);
		}
	}
	for (e = exp; *e; e++)
		free(*e);
	free(exp);
	diag_free(&d);
	assert_true(all);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **list_corpus(size_t *n)
{
	DIR *dir = opendir(BAD_DIR);
	char **paths = NULL;
	struct dirent *de;
	size_t len;

	*n = 0;
	if (!dir)
		return NULL;
	while ((de = readdir(dir))) {
		len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml"))
			continue;
		paths = realloc(paths, (*n + 1) * sizeof(*paths));
		if (!paths || asprintf(&paths[*n], "%s/%s", BAD_DIR, de->d_name) < 0)
			abort();
		(*n)++;
	}
	closedir(dir);
	qsort(paths, *n, sizeof(*paths), cmp_str);
	return paths;
}

static size_t corpus_size;

static void test_corpus_size(void **state)
{
	(void)state;
	assert_true(corpus_size >= MIN_CORPUS);
}

int main(void)
{
	struct CMUnitTest *tests;
	char **paths;
	size_t n, i;
	int failed;

	paths = list_corpus(&n);
	corpus_size = n;
	tests = calloc(n + 1, sizeof(*tests));
	if (!tests)
		return 1;
	tests[0] = (struct CMUnitTest)cmocka_unit_test(test_corpus_size);
	for (i = 0; i < n; i++) {
		tests[i + 1].name = paths[i] + strlen(BAD_DIR) + 1;
		tests[i + 1].test_func = test_bad_file;
		tests[i + 1].initial_state = paths[i];
	}
	failed = _cmocka_run_group_tests("bad_corpus", tests, n + 1, NULL, NULL);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(tests);
	return failed;
}
