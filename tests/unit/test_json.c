/* SPDX-License-Identifier: GPL-2.0-only */
/* The JSON writer: exact bytes for nesting, commas, indentation, escaping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "core/json.h"

struct capture {
	FILE *f;
	char *buf;
	size_t len;
	struct json j;
};

static void cap_open(struct capture *c, bool pretty)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	json_init(&c->j, c->f, pretty);
}

/* Close the stream, compare with want, release. */
static void cap_check(struct capture *c, const char *want)
{
	assert_int_equal(fclose(c->f), 0);
	assert_string_equal(c->buf, want);
	free(c->buf);
}

/* One document that exercises every kind of value and empty containers. */
static void write_sample(struct json *j)
{
	json_obj_begin(j);
	json_kv_str(j, "format_version", "1.2");
	json_kv_uint(j, "n", 42);
	json_kv_int(j, "neg", -7);
	json_kv_bool(j, "ok", true);
	json_key(j, "none");
	json_null(j);
	json_key(j, "actions");
	json_arr_begin(j);
	json_str(j, "delete");
	json_str(j, "create");
	json_arr_end(j);
	json_key(j, "list");
	json_arr_begin(j);
	json_obj_begin(j);
	json_kv_bool(j, "a", false);
	json_obj_end(j);
	json_uint(j, 1);
	json_arr_begin(j);
	json_arr_end(j);
	json_obj_begin(j);
	json_obj_end(j);
	json_arr_end(j);
	json_key(j, "empty");
	json_obj_begin(j);
	json_obj_end(j);
	json_obj_end(j);
	json_finish(j);
}

static void test_compact(void **unused)
{
	struct capture c;

	(void)unused;
	cap_open(&c, false);
	write_sample(&c.j);
	cap_check(&c, "{\"format_version\":\"1.2\",\"n\":42,\"neg\":-7,\"ok\":true,\"none\":null,"
		      "\"actions\":[\"delete\",\"create\"],\"list\":[{\"a\":false},1,[],{}],"
		      "\"empty\":{}}\n");
}

static void test_pretty(void **unused)
{
	struct capture c;

	(void)unused;
	cap_open(&c, true);
	write_sample(&c.j);
	cap_check(&c, "{\n"
		      "  \"format_version\": \"1.2\",\n"
		      "  \"n\": 42,\n"
		      "  \"neg\": -7,\n"
		      "  \"ok\": true,\n"
		      "  \"none\": null,\n"
		      "  \"actions\": [\n"
		      "    \"delete\",\n"
		      "    \"create\"\n"
		      "  ],\n"
		      "  \"list\": [\n"
		      "    {\n"
		      "      \"a\": false\n"
		      "    },\n"
		      "    1,\n"
		      "    [],\n"
		      "    {}\n"
		      "  ],\n"
		      "  \"empty\": {}\n"
		      "}\n");
}

static void test_scalars_and_limits(void **unused)
{
	struct capture c;

	(void)unused;
	cap_open(&c, false);
	json_arr_begin(&c.j);
	json_uint(&c.j, UINT64_MAX);
	json_int(&c.j, INT64_MIN);
	json_int(&c.j, INT64_MAX);
	json_str(&c.j, NULL);
	json_str(&c.j, "");
	json_arr_end(&c.j);
	json_finish(&c.j);
	/* A second document after finish starts afresh: no leading comma. */
	json_uint(&c.j, 0);
	json_finish(&c.j);
	cap_check(&c, "[18446744073709551615,-9223372036854775808,9223372036854775807,"
		      "null,\"\"]\n0\n");
}

static void test_escaping(void **unused)
{
	struct capture c;

	(void)unused;
	cap_open(&c, false);
	json_obj_begin(&c.j);
	json_kv_str(&c.j, "q\"k", "a\"b\\c/d");
	json_kv_str(&c.j, "ctl", "\b\f\n\r\t\x01\x1f\x7f");
	json_obj_end(&c.j);
	cap_check(&c, "{\"q\\\"k\":\"a\\\"b\\\\c/d\","
		      "\"ctl\":\"\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"}");
}

static void test_utf8(void **unused)
{
	struct capture c;

	(void)unused;
	cap_open(&c, false);
	json_arr_begin(&c.j);
	/* é, €, U+10FFFF and an emoji pass through as bytes */
	json_str(&c.j, "caf\xc3\xa9 \xe2\x82\xac \xf4\x8f\xbf\xbf \xf0\x9f\x98\x80");
	/* stray continuation, 0xff, overlong '/', surrogate, cut-short sequence */
	json_str(&c.j, "\x80|\xff|\xc0\xaf|\xed\xa0\x80|\xe2\x82");
	/* above U+10FFFF, and an overlong three-byte form */
	json_str(&c.j, "\xf4\x90\x80\x80|\xe0\x80\xaf");
	json_arr_end(&c.j);
	cap_check(&c, "[\"caf\xc3\xa9 \xe2\x82\xac \xf4\x8f\xbf\xbf \xf0\x9f\x98\x80\","
		      "\"\\ufffd|\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\","
		      "\"\\ufffd\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\"]");
}

/* Nesting past JSON_MAX_DEPTH must stay in bounds (valgrind checks that). */
static void test_deep_nesting(void **unused)
{
	struct capture c;
	int i, n = JSON_MAX_DEPTH + 8;

	(void)unused;
	cap_open(&c, true);
	for (i = 0; i < n; i++)
		json_arr_begin(&c.j);
	for (i = 0; i < n; i++)
		json_arr_end(&c.j);
	/* Unbalanced ends must not underflow either. */
	json_arr_end(&c.j);
	json_finish(&c.j);
	assert_int_equal(fclose(c.f), 0);
	assert_int_equal(c.buf[0], '[');
	free(c.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_scalars_and_limits),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_deep_nesting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
