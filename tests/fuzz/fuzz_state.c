/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the state record (state.h), which bpfapply reads back
 * from a BPF map that any root process can overwrite.
 *
 * Each input is decoded twice:
 *   1. as it is, a whole record: header, zlib payload, xxh3 checksum;
 *   2. as the raw TLV payload: the harness compresses it and writes a valid
 *      header with the right checksum around it, padded with zeros to 8
 *      bytes like the map value.  Random bytes almost never get past a
 *      64-bit checksum, so without this the TLV decoder would hardly be
 *      reached.
 * Whenever state_decode() accepts a record, the round trip is checked:
 * encode, decode again, and the two states must be equal; encoding that
 * second state must give the same bytes; state_copy() must give an equal
 * state; every record must be found by state_find().  Then what apply does
 * to the record it read (state_upsert, state_res_copy_subs, state_remove) is
 * run on a copy.  A violation abort()s and is a bug to report.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/fingerprint.h"
#include "core/state.h"
#include "kinds.h"
#include "../state_raw.h"


static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

static bool res_eq(const struct state_res *a, const struct state_res *b)
{
	size_t i;

	if (a->kind != b->kind || !str_eq(a->name, b->name) || a->id != b->id ||
	    a->spec_fp != b->spec_fp || a->entries_fp != b->entries_fp || a->policy != b->policy ||
	    a->flags != b->flags || a->n_subs != b->n_subs)
		return false;
	for (i = 0; i < a->n_subs; i++)
		if (a->subs[i].kind != b->subs[i].kind || a->subs[i].id != b->subs[i].id ||
		    !str_eq(a->subs[i].name, b->subs[i].name))
			return false;
	return true;
}

static bool state_eq(const struct state *a, const struct state *b)
{
	size_t i;

	if (a->serial != b->serial || a->updated_at != b->updated_at ||
	    !str_eq(a->scope, b->scope) || !str_eq(a->tool_version, b->tool_version) ||
	    a->pending != b->pending || a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!res_eq(&a->res[i], &b->res[i]))
			return false;
	return true;
}

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_state: %s\n", what);
	abort();
}

/*
 * What apply does to the state it read back: update records in place, add
 * new ones, copy sub-objects, remove records.  On a copy of s.
 */
static void exercise_ops(const struct state *s)
{
	struct state c;
	struct state_res *r, *added;
	size_t i, n;

	if (state_copy(&c, s))
		fail("state_copy() failed");
	for (i = 0; i < c.n; i++)
		if (state_upsert(&c, c.res[i].kind, c.res[i].name) != &c.res[i])
			fail("state_upsert() of an existing record did not return it");
	n = c.n;
	added = state_upsert(&c, KIND_PROGRAM, "fuzz-added");
	if (!added)
		fail("state_upsert() failed");
	if (c.n != n && c.n != n + 1)
		fail("state_upsert() added more than one record");
	if (n && state_res_copy_subs(added, &c.res[0]))
		fail("state_res_copy_subs() failed");
	if (state_res_add_sub(added, SUB_MAP, "fuzz-sub", 1))
		fail("state_res_add_sub() failed");
	/* remove the original records in their order, then the added one */
	for (i = 0; i < s->n; i++) {
		n = c.n;
		state_remove(&c, s->res[i].kind, s->res[i].name);
		if (c.n != n - 1 || state_find(&c, s->res[i].kind, s->res[i].name))
			fail("state_remove() did not remove exactly the record");
	}
	state_remove(&c, KIND_PROGRAM, "fuzz-added");
	if (c.n || c.res)
		fail("records left after removing them all");
	r = state_find(&c, KIND_PROGRAM, "fuzz-added");
	if (r)
		fail("state_find() found a removed record");
	state_free(&c);
}

/* What must hold for any state the decoder accepted. */
static void check_decoded(const struct state *s)
{
	struct state s2, s3, copy;
	uint8_t *enc, *enc2;
	size_t len, len2, i;
	int err;

	for (i = 0; i < s->n; i++) {
		if (!s->res[i].name)
			fail("decoded a resource without a name");
		if (state_find(s, s->res[i].kind, s->res[i].name) != &s->res[i])
			fail("state_find() does not find a decoded resource (duplicate?)");
	}
	if (state_copy(&copy, s))
		fail("state_copy() failed");
	if (!state_eq(s, &copy))
		fail("state_copy() is not equal to the original");
	state_free(&copy);
	exercise_ops(s);

	err = state_encode(s, &enc, &len);
	if (err == -E2BIG)
		return; /* a record near the size limit can grow when re-encoded */
	if (err)
		fail("state_encode() failed on a decoded state");
	err = state_decode(enc, len, &s2);
	if (err)
		fail("state_decode() rejects what state_encode() wrote");
	if (!state_eq(s, &s2))
		fail("round trip: decode(encode(s)) != s");
	if (state_encode(&s2, &enc2, &len2))
		fail("state_encode() failed on a re-decoded state");
	if (len != len2 || memcmp(enc, enc2, len))
		fail("round trip: encode(decode(encode(s))) != encode(s)");
	/* the map value is rounded up to 8 bytes with zeros: that must still decode */
	{
		size_t padded = (len + 7) & ~(size_t)7;
		uint8_t *p = calloc(1, padded ? padded : 1);

		if (!p)
			fail("out of memory");
		memcpy(p, enc, len);
		if (state_decode(p, padded, &s3))
			fail("state_decode() rejects a zero-padded record");
		if (!state_eq(s, &s3))
			fail("round trip through a zero-padded record differs");
		state_free(&s3);
		free(p);
	}
	state_free(&s2);
	free(enc);
	free(enc2);
}

static void decode_and_check(const uint8_t *buf, size_t len)
{
	struct state s;
	int err;

	err = state_decode(buf, len, &s);
	if (err == 0) {
		check_decoded(&s);
	} else {
		if (err != -EINVAL && err != -EPROTO)
			fail("state_decode(): unexpected error code");
		/* a failed decode leaves nothing to free */
		if (s.res || s.n || s.scope || s.tool_version)
			fail("state_decode() failed but left allocations in the state");
	}
	state_free(&s);
}

/* The input as the raw payload of a well-formed version 1 record. */
static void decode_wrapped(const uint8_t *data, size_t len)
{
	size_t total;
	/* the decoder refuses a raw length over 16 MiB; -max_len keeps inputs far below */
	uint8_t *rec = state_raw_wrap(data, len, STATE_VERSION, STATE_RAW_HDR,
				      0x0102030405060708ull, 8, &total);

	if (!rec)
		fail("state_raw_wrap() failed");
	decode_and_check(rec, total);
	free(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	decode_and_check(data, len);
	decode_wrapped(data, len);
	return 0;
}
