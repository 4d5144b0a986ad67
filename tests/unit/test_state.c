/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state record's encoding and in-memory operations.  The crafted
 * records below spell the version 1 format out byte by byte, so that a
 * change to the format shows up here and not in a user's kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "unit.h"
#include "core/fingerprint.h"
#include "core/state.h"
#include "kinds.h"
#include "../state_raw.h"

#define HDR STATE_RAW_HDR

/* A record around raw TLVs, as the encoder would write it; fails the test if it cannot. */
static uint8_t *wrap(const struct tb *raw, uint16_t version, uint16_t hdr_size, uint64_t serial,
		     size_t *out_len)
{
	uint8_t *out;

	assert_false(raw->overflow);
	out = state_raw_wrap(raw->buf, raw->len, version, hdr_size, serial, 0, out_len);
	assert_non_null(out);
	return out;
}

static int decode_raw(const struct tb *raw, struct state *s)
{
	uint8_t *buf;
	size_t len;
	int err;

	buf = wrap(raw, 1, HDR, 9, &len);
	err = state_decode(buf, len, s);
	free(buf);
	return err;
}

/* ---- fixtures -------------------------------------------------------------- */

static void build_sample(struct state *s, int n_res)
{
	struct state_res *r;
	char name[32];
	int i, k;

	memset(s, 0, sizeof(*s));
	s->serial = 41;
	s->updated_at = 1700000000;
	s->scope = strdup("edge");
	s->tool_version = strdup("0.1.0");
	for (i = 0; i < n_res; i++) {
		snprintf(name, sizeof(name), "res_%d", i);
		r = state_upsert(s, 1 + i % 3, name);
		assert_non_null(r);
		r->id = 100 + i;
		r->spec_fp = 0x0123456789abcdefULL * (i + 1);
		r->entries_fp = i % 2 ? 0 : UINT64_MAX - i;
		r->policy = i % 3;
		r->flags = i % 2 ? STATE_F_PREVENT_DESTROY : 0;
		/* a link's hook: an ifindex, or a cgroup id beyond 32 bits */
		r->hook_id = i % 5 == 0 ? 0 : i % 5 == 1 ? 7 : (1ULL << 40) + i;
		r->prev_id = i % 3 ? 0 : 7000 + (uint32_t)i;
		for (k = 0; k < i % 4; k++) {
			snprintf(name, sizeof(name), "sub_%d_%d", i, k);
			assert_int_equal(state_res_add_sub(r, 1 + k % 2, name, 1000 * i + k), 0);
		}
	}
}

static void assert_str_eq_or_null(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_state_equal(const struct state *a, const struct state *b)
{
	const struct state_res *x, *y;
	size_t i, k;

	assert_true(a->serial == b->serial);
	assert_true(a->updated_at == b->updated_at);
	assert_str_eq_or_null(a->scope, b->scope);
	assert_str_eq_or_null(a->tool_version, b->tool_version);
	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		x = &a->res[i];
		y = &b->res[i];
		assert_int_equal(x->kind, y->kind);
		assert_string_equal(x->name, y->name);
		assert_int_equal(x->id, y->id);
		assert_true(x->spec_fp == y->spec_fp);
		assert_true(x->entries_fp == y->entries_fp);
		assert_int_equal(x->policy, y->policy);
		assert_int_equal(x->flags, y->flags);
		assert_true(x->hook_id == y->hook_id);
		assert_int_equal(x->prev_id, y->prev_id);
		assert_int_equal(x->n_subs, y->n_subs);
		for (k = 0; k < x->n_subs; k++) {
			assert_int_equal(x->subs[k].kind, y->subs[k].kind);
			assert_string_equal(x->subs[k].name, y->subs[k].name);
			assert_int_equal(x->subs[k].id, y->subs[k].id);
		}
	}
}

/* ---- round trips ------------------------------------------------------------- */

static void test_round_trip(void **unused)
{
	struct state s, d;
	uint8_t *buf;
	size_t len;

	(void)unused;
	build_sample(&s, 7);
	assert_int_equal(state_encode(&s, &buf, &len), 0);
	assert_memory_equal(buf, "BPFA\x01\x00\x20\x00", 8);
	assert_int_equal(state_decode(buf, len, &d), 0);
	assert_state_equal(&s, &d);
	assert_int_equal(d.res[3].n_subs, 3);
	free(buf);
	state_free(&d);
	state_free(&s);
}

static void test_round_trip_empty_and_null(void **unused)
{
	struct state s = {}, d;
	uint8_t *buf;
	size_t len;

	(void)unused;
	assert_int_equal(state_encode(&s, &buf, &len), 0);
	assert_int_equal(state_decode(buf, len, &d), 0);
	assert_state_equal(&s, &d);
	assert_null(d.scope);
	free(buf);
	state_free(&d);

	/* "" is not NULL, in records and in names */
	s.scope = strdup("");
	assert_non_null(state_upsert(&s, KIND_MAP, ""));
	assert_int_equal(state_res_add_sub(&s.res[0], SUB_MAP, "", 0), 0);
	assert_int_equal(state_encode(&s, &buf, &len), 0);
	assert_int_equal(state_decode(buf, len, &d), 0);
	assert_non_null(d.scope);
	assert_string_equal(d.scope, "");
	assert_null(d.tool_version);
	assert_state_equal(&s, &d);
	free(buf);
	state_free(&d);
	state_free(&s);
}

static void test_deterministic(void **unused)
{
	uint8_t *a, *b, *c;
	size_t la, lb, lc;
	struct state s, t, d;

	(void)unused;
	build_sample(&s, 12);
	build_sample(&t, 12);
	assert_int_equal(state_encode(&s, &a, &la), 0);
	assert_int_equal(state_encode(&t, &b, &lb), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	/* decode then encode gives the same bytes back */
	assert_int_equal(state_decode(a, la, &d), 0);
	assert_int_equal(state_encode(&d, &c, &lc), 0);
	assert_int_equal(la, lc);
	assert_memory_equal(a, c, la);
	free(a);
	free(b);
	free(c);
	state_free(&d);
	state_free(&t);
	state_free(&s);
}

static void test_padding(void **unused)
{
	struct state s, d;
	uint8_t *buf, *pad;
	size_t len;

	(void)unused;
	build_sample(&s, 3);
	assert_int_equal(state_encode(&s, &buf, &len), 0);
	pad = calloc(1, len + 16);
	assert_non_null(pad);
	memcpy(pad, buf, len);
	assert_int_equal(state_decode(pad, len + 16, &d), 0);
	assert_state_equal(&s, &d);
	state_free(&d);
	/* only zeros may follow the record */
	pad[len + 9] = 1;
	assert_int_equal(state_decode(pad, len + 16, &d), -EINVAL);
	assert_int_equal(d.n, 0);
	free(pad);
	free(buf);
	state_free(&s);
}

/* ---- rejection ------------------------------------------------------------- */

static void test_bad_magic_and_version(void **unused)
{
	struct state s, d;
	uint8_t *buf;
	size_t len;

	(void)unused;
	build_sample(&s, 2);
	assert_int_equal(state_encode(&s, &buf, &len), 0);
	buf[0] = 'b';
	assert_int_equal(state_decode(buf, len, &d), -EINVAL);
	buf[0] = 'B';
	buf[4] = 2;
	assert_int_equal(state_decode(buf, len, &d), -EPROTO);
	buf[4] = 0;
	assert_int_equal(state_decode(buf, len, &d), -EINVAL);
	buf[5] = 1; /* 256 */
	assert_int_equal(state_decode(buf, len, &d), -EPROTO);
	buf[4] = 1;
	buf[5] = 0;
	assert_int_equal(state_decode(buf, len, &d), 0);
	state_free(&d);
	/* header size below the fixed fields */
	buf[6] = 31;
	assert_int_equal(state_decode(buf, len, &d), -EINVAL);
	assert_int_equal(state_decode(NULL, 0, &d), -EINVAL);
	free(buf);
	state_free(&s);
}

/* A newer version is recognised even from its first eight bytes. */
static void test_newer_version_short(void **unused)
{
	const uint8_t v2[8] = { 'B', 'P', 'F', 'A', 2, 0, 64, 0 };
	struct state d;

	(void)unused;
	assert_int_equal(state_decode(v2, sizeof(v2), &d), -EPROTO);
}

static void test_every_prefix(void **unused)
{
	struct state s, d;
	uint8_t *buf, *copy;
	size_t len, i;

	(void)unused;
	build_sample(&s, 5);
	assert_int_equal(state_encode(&s, &buf, &len), 0);
	for (i = 0; i < len; i++) {
		/* an exact-size heap copy, so that valgrind sees any overread */
		copy = malloc(i ? i : 1);
		assert_non_null(copy);
		memcpy(copy, buf, i);
		assert_int_equal(state_decode(copy, i, &d), -EINVAL);
		assert_int_equal(d.n, 0);
		assert_null(d.scope);
		free(copy);
	}
	free(buf);
	state_free(&s);
}

/*
 * No single-bit flip gets a different record through, with one exception
 * by design: the serial is outside the checksum (it decodes, to a different
 * serial).  Some flips are harmless rather than caught: deflate is not a
 * canonical encoding (padding bits of the last byte, some code-table bits),
 * so they decode to the very same record, which is what we check.
 */
static void test_flipped_bytes(void **unused)
{
	int bit, err;
	struct state s, d;
	uint8_t *buf;
	size_t len, i;

	(void)unused;
	build_sample(&s, 4);
	assert_int_equal(state_encode(&s, &buf, &len), 0);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			buf[i] ^= 1u << bit;
			err = state_decode(buf, len, &d);
			if (i >= 8 && i < 16) {
				assert_int_equal(err, 0);
				assert_true(d.serial != s.serial);
			} else if (i == 4 || i == 5) {
				assert_true(err == -EINVAL || err == -EPROTO);
			} else if (err == 0) {
				assert_state_equal(&s, &d);
			} else {
				assert_int_equal(err, -EINVAL);
			}
			state_free(&d);
			buf[i] ^= 1u << bit;
		}
	}
	free(buf);
	state_free(&s);
}

/* Random damage, many times over: errors only, never a crash or a leak. */
static void test_random_damage(void **unused)
{
	unsigned int seed = 12345;
	struct state s, d;
	uint8_t *buf, *copy;
	size_t len, at;
	int i, k, err;

	(void)unused;
	build_sample(&s, 6);
	assert_int_equal(state_encode(&s, &buf, &len), 0);
	copy = malloc(len);
	assert_non_null(copy);
	for (i = 0; i < 2000; i++) {
		memcpy(copy, buf, len);
		for (k = 0; k < 1 + i % 5; k++) {
			at = rand_r(&seed) % len;
			copy[at] = rand_r(&seed);
		}
		err = state_decode(copy, len, &d);
		assert_true(err == 0 || err == -EINVAL || err == -EPROTO);
		state_free(&d);
	}
	free(copy);
	free(buf);
	state_free(&s);
}

/* ---- crafted records ----------------------------------------------------------- */

static void add_res(struct tb *raw, uint8_t kind, const char *name, const struct tb *extra)
{
	struct tb r = {};

	tb_uint(&r, 1, kind, 1);
	tb_str(&r, 2, name);
	tb_uint(&r, 3, 7, 4);
	if (extra) {
		memcpy(r.buf + r.len, extra->buf, extra->len);
		r.len += extra->len;
	}
	tb_nest(raw, 16, &r);
}

static void test_unknown_tags_skipped(void **unused)
{
	struct tb raw = {}, res = {}, sub = {};
	uint8_t *buf;
	struct state d;
	size_t len;

	(void)unused;
	tb_str(&raw, 99, "a field from the future");
	tb_uint(&raw, 1, 1234, 8);
	tb_str(&raw, 2, "edge");
	tb_tlv(&raw, 0xffff, NULL, 0);

	tb_uint(&sub, 3, 55, 4);
	tb_uint(&sub, 40, 1, 1);
	tb_str(&sub, 2, "main_func");
	tb_uint(&sub, 1, SUB_PROG, 1);

	tb_tlv(&res, 0x1000, "xyz", 3);
	tb_uint(&res, 4, 0xfeedULL, 8);
	tb_uint(&res, 5, 0xbeefULL, 8);
	tb_uint(&res, 6, 2, 1);
	tb_uint(&res, 7, STATE_F_PREVENT_DESTROY, 4);
	tb_nest(&res, 16, &sub);
	tb_nest(&res, 17, &sub); /* a later nested kind */
	tb_str(&res, 2, "xdp");
	tb_uint(&res, 1, KIND_PROGRAM, 1);
	tb_nest(&raw, 16, &res);
	tb_str(&raw, 3, "9.9.9");

	assert_int_equal(decode_raw(&raw, &d), 0);
	assert_true(d.serial == 9);
	assert_true(d.updated_at == 1234);
	assert_string_equal(d.scope, "edge");
	assert_string_equal(d.tool_version, "9.9.9");
	assert_int_equal(d.n, 1);
	assert_int_equal(d.res[0].kind, KIND_PROGRAM);
	assert_string_equal(d.res[0].name, "xdp");
	assert_int_equal(d.res[0].id, 0);
	assert_true(d.res[0].spec_fp == 0xfeed);
	assert_true(d.res[0].entries_fp == 0xbeef);
	assert_int_equal(d.res[0].policy, 2);
	assert_int_equal(d.res[0].flags, STATE_F_PREVENT_DESTROY);
	assert_int_equal(d.res[0].n_subs, 1);
	assert_int_equal(d.res[0].subs[0].kind, SUB_PROG);
	assert_string_equal(d.res[0].subs[0].name, "main_func");
	assert_int_equal(d.res[0].subs[0].id, 55);
	state_free(&d);

	/* a longer header (a later version 1 writer) is skipped too */
	buf = wrap(&raw, 1, 48, 3, &len);
	memset(buf + 32, 0xaa, 16);
	assert_int_equal(state_decode(buf, len, &d), 0);
	assert_int_equal(d.n, 1);
	state_free(&d);
	free(buf);
}

/* Each of these is well-framed zlib with a valid checksum, and still wrong. */
static void test_malformed_payloads(void **unused)
{
	struct tb raw, extra, sub;
	struct state d;
	int i;

	(void)unused;
	for (i = 0; i < 11; i++) {
		memset(&raw, 0, sizeof(raw));
		memset(&extra, 0, sizeof(extra));
		memset(&sub, 0, sizeof(sub));
		switch (i) {
		case 0: /* duplicate resource */
			add_res(&raw, KIND_MAP, "a", NULL);
			add_res(&raw, KIND_MAP, "a", NULL);
			break;
		case 1: /* duplicate field */
			tb_uint(&extra, 3, 8, 4);
			add_res(&raw, KIND_MAP, "a", &extra);
			break;
		case 2: /* wrong width */
			tb_uint(&extra, 4, 1, 4);
			add_res(&raw, KIND_MAP, "a", &extra);
			break;
		case 3: /* NUL inside a name */
			tb_tlv(&raw, 2, "ed\0ge", 5);
			break;
		case 4: /* resource without a name */
			tb_uint(&extra, 1, KIND_MAP, 1);
			tb_nest(&raw, 16, &extra);
			break;
		case 5: /* resource without a kind */
			tb_str(&extra, 2, "a");
			tb_nest(&raw, 16, &extra);
			break;
		case 6: /* sub without a name */
			tb_uint(&sub, 1, SUB_MAP, 1);
			tb_nest(&extra, 16, &sub);
			add_res(&raw, KIND_PROGRAM, "p", &extra);
			break;
		case 7: /* nested length runs past its parent */
			tb_uint(&sub, 1, SUB_MAP, 1);
			tb_str(&sub, 2, "m");
			tb_nest(&extra, 16, &sub);
			tb_le(extra.buf + 2, sub.len + 1, 4);
			add_res(&raw, KIND_PROGRAM, "p", &extra);
			break;
		case 8: /* a TLV header cut short at the end */
			tb_uint(&raw, 1, 5, 8);
			raw.buf[raw.len++] = 1;
			break;
		case 9: /* top-level duplicate */
			tb_str(&raw, 2, "a");
			tb_str(&raw, 2, "b");
			break;
		case 10: /* updated_at of the wrong width */
			tb_uint(&raw, 1, 5, 4);
			break;
		}
		if (decode_raw(&raw, &d) != -EINVAL)
			fail_msg("malformed case %d decoded", i);
		assert_int_equal(d.n, 0);
	}
}

static void test_header_lies(void **unused)
{
	struct tb raw = {};
	uint8_t *buf, *big;
	struct state d;
	size_t len;

	(void)unused;
	add_res(&raw, KIND_MAP, "a", NULL);
	buf = wrap(&raw, 1, HDR, 1, &len);

	tb_le(buf + 24, fp_buf(raw.buf, raw.len) ^ 1, 8); /* checksum */
	assert_int_equal(state_decode(buf, len, &d), -EINVAL);
	tb_le(buf + 24, fp_buf(raw.buf, raw.len), 8);
	assert_int_equal(state_decode(buf, len, &d), 0);
	state_free(&d);

	tb_le(buf + 16, raw.len + 1, 4); /* raw length too long */
	assert_int_equal(state_decode(buf, len, &d), -EINVAL);
	tb_le(buf + 16, raw.len - 1, 4); /* too short */
	assert_int_equal(state_decode(buf, len, &d), -EINVAL);
	tb_le(buf + 16, 0xffffffff, 4); /* absurd: must not be allocated */
	assert_int_equal(state_decode(buf, len, &d), -EINVAL);
	tb_le(buf + 16, raw.len, 4);

	/* compressed length claims bytes after the zlib stream (non-zero garbage) */
	big = calloc(1, len + 8);
	assert_non_null(big);
	memcpy(big, buf, len);
	big[len] = 0x55;
	tb_le(big + 20, len - HDR + 1, 4);
	assert_int_equal(state_decode(big, len + 8, &d), -EINVAL);
	/* ...and zeros counted as compressed data are just as wrong */
	big[len] = 0;
	assert_int_equal(state_decode(big, len + 8, &d), -EINVAL);
	tb_le(big + 20, 0, 4);
	assert_int_equal(state_decode(big, len + 8, &d), -EINVAL);
	free(big);
	free(buf);
}

/* ---- in-memory operations -------------------------------------------------------- */

static void test_upsert_find_remove(void **unused)
{
	struct state s = {};
	struct state_res *r;

	(void)unused;
	assert_null(state_find(&s, KIND_MAP, "a"));
	assert_non_null(state_upsert(&s, KIND_MAP, "a"));
	assert_non_null(state_upsert(&s, KIND_PROGRAM, "a"));
	r = state_upsert(&s, KIND_MAP, "b");
	assert_non_null(r);
	r->id = 5;
	assert_non_null(state_upsert(&s, KIND_ITERATOR, "c"));
	assert_int_equal(s.n, 4);
	/* upsert of an existing record returns it, untouched */
	r = state_upsert(&s, KIND_MAP, "b");
	assert_int_equal(r->id, 5);
	assert_int_equal(s.n, 4);
	assert_ptr_equal(state_find(&s, KIND_MAP, "b"), r);
	assert_null(state_find(&s, KIND_ITERATOR, "b"));
	assert_null(state_find(&s, KIND_MAP, NULL));
	assert_null(state_upsert(&s, KIND_MAP, NULL));

	state_remove(&s, KIND_PROGRAM, "a");
	state_remove(&s, KIND_PROGRAM, "nope");
	assert_int_equal(s.n, 3);
	/* insertion order survives removal */
	assert_string_equal(s.res[0].name, "a");
	assert_string_equal(s.res[1].name, "b");
	assert_string_equal(s.res[2].name, "c");
	state_remove(&s, KIND_ITERATOR, "c");
	state_remove(&s, KIND_MAP, "a");
	state_remove(&s, KIND_MAP, "b");
	assert_int_equal(s.n, 0);
	assert_non_null(state_upsert(&s, KIND_MAP, "d"));
	assert_int_equal(s.n, 1);
	state_free(&s);
	state_free(&s); /* idempotent */
	state_free(NULL);
}

static void test_subs(void **unused)
{
	struct state s = {};
	struct state_res *r;

	(void)unused;
	r = state_upsert(&s, KIND_PROGRAM, "xdp");
	assert_non_null(r);
	assert_int_equal(state_res_add_sub(r, SUB_PROG, "main_func", 10), 0);
	assert_int_equal(state_res_add_sub(r, SUB_MAP, "rxcnt", 11), 0);
	assert_int_equal(state_res_add_sub(r, SUB_MAP, NULL, 12), -EINVAL);
	assert_int_equal(r->n_subs, 2);
	assert_string_equal(r->subs[1].name, "rxcnt");
	assert_int_equal(r->subs[1].id, 11);
	state_res_clear_subs(r);
	assert_int_equal(r->n_subs, 0);
	assert_null(r->subs);
	state_res_clear_subs(r);
	assert_int_equal(state_res_add_sub(r, SUB_PROG, "again", 1), 0);
	state_free(&s);
}

static void test_copy(void **unused)
{
	struct state s, c;

	(void)unused;
	build_sample(&s, 6);
	assert_int_equal(state_copy(&c, &s), 0);
	assert_state_equal(&s, &c);
	/* deep: changing the source leaves the copy alone */
	assert_ptr_not_equal(s.res, c.res);
	assert_ptr_not_equal(s.res[2].subs, c.res[2].subs);
	s.res[2].name[0] = 'X';
	s.res[2].subs[0].name[0] = 'X';
	s.scope[0] = 'X';
	assert_string_equal(c.res[2].name, "res_2");
	assert_string_equal(c.res[2].subs[0].name, "sub_2_0");
	assert_string_equal(c.scope, "edge");
	state_free(&c);
	state_free(&s);

	memset(&s, 0, sizeof(s));
	assert_int_equal(state_copy(&c, &s), 0);
	assert_int_equal(c.n, 0);
	assert_null(c.res);
	state_free(&c);
}

/* Names must be set: encode refuses a record it could not decode back. */
static void test_encode_rejects_null_name(void **unused)
{
	struct state s = {};
	struct state_res r = {};
	uint8_t *buf;
	size_t len;

	(void)unused;
	s.res = &r;
	s.n = 1;
	assert_int_equal(state_encode(&s, &buf, &len), -EINVAL);
	assert_null(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_empty_and_null),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_bad_magic_and_version),
		cmocka_unit_test(test_newer_version_short),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_flipped_bytes),
		cmocka_unit_test(test_random_damage),
		cmocka_unit_test(test_unknown_tags_skipped),
		cmocka_unit_test(test_malformed_payloads),
		cmocka_unit_test(test_header_lies),
		cmocka_unit_test(test_upsert_find_remove),
		cmocka_unit_test(test_subs),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_encode_rejects_null_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
