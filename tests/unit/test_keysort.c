// SPDX-License-Identifier: GPL-2.0-only
/*
 * keys_sort (src/kinds/map/keysort.c): the radix sort and the comparison
 * sort put keys in bytes_cmp order, keep equal keys in index order, and
 * read strided records.  Checked against a plain insertion sort.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "kinds/map/map.h"

/* The order keys_sort must give: memcmp order, ties by index (a stable sort). */
static void reference(const uint8_t *keys, size_t n, uint32_t ksz, size_t stride, size_t *idx)
{
	size_t i, j, t;

	for (i = 0; i < n; i++)
		idx[i] = i;
	for (i = 1; i < n; i++)
		for (j = i; j > 0; j--) {
			if (memcmp(keys + idx[j - 1] * stride, keys + idx[j] * stride, ksz) <= 0)
				break;
			t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
}

static void check(uint32_t ksz, size_t stride, size_t n, unsigned seed, int range)
{
	uint8_t *keys = calloc(n ? n : 1, stride);
	size_t *want = calloc(n ? n : 1, sizeof(*want)), *got = NULL, i;

	assert_non_null(keys);
	assert_non_null(want);
	srand(seed);
	for (i = 0; i < n * stride; i++)
		keys[i] = (uint8_t)(rand() % range); /* a small range makes equal keys */
	reference(keys, n, ksz, stride, want);
	assert_int_equal(keys_sort(keys, n, ksz, stride, &got), 0);
	assert_memory_equal(got, want, n * sizeof(*got));
	free(got);
	free(keys);
	free(want);
}

static void test_radix_sizes(void **state)
{
	(void)state;
	check(1, 1, 500, 1, 256);
	check(4, 4, 2000, 2, 256);
	check(8, 8, 2000, 3, 3);
	check(16, 16, 1000, 4, 2);
}

static void test_compare_sort_long_keys(void **state)
{
	(void)state;
	check(20, 20, 1000, 5, 2);
	check(64, 64, 300, 6, 256);
	check(17, 17, 400, 9, 1); /* all equal: index order */
}

static void test_strided_records(void **state)
{
	(void)state;
	check(4, 12, 2000, 7, 4); /* u32 key, u64 value: an entries_file record */
	check(20, 28, 500, 8, 2);
}

/* Little-endian u32 that ascend as numbers do not ascend as bytes. */
static void test_little_endian_counts(void **state)
{
	uint8_t keys[4 * 600];
	size_t *got = NULL, i;
	uint32_t v;

	(void)state;
	for (i = 0; i < 600; i++) {
		v = (uint32_t)i;
		memcpy(keys + 4 * i, &v, 4);
	}
	assert_int_equal(keys_sort(keys, 600, 4, 4, &got), 0);
	for (i = 1; i < 600; i++)
		assert_true(memcmp(keys + 4 * got[i - 1], keys + 4 * got[i], 4) < 0);
	assert_int_equal(got[0], 0);
	assert_int_equal(got[1], 256); /* 00 01 00 00 before 01 00 00 00 */
	free(got);
}

static void test_trivial(void **state)
{
	size_t *got = NULL;
	uint8_t k[4] = { 1, 2, 3, 4 };

	(void)state;
	assert_int_equal(keys_sort(k, 0, 4, 4, &got), 0);
	free(got);
	got = NULL;
	assert_int_equal(keys_sort(k, 1, 4, 4, &got), 0);
	assert_int_equal(got[0], 0);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_radix_sizes),
		cmocka_unit_test(test_compare_sort_long_keys),
		cmocka_unit_test(test_strided_records),
		cmocka_unit_test(test_little_endian_counts),
		cmocka_unit_test(test_trivial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
