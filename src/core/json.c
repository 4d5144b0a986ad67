/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Streaming JSON writer.  Pretty mode puts every member and element on its
 * own line, indented two spaces a level, with "key": value; compact mode
 * writes no whitespace at all.  Strings are escaped per RFC 8259; valid
 * UTF-8 goes through untouched, and bytes that are not valid UTF-8 (a path
 * or a kernel name can hold anything) become U+FFFD so that the document
 * stays parseable by strict readers such as Python's json module.
 */
#include <inttypes.h>

#include "core/json.h"

/*
 * Nesting beyond JSON_MAX_DEPTH shares the last comma slot: the output
 * may then lose a comma, but the writer never reads or writes out of
 * bounds.  Nothing bpfapply prints comes close.
 */
static bool *json_slot(struct json *j)
{
	int d = j->depth;

	if (d < 0)
		d = 0;
	if (d >= JSON_MAX_DEPTH)
		d = JSON_MAX_DEPTH - 1;
	return &j->need_comma[d];
}

static void json_newline(struct json *j)
{
	int i;

	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Separator and indentation before a member (key) or an array element. */
static void json_sep(struct json *j)
{
	bool *comma;

	if (j->depth <= 0)
		return;
	comma = json_slot(j);
	if (*comma)
		fputc(',', j->f);
	*comma = true;
	json_newline(j);
}

static void json_value_begin(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	json_sep(j);
}

static void json_open(struct json *j, char c)
{
	json_value_begin(j);
	fputc(c, j->f);
	j->depth++;
	*json_slot(j) = false;
}

static void json_close(struct json *j, char c)
{
	bool nonempty = *json_slot(j);

	if (j->depth > 0)
		j->depth--;
	if (nonempty)
		json_newline(j);
	fputc(c, j->f);
}

void json_init(struct json *j, FILE *f, bool pretty)
{
	int i;

	j->f = f;
	j->pretty = pretty;
	j->depth = 0;
	j->after_key = false;
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		j->need_comma[i] = false;
}

void json_obj_begin(struct json *j)
{
	json_open(j, '{');
}

void json_obj_end(struct json *j)
{
	json_close(j, '}');
}

void json_arr_begin(struct json *j)
{
	json_open(j, '[');
}

void json_arr_end(struct json *j)
{
	json_close(j, ']');
}

/* Length of the valid UTF-8 sequence of two or more bytes at s, or 0. */
static int utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int n, i;

	if (*s >= 0xc2 && *s <= 0xdf)
		n = 2;
	else if (*s >= 0xe0 && *s <= 0xef)
		n = 3;
	else if (*s >= 0xf0 && *s <= 0xf4)
		n = 4;
	else
		return 0;
	/* Second-byte limits rule out overlong forms, surrogates and > U+10FFFF. */
	if (*s == 0xe0)
		lo = 0xa0;
	else if (*s == 0xed)
		hi = 0x9f;
	else if (*s == 0xf0)
		lo = 0x90;
	else if (*s == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	/* A NUL terminator is not a continuation byte, so this stops in bounds. */
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static void json_escape_char(FILE *f, unsigned char c)
{
	switch (c) {
	case '"':
		fputs("\\\"", f);
		break;
	case '\\':
		fputs("\\\\", f);
		break;
	case '\b':
		fputs("\\b", f);
		break;
	case '\f':
		fputs("\\f", f);
		break;
	case '\n':
		fputs("\\n", f);
		break;
	case '\r':
		fputs("\\r", f);
		break;
	case '\t':
		fputs("\\t", f);
		break;
	default:
		if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

static void json_write_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int n;

	fputc('"', f);
	while (*s) {
		if (*s < 0x80) {
			json_escape_char(f, *s++);
			continue;
		}
		n = utf8_len(s);
		if (n) {
			fwrite(s, 1, n, f);
			s += n;
		} else {
			fputs("\\ufffd", f);
			s++;
		}
	}
	fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_write_string(j->f, key ? key : "");
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_value_begin(j);
	json_write_string(j->f, s);
}

void json_uint(struct json *j, uint64_t v)
{
	json_value_begin(j);
	fprintf(j->f, "%" PRIu64, v);
}

void json_int(struct json *j, int64_t v)
{
	json_value_begin(j);
	fprintf(j->f, "%" PRId64, v);
}

void json_bool(struct json *j, bool v)
{
	json_value_begin(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	json_value_begin(j);
	fputs("null", j->f);
}

void json_finish(struct json *j)
{
	fputc('\n', j->f);
	json_init(j, j->f, j->pretty);
}

void json_kv_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kv_uint(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

void json_kv_int(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}
