// SPDX-License-Identifier: GPL-2.0-only
/* Byte strings, bpftool's DATA syntax and little-endian integers. */
#include "core/bytes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Digits of one number in base, stopping at end (exclusive).  Saturates
 * instead of wrapping so callers can tell "too big" from "not a number".
 * Returns -EINVAL for a bad or missing digit, -ERANGE on overflow.
 */
static int parse_digits(const char *p, const char *end, unsigned base, uint64_t *out)
{
	uint64_t v = 0;
	bool overflow = false;

	if (p == end)
		return -EINVAL;
	for (; p < end; p++) {
		int dv = digit_value(*p);

		if (dv < 0 || (unsigned)dv >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - (unsigned)dv) / base)
			overflow = true;
		else
			v = v * base + (unsigned)dv;
	}
	*out = v;
	return overflow ? -ERANGE : 0;
}

/* The integer forms a manifest accepts: -?(0x hex | 0o octal | 0 octal | decimal). */
static int int_literal(const char *text, bool *negative, uint64_t *magnitude)
{
	const char *p = text;
	unsigned base = 10;

	if (!text)
		return -EINVAL;
	*negative = false;
	if (*p == '-') {
		*negative = true;
		p++;
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && p[1] == 'o') {
		base = 8;
		p += 2;
	} else if (p[0] == '0' && p[1] != '\0') {
		base = 8;
		p += 1;
	}
	return parse_digits(p, p + strlen(p), base, magnitude);
}

bool parse_int_literal(const char *text, bool *negative, uint64_t *magnitude)
{
	bool neg;
	uint64_t mag;

	if (int_literal(text, &neg, &mag))
		return false;
	if (negative)
		*negative = neg;
	if (magnitude)
		*magnitude = mag;
	return true;
}

static bool int_fits(bool neg, uint64_t mag, uint32_t size)
{
	if (mag == 0)
		return true;
	if (size == 0)
		return false;
	if (!neg)
		return size >= 8 || mag < (UINT64_C(1) << (8 * size));
	if (size > 8)
		return true; /* magnitude is at most 2^64 - 1 */
	return mag <= (UINT64_C(1) << (8 * size - 1));
}

int bytes_from_int_into(const char *text, uint32_t size, uint8_t *dst)
{
	uint64_t mag, v;
	uint32_t i;
	bool neg;
	int err;

	err = int_literal(text, &neg, &mag);
	if (err)
		return err;
	if (!int_fits(neg, mag, size))
		return -ERANGE;
	v = neg ? (~mag + 1) : mag;
	for (i = 0; i < size; i++) {
		if (i < 8)
			dst[i] = (uint8_t)(v >> (8 * i));
		else
			dst[i] = (neg && mag) ? 0xff : 0;
	}
	return 0;
}

int bytes_from_int(const char *text, uint32_t size, struct bytes *out)
{
	uint8_t none[1];
	int err;

	out->data = NULL;
	out->len = 0;
	if (size == 0)
		return bytes_from_int_into(text, 0, none);
	out->data = malloc(size);
	if (!out->data)
		return -ENOMEM;
	err = bytes_from_int_into(text, size, out->data);
	if (err) {
		free(out->data);
		out->data = NULL;
		return err;
	}
	out->len = size;
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* One DATA token [p, end): hex digits in hex mode, else C notation like strtoul base 0. */
static int data_token(const char *p, const char *end, bool hex, uint64_t *v)
{
	unsigned base = 10;

	if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (hex) {
		base = 16;
	} else if (p[0] == '0' && end - p > 1) {
		base = 8;
		p++;
	}
	return parse_digits(p, end, base, v);
}

static void set_err(char *err, size_t errlen, const char *fmt, const char *tok, int toklen)
{
	if (!err || !errlen)
		return;
	/* Long garbage would drown the message: show at most 32 characters. */
	snprintf(err, errlen, fmt, toklen > 32 ? 32 : toklen, tok, toklen > 32 ? "..." : "");
}

int bytes_parse_data(const char *s, struct bytes *out, char *err, size_t errlen)
{
	const char *p = s, *end;
	bool hex = false, first = true;
	uint8_t *buf;
	uint32_t n = 0;

	out->data = NULL;
	out->len = 0;
	if (err && errlen)
		err[0] = '\0';
	/* Every token is at least one character plus a separator. */
	buf = malloc(strlen(s) / 2 + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		uint64_t v;
		int r;

		while (is_space(*p))
			p++;
		if (!*p)
			break;
		for (end = p; *end && !is_space(*end); end++)
			;
		if (first && end - p == 3 && !strncmp(p, "hex", 3)) {
			hex = true;
			first = false;
			p = end;
			continue;
		}
		first = false;
		r = data_token(p, end, hex, &v);
		if (r == -EINVAL) {
			set_err(err, errlen,
				hex ? "bad byte \"%.*s%s\": expected a hex byte 00..ff"
				    : "bad byte \"%.*s%s\": expected 0..255 as decimal, 0x hex or 0 octal",
				p, (int)(end - p));
			goto free_buf;
		}
		if (r == -ERANGE || v > 255) {
			set_err(err, errlen, "byte \"%.*s%s\" is out of range 0..255", p, (int)(end - p));
			goto free_buf;
		}
		buf[n++] = (uint8_t)v;
		p = end;
	}
	if (n == 0) {
		free(buf);
		return 0;
	}
	out->data = buf;
	out->len = n;
	return 0;
free_buf:
	free(buf);
	return -EINVAL;
}

char *bytes_to_hex(const uint8_t *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *s, *q;
	size_t i;

	s = malloc(len ? len * 3 : 1);
	if (!s)
		return NULL;
	q = s;
	for (i = 0; i < len; i++) {
		if (i)
			*q++ = ' ';
		*q++ = digits[data[i] >> 4];
		*q++ = digits[data[i] & 0xf];
	}
	*q = '\0';
	return s;
}

void bytes_free(struct bytes *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

int bytes_dup(struct bytes *dst, const void *data, size_t len)
{
	dst->data = NULL;
	dst->len = 0;
	if (len > UINT32_MAX)
		return -E2BIG;
	if (!len)
		return 0;
	dst->data = malloc(len);
	if (!dst->data)
		return -ENOMEM;
	memcpy(dst->data, data, len);
	dst->len = (uint32_t)len;
	return 0;
}

bool bytes_eq(const struct bytes *a, const struct bytes *b)
{
	if (a->len != b->len)
		return false;
	return a->len == 0 || memcmp(a->data, b->data, a->len) == 0;
}

int bytes_cmp(const struct bytes *a, const struct bytes *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->len ? memcmp(a->data, b->data, a->len) : 0;
}
