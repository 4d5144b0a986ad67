/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writes the seed corpus of fuzz_state into the directory given:
 *   enc-*.bin  whole records, as state_encode() writes them (and a few
 *              hand-made variants: grown header, zero padding, version 2);
 *   raw-*.bin  raw TLV payloads, which fuzz_state also wraps in a valid
 *              header, so that mutations reach the TLV decoder.
 * Usage: make_state_seeds DIR   (fuzz.mk: make fuzz-seeds)
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


static const char *g_dir;

static void die(const char *what)
{
	fprintf(stderr, "make_state_seeds: %s\n", what);
	exit(1);
}

static void put(const char *name, const uint8_t *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", g_dir, name);
	f = fopen(path, "wb");
	if (!f || (len && fwrite(p, 1, len, f) != len) || fclose(f))
		die(path);
}

static uint64_t get_le(const uint8_t *p, int width)
{
	uint64_t v = 0;
	int i;

	for (i = width - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* A record around raw (see tests/state_raw.h), or die. */
static uint8_t *wrap(const uint8_t *raw, size_t raw_len, unsigned version, unsigned hdr_size,
		     size_t pad, size_t *out_len)
{
	uint8_t *out = state_raw_wrap(raw, raw_len, (uint16_t)version, (uint16_t)hdr_size, 42, pad,
				      out_len);

	if (!out)
		die("state_raw_wrap");
	return out;
}

/* Writes enc-NAME.bin and raw-NAME.bin for s. */
static void put_state(const char *name, const struct state *s)
{
	char fname[256];
	uint8_t *enc, *raw;
	uLongf raw_len;
	size_t len;

	if (state_encode(s, &enc, &len))
		die("state_encode");
	snprintf(fname, sizeof(fname), "enc-%s.bin", name);
	put(fname, enc, len);
	raw_len = get_le(enc + 16, 4);
	raw = malloc(raw_len + 1);
	if (!raw || uncompress(raw, &raw_len, enc + STATE_RAW_HDR, get_le(enc + 20, 4)) != Z_OK)
		die("uncompress");
	snprintf(fname, sizeof(fname), "raw-%s.bin", name);
	put(fname, raw, raw_len);
	free(raw);
	free(enc);
}

/* ---- hand-made TLV payloads ---------------------------------------------- */

/* Tags as state.c documents them (version 1). */
enum { ST_UPDATED_AT = 1, ST_SCOPE = 2, ST_TOOL_VERSION = 3, ST_PENDING = 4, ST_RES = 16 };
enum {
	RT_KIND = 1,
	RT_NAME = 2,
	RT_ID = 3,
	RT_SPEC_FP = 4,
	RT_ENTRIES_FP = 5,
	RT_POLICY = 6,
	RT_FLAGS = 7,
	RT_SUB = 16
};
enum { SBT_KIND = 1, SBT_NAME = 2, SBT_ID = 3 };

/* A later writer's record: unknown tags at every level, fields out of order. */
static void unknown_tags(struct tb *top)
{
	struct tb res = {0}, sub = {0};

	tb_str(&sub, SBT_NAME, "prog");
	tb_uint(&sub, 9, 7, 2); /* unknown */
	tb_uint(&sub, SBT_KIND, SUB_PROG, 1);
	tb_uint(&sub, SBT_ID, 99, 4);

	tb_str(&res, RT_NAME, "entry");
	tb_uint(&res, RT_FLAGS, 0, 4);
	tb_uint(&res, RT_KIND, KIND_PROGRAM, 1);
	tb_tlv(&res, 12, "later", 5); /* unknown */
	tb_tlv(&res, RT_SUB, sub.buf, (uint32_t)sub.len);

	tb_uint(top, 300, 1, 8); /* unknown */
	tb_str(top, ST_SCOPE, "edge");
	tb_uint(top, ST_PENDING, 1, 1);
	tb_tlv(top, ST_RES, res.buf, (uint32_t)res.len);
	tb_str(top, 5, ""); /* unknown, empty */
}

int main(int argc, char **argv)
{
	struct state s = {0};
	struct state_res *r;
	struct tb top = {0};
	uint8_t *rec;
	size_t len;

	if (argc != 2)
		die("usage: make_state_seeds DIR");
	g_dir = argv[1];

	/* nothing but the header and an empty payload */
	put_state("empty", &s);

	s.serial = 7;
	s.updated_at = 1700000000;
	s.scope = strdup("edge");
	s.tool_version = strdup("0.1.0");
	r = state_upsert(&s, KIND_MAP, "counters");
	if (!r)
		die("state_upsert");
	r->id = 12;
	r->spec_fp = 0x1122334455667788ull;
	r->entries_fp = 0x99aabbccddeeff00ull;
	r->policy = 1;
	put_state("one-map", &s);

	r = state_upsert(&s, KIND_MAP, "limits");
	r->id = 13;
	r->flags = STATE_F_PREVENT_DESTROY;
	r = state_upsert(&s, KIND_PROGRAM, "xdp");
	r->spec_fp = 1;
	r->entries_fp = 2;
	if (state_res_add_sub(r, SUB_PROG, "main_func", 31) ||
	    state_res_add_sub(r, SUB_PROG, "bpf_func_process", 32) ||
	    state_res_add_sub(r, SUB_MAP, "rxcnt", 33))
		die("state_res_add_sub");
	r = state_upsert(&s, KIND_ITERATOR, "tasks");
	r->id = 40;
	if (state_res_add_sub(r, SUB_MAP, "counters", 12))
		die("state_res_add_sub");
	s.pending = true;
	put_state("full", &s);

	/* the same record as the kernel map holds it: rounded up to 8 bytes */
	{
		uint8_t *enc, *pad;
		size_t padded;

		if (state_encode(&s, &enc, &len))
			die("state_encode");
		padded = (len + 7) & ~(size_t)7;
		pad = calloc(1, padded);
		if (!pad)
			die("out of memory");
		memcpy(pad, enc, len);
		put("enc-full-padded.bin", pad, padded);
		free(pad);
		free(enc);
	}
	state_free(&s);

	unknown_tags(&top);
	put("raw-unknown-tags.bin", top.buf, top.len);
	if (top.overflow)
		die("seed buffer too small");
	rec = wrap(top.buf, top.len, STATE_VERSION, STATE_RAW_HDR, 0, &len);
	put("enc-unknown-tags.bin", rec, len);
	free(rec);
	/* a later header: 8 more bytes the reader skips */
	rec = wrap(top.buf, top.len, STATE_VERSION, STATE_RAW_HDR + 8, 8, &len);
	put("enc-grown-header.bin", rec, len);
	free(rec);
	/* a newer version: -EPROTO */
	rec = wrap(top.buf, top.len, STATE_VERSION + 1, STATE_RAW_HDR, 0, &len);
	put("enc-version2.bin", rec, len);
	free(rec);
	return 0;
}
