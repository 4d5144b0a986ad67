// SPDX-License-Identifier: GPL-2.0-only
/* bpftool DATA syntax, little-endian integers and hex rendering. */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"

static void expect_data(const char *s, const uint8_t *want, uint32_t len)
{
	struct bytes b;
	char err[128];

	assert_int_equal(bytes_parse_data(s, &b, err, sizeof(err)), 0);
	assert_int_equal(b.len, len);
	if (len)
		assert_memory_equal(b.data, want, len);
	else
		assert_null(b.data);
	bytes_free(&b);
}

static void expect_data_error(const char *s, const char *msg)
{
	struct bytes b = { (uint8_t *)0x1, 7 };
	char err[128];

	assert_int_equal(bytes_parse_data(s, &b, err, sizeof(err)), -EINVAL);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(err, msg);
}

/* The three spellings bpftool-map(8) gives for the same four bytes. */
static void test_data_bpftool_spellings(void **state)
{
	static const uint8_t want[] = { 0x20, 0xc4, 0xb7, 0x00 };

	(void)state;
	expect_data("hex 20 c4 b7 00", want, 4);
	expect_data("0x20 0xc4 0xb7 0x00", want, 4);
	expect_data("32 196 183 0", want, 4);
}

static void test_data_forms(void **state)
{
	static const uint8_t octal[] = { 15, 8, 0, 0xff };
	static const uint8_t mixed[] = { 0x0f, 15, 15 };
	static const uint8_t hex[] = { 0x0f, 0x01, 0xab, 0x17 };

	(void)state;
	expect_data("017 010 00 0377", octal, 4);
	expect_data("0x0f 017 15", mixed, 3);
	/* in hex mode every token is hex, with or without 0x; one digit is fine */
	expect_data("hex 0f 1 0xAB 17", hex, 4);
	expect_data("  \t0x0f\n 017   15  ", mixed, 3);
	expect_data("", NULL, 0);
	expect_data("hex", NULL, 0);
	expect_data("0XFF", (const uint8_t[]){ 0xff }, 1);
}

static void test_data_errors(void **state)
{
	(void)state;
	expect_data_error("0x20 zz", "bad byte \"zz\": expected 0..255 as decimal, 0x hex or 0 octal");
	expect_data_error("256", "byte \"256\" is out of range 0..255");
	expect_data_error("0x100", "byte \"0x100\" is out of range 0..255");
	expect_data_error("0400", "byte \"0400\" is out of range 0..255");
	expect_data_error("hex 100", "byte \"100\" is out of range 0..255");
	expect_data_error("hex 0g", "bad byte \"0g\": expected a hex byte 00..ff");
	expect_data_error("09", "bad byte \"09\": expected 0..255 as decimal, 0x hex or 0 octal");
	expect_data_error("-1", "bad byte \"-1\": expected 0..255 as decimal, 0x hex or 0 octal");
	expect_data_error("0x", "bad byte \"0x\": expected 0..255 as decimal, 0x hex or 0 octal");
	/* "hex" is a keyword only in first position */
	expect_data_error("1 hex 2", "bad byte \"hex\": expected 0..255 as decimal, 0x hex or 0 octal");
	expect_data_error("99999999999999999999999", "byte \"99999999999999999999999\" is out of range 0..255");
	expect_data_error("0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			  "byte \"0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" is out of range 0..255");
}

static void test_data_null_err(void **state)
{
	struct bytes b;

	(void)state;
	assert_int_equal(bytes_parse_data("zz", &b, NULL, 0), -EINVAL);
}

static void expect_int(const char *text, uint32_t size, const uint8_t *want)
{
	struct bytes b;

	assert_int_equal(bytes_from_int(text, size, &b), 0);
	assert_int_equal(b.len, size);
	assert_memory_equal(b.data, want, size);
	bytes_free(&b);
}

static void test_int_little_endian(void **state)
{
	(void)state;
	expect_int("7", 1, (const uint8_t[]){ 7 });
	expect_int("255", 1, (const uint8_t[]){ 0xff });
	expect_int("0x1234", 2, (const uint8_t[]){ 0x34, 0x12 });
	expect_int("7", 4, (const uint8_t[]){ 7, 0, 0, 0 });
	expect_int("0xdeadbeef", 4, (const uint8_t[]){ 0xef, 0xbe, 0xad, 0xde });
	expect_int("4294967295", 4, (const uint8_t[]){ 0xff, 0xff, 0xff, 0xff });
	expect_int("017", 2, (const uint8_t[]){ 15, 0 });
	expect_int("0o17", 2, (const uint8_t[]){ 15, 0 });
	expect_int("0x0102030405060708", 8,
		   (const uint8_t[]){ 8, 7, 6, 5, 4, 3, 2, 1 });
	expect_int("18446744073709551615", 8,
		   (const uint8_t[]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
	/* sizes above 8 are zero-extended */
	expect_int("0x0102", 16,
		   (const uint8_t[]){ 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
	expect_int("0", 3, (const uint8_t[]){ 0, 0, 0 });
}

static void test_int_negative(void **state)
{
	static const uint8_t ones[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	(void)state;
	expect_int("-1", 1, ones);
	expect_int("-1", 2, ones);
	expect_int("-1", 4, ones);
	expect_int("-1", 8, ones);
	/* sizes above 8 are sign-extended */
	expect_int("-1", 16, ones);
	expect_int("-2", 16,
		   (const uint8_t[]){ 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				      0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
	expect_int("-128", 1, (const uint8_t[]){ 0x80 });
	expect_int("-32768", 2, (const uint8_t[]){ 0x00, 0x80 });
	expect_int("-2", 4, (const uint8_t[]){ 0xfe, 0xff, 0xff, 0xff });
	expect_int("-9223372036854775808", 8,
		   (const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0x80 });
	expect_int("-0", 2, (const uint8_t[]){ 0, 0 });
}

static void test_int_errors(void **state)
{
	struct bytes b;

	(void)state;
	assert_int_equal(bytes_from_int("256", 1, &b), -ERANGE);
	assert_int_equal(bytes_from_int("300", 1, &b), -ERANGE);
	assert_int_equal(bytes_from_int("65536", 2, &b), -ERANGE);
	assert_int_equal(bytes_from_int("0x100000000", 4, &b), -ERANGE);
	assert_int_equal(bytes_from_int("-129", 1, &b), -ERANGE);
	assert_int_equal(bytes_from_int("-32769", 2, &b), -ERANGE);
	assert_int_equal(bytes_from_int("-9223372036854775809", 8, &b), -ERANGE);
	assert_int_equal(bytes_from_int("18446744073709551616", 16, &b), -ERANGE);
	assert_int_equal(bytes_from_int("1", 0, &b), -ERANGE);
	assert_null(b.data);
	assert_int_equal(bytes_from_int("four", 4, &b), -EINVAL);
	assert_int_equal(bytes_from_int("", 4, &b), -EINVAL);
	assert_int_equal(bytes_from_int("-", 4, &b), -EINVAL);
	assert_int_equal(bytes_from_int("08", 4, &b), -EINVAL);
	assert_int_equal(bytes_from_int("0x", 4, &b), -EINVAL);
	assert_int_equal(bytes_from_int("+1", 4, &b), -EINVAL);
	assert_int_equal(bytes_from_int("1 2", 4, &b), -EINVAL);
	assert_int_equal(bytes_from_int("1_000", 4, &b), -EINVAL);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void test_int_literal(void **state)
{
	uint64_t v;
	bool neg;

	(void)state;
	assert_true(parse_int_literal("0", &neg, &v));
	assert_false(neg);
	assert_int_equal(v, 0);
	assert_true(parse_int_literal("-0x10", &neg, &v));
	assert_true(neg);
	assert_int_equal(v, 16);
	assert_true(parse_int_literal("0o777", &neg, &v));
	assert_int_equal(v, 511);
	assert_true(parse_int_literal("0777", &neg, &v));
	assert_int_equal(v, 511);
	assert_true(parse_int_literal("18446744073709551615", &neg, &v));
	assert_true(v == UINT64_MAX);
	assert_false(parse_int_literal("18446744073709551616", &neg, &v));
	assert_false(parse_int_literal("true", &neg, &v));
	assert_false(parse_int_literal("1.5", &neg, &v));
	assert_false(parse_int_literal("0o8", &neg, &v));
	assert_false(parse_int_literal(" 1", &neg, &v));
	assert_false(parse_int_literal(NULL, &neg, &v));
}

static void test_to_hex(void **state)
{
	static const uint8_t data[] = { 0x0f, 0xff, 0x00, 0xab };
	char *s;

	(void)state;
	s = bytes_to_hex(data, sizeof(data));
	assert_string_equal(s, "0f ff 00 ab");
	free(s);
	s = bytes_to_hex(data, 1);
	assert_string_equal(s, "0f");
	free(s);
	s = bytes_to_hex(NULL, 0);
	assert_string_equal(s, "");
	free(s);
}

static void test_dup_eq(void **state)
{
	static const uint8_t data[] = { 1, 2, 3 };
	struct bytes a, b, empty1 = { 0 }, empty2 = { 0 };

	(void)state;
	assert_int_equal(bytes_dup(&a, data, 3), 0);
	assert_int_equal(bytes_dup(&b, data, 2), 0);
	assert_false(bytes_eq(&a, &b));
	bytes_free(&b);
	assert_int_equal(bytes_dup(&b, data, 3), 0);
	assert_true(bytes_eq(&a, &b));
	b.data[2] = 4;
	assert_false(bytes_eq(&a, &b));
	assert_true(bytes_eq(&empty1, &empty2));
	assert_int_equal(bytes_dup(&empty1, data, 0), 0);
	assert_null(empty1.data);
	bytes_free(&a);
	bytes_free(&b);
	bytes_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_bpftool_spellings),
		cmocka_unit_test(test_data_forms),
		cmocka_unit_test(test_data_errors),
		cmocka_unit_test(test_data_null_err),
		cmocka_unit_test(test_int_little_endian),
		cmocka_unit_test(test_int_negative),
		cmocka_unit_test(test_int_errors),
		cmocka_unit_test(test_int_literal),
		cmocka_unit_test(test_to_hex),
		cmocka_unit_test(test_dup_eq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
