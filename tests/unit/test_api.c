// SPDX-License-Identifier: GPL-2.0-only
/*
 * The public interface: load, plan (against a root that does not exist,
 * so nothing is read from or written to bpffs), render, refuse misuse.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpfapply/bpfapply.h>

#include "unit.h"

#define NO_ROOT "/nonexistent/bpfapply-unit-root"

static char *render(const struct bpfapply_plan *p, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(bpfapply_plan__render(p, f, json, false), 0);
	fclose(f);
	return buf;
}

static void test_load_plan_render(void **state)
{
	const char *files[] = { "examples/quickstart.yaml" };
	struct bpfapply_plan_opts opts = { .sz = sizeof(opts), .root = NO_ROOT };
	struct bpfapply_manifest *m;
	struct bpfapply_plan *p;
	char *text;

	(void)state;
	assert_int_equal(bpfapply_manifest__load(files, 1, stderr, &m), 0);
	assert_string_equal(bpfapply_manifest__scope(m), "quickstart");
	assert_int_equal(bpfapply_plan__compute(m, &opts, stderr, &p), 0);
	assert_true(bpfapply_plan__has_changes(p));
	text = render(p, false);
	assert_non_null(strstr(text, "  + map.counters            percpu_hash key 4B value 8B "
				     "max_entries 1024\n"));
	assert_non_null(strstr(text, "Plan: 3 to add, 0 to change, 0 to replace, 0 to destroy.\n"));
	free(text);
	text = render(p, true);
	assert_int_equal(strncmp(text, "{\"format_version\":\"1.2\",\"scope\":\"quickstart\"", 44), 0);
	free(text);
	/* planned only to look: it cannot be carried out */
	assert_int_equal(bpfapply_plan__apply(p), -EINVAL);
	bpfapply_plan__free(p);
	bpfapply_manifest__free(m);
}

static void test_errors_are_located(void **state)
{
	const char *files[] = { "tests/manifests/bad/bad_type.yaml" };
	struct bpfapply_manifest *m = (void *)1;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(bpfapply_manifest__load(files, 1, f, &m), -EINVAL);
	fclose(f);
	assert_null(m);
	assert_non_null(strstr(buf, "tests/manifests/bad/bad_type.yaml:"));
	assert_non_null(strstr(buf, ": type: "));
	free(buf);
}

static void test_misuse(void **state)
{
	const char *files[] = { "examples/quickstart.yaml" };
	struct bpfapply_plan_opts small = { .sz = 1 };
	struct bpfapply_manifest *m;
	struct bpfapply_plan *p = (void *)1;

	(void)state;
	assert_int_equal(bpfapply_manifest__load(files, 0, NULL, &m), -EINVAL);
	assert_int_equal(bpfapply_manifest__load(files, 1, NULL, &m), 0);
	assert_int_equal(bpfapply_plan__compute(m, &small, NULL, &p), -EINVAL);
	assert_null(p);
	assert_int_equal(bpfapply_plan__compute(m, NULL, NULL, &p), -EINVAL);
	assert_int_equal(bpfapply_plan__render(NULL, stdout, false, false), -EINVAL);
	bpfapply_plan__free(NULL);
	bpfapply_manifest__free(m);
	bpfapply_manifest__free(NULL);
	assert_non_null(bpfapply_version());
	assert_int_equal(BPFAPPLY_EXIT_CHANGES, 2);
}

static int n_printed;
static enum bpfapply_print_level last_level;
static char last_msg[512];

static void capture(enum bpfapply_print_level level, const char *msg)
{
	n_printed++;
	last_level = level;
	snprintf(last_msg, sizeof(last_msg), "%s", msg);
}

/* What is not about the manifest goes through the print function, not stderr. */
static void test_print_callback(void **state)
{
	const char *files[] = { "examples/quickstart.yaml" };
	struct bpfapply_plan_opts opts = { .sz = sizeof(opts), .root = "/proc/self/status/root",
					   .for_apply = true, .nomount = true };
	struct bpfapply_manifest *m;
	struct bpfapply_plan *p = NULL;
	bpfapply_print_fn_t old;

	(void)state;
	assert_int_equal(bpfapply_manifest__load(files, 1, NULL, &m), 0);
	old = bpfapply_set_print(capture);
	assert_non_null(old);
	assert_int_not_equal(bpfapply_plan__compute(m, &opts, NULL, &p), 0);
	assert_true(n_printed > 0);
	assert_int_equal(last_level, BPFAPPLY_ERROR);
	assert_non_null(strstr(last_msg, "/proc/self/status"));
	assert_ptr_equal(bpfapply_set_print(NULL), capture);
	n_printed = 0;
	assert_int_not_equal(bpfapply_plan__compute(m, &opts, NULL, &p), 0);
	assert_int_equal(n_printed, 0);
	assert_null(bpfapply_set_print(old));
	bpfapply_manifest__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_plan_render),
		cmocka_unit_test(test_errors_are_located),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_print_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
