/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fingerprints.  Every item fed to a struct fp is preceded by a one-byte
 * type tag and, for variable-length items, its length as a little-endian
 * u64, so that two different sequences of calls cannot produce the same
 * byte stream: fp_str("ab") + fp_str("c") hashes "S 2 ab S 1 c", never
 * the same as "S 1 a S 2 bc".  Integers are hashed little-endian whatever
 * the host, so a fingerprint stored in a state record means the same thing
 * on every machine.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "core/fingerprint.h"

enum fp_tag {
	FP_TAG_U32 = 'w',
	FP_TAG_U64 = 'q',
	FP_TAG_STR = 's',
	FP_TAG_NULL_STR = 'n',
	FP_TAG_BYTES = 'b',
};

/*
 * The items are small (a tag and a few bytes, millions of them for a map's
 * entries): they are gathered here and handed to XXH3 in bigger pieces.
 * XXH3's result does not depend on how its input is split.
 */
struct fp_state {
	XXH3_state_t *x;
	size_t n;
	uint8_t buf[4096];
};

static void fp_flush(struct fp_state *st)
{
	if (st->n)
		XXH3_64bits_update(st->x, st->buf, st->n);
	st->n = 0;
}

static void fp_feed(struct fp *f, const void *p, size_t len)
{
	struct fp_state *st = f->state;

	/* fp_init() failed: the caller sees it there, and fp_final() returns 0. */
	if (!st)
		return;
	if (st->n + len > sizeof(st->buf))
		fp_flush(st);
	if (len > sizeof(st->buf)) {
		XXH3_64bits_update(st->x, p, len);
		return;
	}
	memcpy(st->buf + st->n, p, len);
	st->n += len;
}

static void fp_le(struct fp *f, uint8_t tag, uint64_t v, int width)
{
	uint8_t b[9];
	int i;

	b[0] = tag;
	for (i = 0; i < width; i++)
		b[1 + i] = (uint8_t)(v >> (8 * i));
	fp_feed(f, b, 1 + width);
}

int fp_init(struct fp *f)
{
	struct fp_state *st;

	f->state = NULL;
	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->n = 0;
	st->x = XXH3_createState();
	if (!st->x) {
		free(st);
		return -ENOMEM;
	}
	if (XXH3_64bits_reset(st->x) != XXH_OK) {
		XXH3_freeState(st->x);
		free(st);
		return -EINVAL;
	}
	f->state = st;
	return 0;
}

void fp_u32(struct fp *f, uint32_t v)
{
	fp_le(f, FP_TAG_U32, v, 4);
}

void fp_u64(struct fp *f, uint64_t v)
{
	fp_le(f, FP_TAG_U64, v, 8);
}

void fp_str(struct fp *f, const char *s)
{
	size_t len;

	if (!s) {
		fp_le(f, FP_TAG_NULL_STR, 0, 0);
		return;
	}
	len = strlen(s);
	fp_le(f, FP_TAG_STR, len, 8);
	fp_feed(f, s, len);
}

void fp_bytes(struct fp *f, const void *p, size_t len)
{
	fp_bytes_begin(f, len);
	fp_bytes_more(f, p, len);
}

void fp_bytes_begin(struct fp *f, size_t len)
{
	fp_le(f, FP_TAG_BYTES, len, 8);
}

void fp_bytes_more(struct fp *f, const void *p, size_t len)
{
	if (len)
		fp_feed(f, p, len);
}

uint64_t fp_final(struct fp *f)
{
	struct fp_state *st = f->state;
	uint64_t h;

	if (!st)
		return 0;
	fp_flush(st);
	h = XXH3_64bits_digest(st->x);
	XXH3_freeState(st->x);
	free(st);
	f->state = NULL;
	return h;
}

/* Plain XXH3 of a buffer, no framing: what the state header's checksum uses. */
uint64_t fp_buf(const void *p, size_t len)
{
	return XXH3_64bits(p, len);
}
