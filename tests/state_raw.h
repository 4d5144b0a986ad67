/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Building state records by hand, for the tests that need records the
 * encoder would never write (unknown tags, bad lengths, other versions,
 * arbitrary payloads): raw TLVs, and the version-1 header around them.
 * Shared by tests/unit/test_state.c and the state fuzzer and its seeds.
 */
#ifndef BPFAPPLY_TESTS_STATE_RAW_H
#define BPFAPPLY_TESTS_STATE_RAW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/fingerprint.h"
#include "core/state.h"

#define STATE_RAW_HDR 32

struct tb {
	uint8_t buf[4096];
	size_t len;
	bool overflow; /* a TLV did not fit; the buffer is unchanged by it */
};

static inline void tb_le(uint8_t *p, uint64_t v, int width)
{
	int i;

	for (i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void tb_tlv(struct tb *b, uint16_t tag, const void *val, uint32_t len)
{
	if (b->len + 6 + len > sizeof(b->buf)) {
		b->overflow = true;
		return;
	}
	tb_le(b->buf + b->len, tag, 2);
	tb_le(b->buf + b->len + 2, len, 4);
	if (len)
		memcpy(b->buf + b->len + 6, val, len);
	b->len += 6 + len;
}

static inline void tb_uint(struct tb *b, uint16_t tag, uint64_t v, int width)
{
	uint8_t tmp[8];

	tb_le(tmp, v, width);
	tb_tlv(b, tag, tmp, (uint32_t)width);
}

static inline void tb_str(struct tb *b, uint16_t tag, const char *s)
{
	tb_tlv(b, tag, s, (uint32_t)strlen(s));
}

static inline void tb_nest(struct tb *b, uint16_t tag, const struct tb *inner)
{
	tb_tlv(b, tag, inner->buf, (uint32_t)inner->len);
	b->overflow |= inner->overflow;
}

/*
 * The header (hdr_size >= 32 bytes, extra bytes zero) and the zlib payload
 * around raw, as state_encode() lays them out; the length is rounded up to
 * pad (0: none) with zeros.  malloc'd, NULL on failure.
 */
static inline uint8_t *state_raw_wrap(const uint8_t *raw, size_t raw_len, uint16_t version,
				      uint16_t hdr_size, uint64_t serial, size_t pad,
				      size_t *out_len)
{
	uLongf clen = compressBound(raw_len);
	uint8_t *out = calloc(1, hdr_size + clen + pad);
	size_t len;

	if (!out || compress2(out + hdr_size, &clen, raw, raw_len, Z_BEST_SPEED) != Z_OK) {
		free(out);
		return NULL;
	}
	memcpy(out, STATE_MAGIC, 4);
	tb_le(out + 4, version, 2);
	tb_le(out + 6, hdr_size, 2);
	tb_le(out + 8, serial, 8);
	tb_le(out + 16, raw_len, 4);
	tb_le(out + 20, clen, 4);
	tb_le(out + 24, fp_buf(raw, raw_len), 8);
	len = hdr_size + clen;
	if (pad)
		len = (len + pad - 1) / pad * pad;
	*out_len = len;
	return out;
}

#endif
