/* SPDX-License-Identifier: GPL-2.0-only */
/* Byte strings and bpftool's DATA syntax. */
#ifndef BPFAPPLY_BYTES_H
#define BPFAPPLY_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bytes {
	uint8_t *data; /* malloc'd; NULL when len == 0 */
	uint32_t len;
};

/*
 * Parse bpftool's DATA syntax: "hex 0f ff" (every token hexadecimal), or
 * tokens in C notation "0x0f 017 15" (0x hex, leading 0 octal, else
 * decimal), one byte per token, 0..255.  On error returns -EINVAL and, if
 * err is not NULL, writes a message (no location) of at most errlen bytes.
 */
int bytes_parse_data(const char *s, struct bytes *out, char *err, size_t errlen);

/*
 * Encode an integer literal (YAML scalar text: decimal, 0x hex, 0o/0 octal,
 * optional leading '-') little-endian in exactly size bytes; negative values
 * are two's complement, sign-extended.  -ERANGE if it does not fit, -EINVAL
 * if it is not an integer.
 */
int bytes_from_int(const char *text, uint32_t size, struct bytes *out);
/* The same into dst (size bytes), without allocating. */
int bytes_from_int_into(const char *text, uint32_t size, uint8_t *dst);

/* Parse a YAML integer literal into *v.  true on success. */
bool parse_int_literal(const char *text, bool *negative, uint64_t *magnitude);

/* "0f ff 00" style lower-case hex, the way bpftool prints bytes. malloc'd. */
char *bytes_to_hex(const uint8_t *data, size_t len);

void bytes_free(struct bytes *b);
int bytes_dup(struct bytes *dst, const void *data, size_t len);
bool bytes_eq(const struct bytes *a, const struct bytes *b);
/* Order: shorter first, then memcmp; for sorting and binary search. */
int bytes_cmp(const struct bytes *a, const struct bytes *b);

#endif
