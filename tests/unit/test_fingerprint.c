/* SPDX-License-Identifier: GPL-2.0-only */
/* Fingerprints: the framing makes different call sequences hash differently. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "unit.h"
#include "core/fingerprint.h"

static uint64_t fp_strs(const char *a, const char *b)
{
	struct fp f;

	assert_int_equal(fp_init(&f), 0);
	fp_str(&f, a);
	fp_str(&f, b);
	return fp_final(&f);
}

static void test_str_boundaries(void **unused)
{
	(void)unused;
	assert_true(fp_strs("ab", "c") != fp_strs("a", "bc"));
	assert_true(fp_strs("abc", "") != fp_strs("", "abc"));
	assert_true(fp_strs("ab", "c") == fp_strs("ab", "c"));
}

static void test_null_is_not_empty(void **unused)
{
	struct fp f;
	uint64_t empty, none, nothing;

	(void)unused;
	assert_true(fp_strs(NULL, "x") != fp_strs("", "x"));
	assert_true(fp_strs(NULL, NULL) != fp_strs("", ""));

	assert_int_equal(fp_init(&f), 0);
	fp_str(&f, "");
	empty = fp_final(&f);
	assert_int_equal(fp_init(&f), 0);
	fp_str(&f, NULL);
	none = fp_final(&f);
	assert_int_equal(fp_init(&f), 0);
	nothing = fp_final(&f);
	assert_true(empty != none);
	assert_true(empty != nothing);
	assert_true(none != nothing);
}

/* The same bytes fed as different types must not collide. */
static void test_types_are_framed(void **unused)
{
	const uint8_t le1[8] = { 1 };
	uint64_t h[5];
	struct fp f;
	int i, k;

	(void)unused;
	for (i = 0; i < 5; i++) {
		assert_int_equal(fp_init(&f), 0);
		switch (i) {
		case 0:
			fp_u32(&f, 1);
			break;
		case 1:
			fp_u64(&f, 1);
			break;
		case 2:
			fp_bytes(&f, le1, 4);
			break;
		case 3:
			fp_bytes(&f, le1, 8);
			break;
		case 4:
			fp_str(&f, "\x01");
			break;
		}
		h[i] = fp_final(&f);
	}
	for (i = 0; i < 5; i++)
		for (k = i + 1; k < 5; k++)
			assert_true(h[i] != h[k]);
}

static void test_order_and_bytes_split(void **unused)
{
	struct fp f;
	uint64_t a, b, c;

	(void)unused;
	assert_int_equal(fp_init(&f), 0);
	fp_u32(&f, 1);
	fp_u32(&f, 2);
	a = fp_final(&f);
	assert_int_equal(fp_init(&f), 0);
	fp_u32(&f, 2);
	fp_u32(&f, 1);
	b = fp_final(&f);
	assert_true(a != b);

	assert_int_equal(fp_init(&f), 0);
	fp_bytes(&f, "ab", 2);
	fp_bytes(&f, "c", 1);
	a = fp_final(&f);
	assert_int_equal(fp_init(&f), 0);
	fp_bytes(&f, "a", 1);
	fp_bytes(&f, "bc", 2);
	b = fp_final(&f);
	assert_int_equal(fp_init(&f), 0);
	fp_bytes(&f, "abc", 3);
	c = fp_final(&f);
	assert_true(a != b && a != c && b != c);
}

static void test_deterministic(void **unused)
{
	uint64_t h[2];
	struct fp f;
	int i;

	(void)unused;
	for (i = 0; i < 2; i++) {
		assert_int_equal(fp_init(&f), 0);
		fp_str(&f, "counters");
		fp_u32(&f, 0xdeadbeef);
		fp_u64(&f, UINT64_MAX);
		fp_bytes(&f, "\x00\xff", 2);
		fp_bytes(&f, NULL, 0);
		h[i] = fp_final(&f);
	}
	assert_true(h[0] == h[1]);
}

/*
 * Fingerprints are stored in state records: if this value changes, every
 * existing record looks stale and the next apply reloads everything.
 * Change it only together with a state format change.
 */
static void test_golden(void **unused)
{
	uint8_t framed[] = { 's', 2, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'w', 0x78, 0x56, 0x34, 0x12,
			     'n' };
	struct fp f;

	(void)unused;
	assert_int_equal(fp_init(&f), 0);
	fp_str(&f, "ab");
	fp_u32(&f, 0x12345678);
	fp_str(&f, NULL);
	assert_true(fp_final(&f) == XXH3_64bits(framed, sizeof(framed)));
}

static void test_buf(void **unused)
{
	(void)unused;
	assert_true(fp_buf("abc", 3) == XXH3_64bits("abc", 3));
	assert_true(fp_buf("abc", 3) != fp_buf("abd", 3));
	assert_true(fp_buf("", 0) == XXH3_64bits("", 0));
}

static void test_final_twice(void **unused)
{
	struct fp f;

	(void)unused;
	assert_int_equal(fp_init(&f), 0);
	fp_u64(&f, 7);
	assert_true(fp_final(&f) != 0);
	assert_null(f.state);
	/* After final the state is gone; further use must be harmless. */
	fp_u64(&f, 7);
	assert_true(fp_final(&f) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str_boundaries),
		cmocka_unit_test(test_null_is_not_empty),
		cmocka_unit_test(test_types_are_framed),
		cmocka_unit_test(test_order_and_bytes_split),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_final_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
