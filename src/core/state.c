/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state record: in-memory operations and the version 1 encoding.
 *
 * Header (STATE_HDR_SIZE bytes, little-endian):
 *   0  "BPFA"   4  u16 version   6  u16 header size   8  u64 serial
 *   16 u32 raw payload length    20 u32 compressed length
 *   24 u64 xxh3 of the raw payload
 * The payload that follows is zlib data; once inflated it is a sequence of
 * TLV records (u16 tag, u32 length, value), integers little-endian and
 * strings without a terminator.  A resource is one TLV whose value is
 * itself a TLV sequence, and so is each of its sub-objects.
 *
 * The record is read back from a kernel map that anyone with CAP_BPF can
 * write, so the decoder trusts nothing: every length is checked against
 * what is left, and every failure is -EINVAL.  A reader skips tags it does
 * not know, which lets a later writer add fields within version 1; the
 * header size lets it grow the header too.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/fingerprint.h"
#include "core/nameidx.h"
#include "core/state.h"

#define STATE_HDR_SIZE 32
/* Far more than any scope needs; bounds what a forged header makes us allocate. */
#define STATE_MAX_RAW (16u << 20)
#define TLV_HDR 6

enum state_tag {
	ST_UPDATED_AT = 1,   /* u64 */
	ST_SCOPE = 2,        /* string */
	ST_TOOL_VERSION = 3, /* string */
	ST_PENDING = 4,      /* u8: written by an apply whose commit did not finish */
	ST_RES = 16,         /* nested: enum res_tag */
};

enum res_tag {
	RT_KIND = 1,       /* u8 */
	RT_NAME = 2,       /* string */
	RT_ID = 3,         /* u32 */
	RT_SPEC_FP = 4,    /* u64 */
	RT_ENTRIES_FP = 5, /* u64 */
	RT_POLICY = 6,     /* u8 */
	RT_FLAGS = 7,      /* u32 */
	RT_HOOK_ID = 8,    /* u64, links only */
	RT_PREV_ID = 9,    /* u32, only when not 0 (intent records) */
	RT_SUB = 16,       /* nested: enum sub_tag, repeated */
};

enum sub_tag {
	SBT_KIND = 1, /* u8 */
	SBT_NAME = 2, /* string */
	SBT_ID = 3,   /* u32 */
};

static void put_le(uint8_t *dst, uint64_t v, int width)
{
	int i;

	for (i = 0; i < width; i++)
		dst[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *src, int width)
{
	uint64_t v = 0;
	int i;

	for (i = width - 1; i >= 0; i--)
		v = (v << 8) | src[i];
	return v;
}

/* ---- encoding -------------------------------------------------------------- */

/* A growing buffer with a sticky error, so that the encoders stay linear. */
struct wbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	int err;
};

static uint8_t *wb_reserve(struct wbuf *w, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (w->err)
		return NULL;
	if (n > STATE_MAX_RAW || w->len + n > STATE_MAX_RAW) {
		w->err = -E2BIG;
		return NULL;
	}
	if (w->len + n > w->cap) {
		cap = w->cap ? w->cap : 256;
		while (cap < w->len + n)
			cap *= 2;
		p = realloc(w->p, cap);
		if (!p) {
			w->err = -ENOMEM;
			return NULL;
		}
		w->p = p;
		w->cap = cap;
	}
	p = w->p + w->len;
	w->len += n;
	return p;
}

/* Start a TLV whose length is patched by tlv_close(); returns where it starts. */
static size_t tlv_open(struct wbuf *w, uint16_t tag)
{
	size_t at = w->len;
	uint8_t *p = wb_reserve(w, TLV_HDR);

	if (p) {
		put_le(p, tag, 2);
		put_le(p + 2, 0, 4);
	}
	return at;
}

static void tlv_close(struct wbuf *w, size_t at)
{
	/* wb_reserve() keeps len under STATE_MAX_RAW, so the length fits a u32. */
	if (!w->err)
		put_le(w->p + at + 2, w->len - at - TLV_HDR, 4);
}

static void tlv_uint(struct wbuf *w, uint16_t tag, uint64_t v, int width)
{
	uint8_t *p = wb_reserve(w, TLV_HDR + width);

	if (!p)
		return;
	put_le(p, tag, 2);
	put_le(p + 2, width, 4);
	put_le(p + TLV_HDR, v, width);
}

static void tlv_str(struct wbuf *w, uint16_t tag, const char *s)
{
	size_t len = strlen(s);
	uint8_t *p = wb_reserve(w, TLV_HDR + len);

	if (!p)
		return;
	put_le(p, tag, 2);
	put_le(p + 2, len, 4);
	memcpy(p + TLV_HDR, s, len);
}

static void encode_res(struct wbuf *w, const struct state_res *r)
{
	size_t at = tlv_open(w, ST_RES), sub_at, i;

	tlv_uint(w, RT_KIND, r->kind, 1);
	tlv_str(w, RT_NAME, r->name);
	tlv_uint(w, RT_ID, r->id, 4);
	tlv_uint(w, RT_SPEC_FP, r->spec_fp, 8);
	tlv_uint(w, RT_ENTRIES_FP, r->entries_fp, 8);
	tlv_uint(w, RT_POLICY, r->policy, 1);
	tlv_uint(w, RT_FLAGS, r->flags, 4);
	if (r->hook_id)
		tlv_uint(w, RT_HOOK_ID, r->hook_id, 8);
	if (r->prev_id)
		tlv_uint(w, RT_PREV_ID, r->prev_id, 4);
	for (i = 0; i < r->n_subs; i++) {
		sub_at = tlv_open(w, RT_SUB);
		tlv_uint(w, SBT_KIND, r->subs[i].kind, 1);
		tlv_str(w, SBT_NAME, r->subs[i].name);
		tlv_uint(w, SBT_ID, r->subs[i].id, 4);
		tlv_close(w, sub_at);
	}
	tlv_close(w, at);
}

static bool state_names_set(const struct state *s)
{
	size_t i, k;

	for (i = 0; i < s->n; i++) {
		if (!s->res[i].name)
			return false;
		for (k = 0; k < s->res[i].n_subs; k++)
			if (!s->res[i].subs[k].name)
				return false;
	}
	return true;
}

static int encode_payload(const struct state *s, struct wbuf *w)
{
	size_t i;

	if (!state_names_set(s))
		return -EINVAL;
	tlv_uint(w, ST_UPDATED_AT, s->updated_at, 8);
	/* Absent rather than empty, so that NULL and "" survive a round trip. */
	if (s->scope)
		tlv_str(w, ST_SCOPE, s->scope);
	if (s->tool_version)
		tlv_str(w, ST_TOOL_VERSION, s->tool_version);
	if (s->pending)
		tlv_uint(w, ST_PENDING, 1, 1);
	for (i = 0; i < s->n; i++)
		encode_res(w, &s->res[i]);
	return w->err;
}

static void put_header(uint8_t *h, uint64_t serial, size_t raw_len, size_t comp_len,
		       uint64_t sum)
{
	memcpy(h, STATE_MAGIC, 4);
	put_le(h + 4, STATE_VERSION, 2);
	put_le(h + 6, STATE_HDR_SIZE, 2);
	put_le(h + 8, serial, 8);
	put_le(h + 16, raw_len, 4);
	put_le(h + 20, comp_len, 4);
	put_le(h + 24, sum, 8);
}

int state_encode(const struct state *s, uint8_t **buf, size_t *len)
{
	struct wbuf w = {};
	uLongf comp_len;
	uint8_t *out;
	int err;

	*buf = NULL;
	*len = 0;
	err = encode_payload(s, &w);
	if (err)
		goto free_raw;
	comp_len = compressBound(w.len);
	out = malloc(STATE_HDR_SIZE + comp_len);
	if (!out) {
		err = -ENOMEM;
		goto free_raw;
	}
	/* A fixed level keeps the bytes stable for a given zlib. */
	if (compress2(out + STATE_HDR_SIZE, &comp_len, w.p, w.len, Z_BEST_COMPRESSION) != Z_OK) {
		err = -ENOMEM;
		free(out);
		goto free_raw;
	}
	put_header(out, s->serial, w.len, comp_len, fp_buf(w.p, w.len));
	*buf = out;
	*len = STATE_HDR_SIZE + comp_len;
free_raw:
	free(w.p);
	return err;
}

/* ---- decoding -------------------------------------------------------------- */

struct rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
};

struct tlv {
	uint16_t tag;
	uint32_t len;
	const uint8_t *val;
};

/* 1 and the next record in *t, 0 at the end, -EINVAL if it is cut short. */
static int tlv_next(struct rbuf *r, struct tlv *t)
{
	size_t left = r->len - r->off;

	if (!left)
		return 0;
	if (left < TLV_HDR)
		return -EINVAL;
	t->tag = get_le(r->p + r->off, 2);
	t->len = get_le(r->p + r->off + 2, 4);
	if (t->len > left - TLV_HDR)
		return -EINVAL;
	t->val = r->p + r->off + TLV_HDR;
	r->off += TLV_HDR + t->len;
	return 1;
}

/*
 * Each known tag may appear once in a record (subs excepted); *seen holds a
 * bit per tag already taken.  A second copy is a malformed record, not a
 * later value winning.
 */
static int take_once(uint32_t *seen, uint16_t tag)
{
	if (*seen & (1u << tag))
		return -EINVAL;
	*seen |= 1u << tag;
	return 0;
}

static int take_uint(const struct tlv *t, int width, uint64_t *v)
{
	if (t->len != (uint32_t)width)
		return -EINVAL;
	*v = get_le(t->val, width);
	return 0;
}

static int take_str(const struct tlv *t, char **s)
{
	char *p;

	/* A C string cannot carry a NUL; one inside is corruption. */
	if (*s || memchr(t->val, '\0', t->len))
		return -EINVAL;
	p = malloc((size_t)t->len + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p, t->val, t->len);
	p[t->len] = '\0';
	*s = p;
	return 0;
}

/* Known tags of a sub-object; anything else is a later field, skipped. */
static int decode_sub_tlv(struct state_sub *sub, uint32_t *seen, const struct tlv *t)
{
	uint64_t v;
	int err;

	if (t->tag < SBT_KIND || t->tag > SBT_ID)
		return 0;
	err = take_once(seen, t->tag);
	if (err)
		return err;
	if (t->tag == SBT_NAME)
		return take_str(t, &sub->name);
	err = take_uint(t, t->tag == SBT_KIND ? 1 : 4, &v);
	if (err)
		return err;
	if (t->tag == SBT_KIND)
		sub->kind = v;
	else
		sub->id = v;
	return 0;
}

static int decode_sub(const struct tlv *outer, struct state_sub *sub)
{
	struct rbuf r = { .p = outer->val, .len = outer->len };
	uint32_t seen = 0;
	struct tlv t;
	int err;

	while ((err = tlv_next(&r, &t)) > 0) {
		err = decode_sub_tlv(sub, &seen, &t);
		if (err)
			break;
	}
	if (!err && (!(seen & (1u << SBT_KIND)) || !sub->name))
		err = -EINVAL;
	return err;
}

static int res_add_decoded_sub(struct state_res *r, const struct tlv *t)
{
	struct state_sub sub = {}, *subs;
	int err;

	err = decode_sub(t, &sub);
	if (err)
		goto free_sub;
	subs = realloc(r->subs, (r->n_subs + 1) * sizeof(*subs));
	if (!subs) {
		err = -ENOMEM;
		goto free_sub;
	}
	r->subs = subs;
	r->subs[r->n_subs++] = sub;
	return 0;
free_sub:
	free(sub.name);
	return err;
}

static int res_set_uint(struct state_res *r, const struct tlv *t)
{
	static const int width[] = {
		[RT_KIND] = 1, [RT_ID] = 4, [RT_SPEC_FP] = 8, [RT_ENTRIES_FP] = 8,
		[RT_POLICY] = 1, [RT_FLAGS] = 4, [RT_HOOK_ID] = 8, [RT_PREV_ID] = 4,
	};
	uint64_t v;
	int err;

	err = take_uint(t, width[t->tag], &v);
	if (err)
		return err;
	switch (t->tag) {
	case RT_KIND:
		r->kind = v;
		break;
	case RT_ID:
		r->id = v;
		break;
	case RT_SPEC_FP:
		r->spec_fp = v;
		break;
	case RT_ENTRIES_FP:
		r->entries_fp = v;
		break;
	case RT_POLICY:
		r->policy = v;
		break;
	case RT_FLAGS:
		r->flags = v;
		break;
	case RT_HOOK_ID:
		r->hook_id = v;
		break;
	case RT_PREV_ID:
		r->prev_id = v;
		break;
	}
	return 0;
}

/* Known tags of a resource; anything else is a later field, skipped. */
static int decode_res_tlv(struct state_res *r, uint32_t *seen, const struct tlv *t)
{
	int err;

	if (t->tag == RT_SUB)
		return res_add_decoded_sub(r, t);
	if (t->tag < RT_KIND || t->tag > RT_PREV_ID)
		return 0;
	err = take_once(seen, t->tag);
	if (err)
		return err;
	if (t->tag == RT_NAME)
		return take_str(t, &r->name);
	return res_set_uint(r, t);
}

static int decode_res(const struct tlv *outer, struct state_res *r)
{
	struct rbuf rb = { .p = outer->val, .len = outer->len };
	uint32_t seen = 0;
	struct tlv t;
	int err;

	while ((err = tlv_next(&rb, &t)) > 0) {
		err = decode_res_tlv(r, &seen, &t);
		if (err)
			break;
	}
	if (!err && (!(seen & (1u << RT_KIND)) || !r->name))
		err = -EINVAL;
	if (err)
		state_res_free(r);
	return err;
}

static int state_add_decoded_res(struct state *s, const struct tlv *t)
{
	struct state_res r = {}, *res;
	int err;

	err = decode_res(t, &r);
	if (err)
		return err;
	if (!s->names)
		s->names = calloc(1, sizeof(*s->names)); /* NULL is fine: state_find searches */
	/* Two records for one object would make state_find() ambiguous. */
	if (state_find(s, r.kind, r.name)) {
		err = -EINVAL;
		goto free_res;
	}
	res = realloc(s->res, (s->n + 1) * sizeof(*res));
	if (!res) {
		err = -ENOMEM;
		goto free_res;
	}
	s->res = res;
	s->res[s->n++] = r;
	return 0;
free_res:
	state_res_free(&r);
	return err;
}

/* Known top-level tags; anything else is a later field, skipped. */
static int decode_top_tlv(struct state *s, uint32_t *seen, const struct tlv *t)
{
	int err;

	if (t->tag == ST_RES)
		return state_add_decoded_res(s, t);
	if (t->tag < ST_UPDATED_AT || t->tag > ST_PENDING)
		return 0;
	err = take_once(seen, t->tag);
	if (err)
		return err;
	if (t->tag == ST_UPDATED_AT)
		return take_uint(t, 8, &s->updated_at);
	if (t->tag == ST_PENDING) {
		uint64_t v = 0;

		err = take_uint(t, 1, &v);
		s->pending = v != 0;
		return err;
	}
	return take_str(t, t->tag == ST_SCOPE ? &s->scope : &s->tool_version);
}

static int decode_payload(const uint8_t *raw, size_t len, struct state *s)
{
	struct rbuf r = { .p = raw, .len = len };
	uint32_t seen = 0;
	struct tlv t;
	int err;

	while ((err = tlv_next(&r, &t)) > 0) {
		err = decode_top_tlv(s, &seen, &t);
		if (err)
			break;
	}
	return err;
}

struct state_hdr {
	uint64_t serial;
	uint32_t raw_len;
	uint32_t comp_len;
	uint64_t sum;
	const uint8_t *payload;
};

static int parse_header(const uint8_t *buf, size_t len, struct state_hdr *h)
{
	size_t hdr_size, i;
	unsigned int version;

	if (len < 8 || memcmp(buf, STATE_MAGIC, 4))
		return -EINVAL;
	version = get_le(buf + 4, 2);
	if (version > STATE_VERSION)
		return -EPROTO;
	if (version == 0 || len < STATE_HDR_SIZE)
		return -EINVAL;
	hdr_size = get_le(buf + 6, 2);
	h->serial = get_le(buf + 8, 8);
	h->raw_len = get_le(buf + 16, 4);
	h->comp_len = get_le(buf + 20, 4);
	h->sum = get_le(buf + 24, 8);
	if (hdr_size < STATE_HDR_SIZE || hdr_size > len || h->comp_len == 0 ||
	    h->comp_len > len - hdr_size || h->raw_len > STATE_MAX_RAW)
		return -EINVAL;
	/* The map value is rounded up to 8 bytes; anything but zeros there is damage. */
	for (i = hdr_size + h->comp_len; i < len; i++)
		if (buf[i])
			return -EINVAL;
	h->payload = buf + hdr_size;
	return 0;
}

static int inflate_payload(const struct state_hdr *h, uint8_t **raw)
{
	uLongf out_len = h->raw_len;
	uLong in_len = h->comp_len;
	uint8_t *p;
	int err = 0;

	/* One spare byte: zlib wants a non-empty buffer even for an empty payload. */
	p = malloc((size_t)h->raw_len + 1);
	if (!p)
		return -ENOMEM;
	if (uncompress2(p, &out_len, h->payload, &in_len) != Z_OK ||
	    out_len != h->raw_len || in_len != h->comp_len ||
	    fp_buf(p, out_len) != h->sum)
		err = -EINVAL;
	if (err) {
		free(p);
		p = NULL;
	}
	*raw = p;
	return err;
}

int state_decode(const uint8_t *buf, size_t len, struct state *s)
{
	struct state_hdr h;
	uint8_t *raw;
	int err;

	memset(s, 0, sizeof(*s));
	if (!buf)
		return -EINVAL;
	err = parse_header(buf, len, &h);
	if (err)
		return err;
	err = inflate_payload(&h, &raw);
	if (err)
		return err;
	s->serial = h.serial;
	err = decode_payload(raw, h.raw_len, s);
	if (err)
		state_free(s);
	free(raw);
	return err;
}
