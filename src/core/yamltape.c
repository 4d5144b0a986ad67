// SPDX-License-Identifier: GPL-2.0-only
/*
 * Events in a few bytes each: an opcode (kind, style, anchor bit), the line
 * as a delta from the last event's, the column, then the text.  The keys
 * "key" and "value" of an entry, written plainly, take no text at all.
 * A million entries take about 32 MB here instead of a tree of nodes, and
 * chunks already played back are freed as the play-back goes on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/yamltape.h"
#include "core/yamltree.h"

#define CHUNK_BYTES (1u << 20)

struct ytape_chunk {
	struct ytape_chunk *next;
	size_t len, cap;
	uint8_t data[];
};

enum {
	OP_SCALAR,
	OP_SEQ,
	OP_MAP,
	OP_SEQ_END,
	OP_MAP_END,
	OP_ALIAS,
	OP_KEY,   /* plain scalar "key" */
	OP_VALUE, /* plain scalar "value" */
};
#define OP_STYLE_SHIFT 3
#define OP_ANCHOR 0x40

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static const uint8_t *get_varint(const uint8_t *p, uint64_t *v)
{
	unsigned shift = 0;

	*v = 0;
	do {
		*v |= (uint64_t)(*p & 0x7f) << shift;
		shift += 7;
	} while (*p++ & 0x80);
	return p;
}

static uint8_t *put_text(uint8_t *p, const yaml_char_t *s, size_t len)
{
	p = put_varint(p, len);
	memcpy(p, s, len);
	p[len] = '\0'; /* played back as C strings, in place */
	return p + len + 1;
}

/* Room for need more bytes at the tail. */
static uint8_t *reserve(struct ytape *tp, size_t need)
{
	struct ytape_chunk *c = tp->tail;

	if (!c || c->cap - c->len < need) {
		size_t cap = need > CHUNK_BYTES ? need : CHUNK_BYTES;

		c = xreallocarray(NULL, 1, sizeof(*c) + cap);
		c->next = NULL;
		c->len = 0;
		c->cap = cap;
		if (tp->tail)
			tp->tail->next = c;
		else
			tp->head = c;
		tp->tail = c;
	}
	return c->data + c->len;
}

static bool plain_word(const yaml_event_t *ev, const char *w)
{
	return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.anchor &&
	       ev->data.scalar.length == strlen(w) && !memcmp(ev->data.scalar.value, w,
							       ev->data.scalar.length);
}

static unsigned opcode(const yaml_event_t *ev, const yaml_char_t **anchor)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		*anchor = ev->data.scalar.anchor;
		if (plain_word(ev, "key"))
			return OP_KEY;
		if (plain_word(ev, "value"))
			return OP_VALUE;
		return OP_SCALAR | (unsigned)ev->data.scalar.style << OP_STYLE_SHIFT;
	case YAML_SEQUENCE_START_EVENT:
		*anchor = ev->data.sequence_start.anchor;
		return OP_SEQ | (unsigned)ev->data.sequence_start.style << OP_STYLE_SHIFT;
	case YAML_MAPPING_START_EVENT:
		*anchor = ev->data.mapping_start.anchor;
		return OP_MAP | (unsigned)ev->data.mapping_start.style << OP_STYLE_SHIFT;
	case YAML_SEQUENCE_END_EVENT:
		return OP_SEQ_END;
	case YAML_MAPPING_END_EVENT:
		return OP_MAP_END;
	default:
		return OP_ALIAS;
	}
}

size_t ytape_put(struct ytape *tp, const yaml_event_t *ev)
{
	const yaml_char_t *anchor = NULL;
	unsigned op = opcode(ev, &anchor), kind = op & 7;
	size_t text = 0, alen = anchor ? strlen((const char *)anchor) : 0;
	uint8_t *p, *start;

	if (kind == OP_SCALAR)
		text = ev->data.scalar.length;
	else if (kind == OP_ALIAS)
		text = strlen((const char *)ev->data.alias.anchor);
	start = p = reserve(tp, 1 + 3 * 10 + text + 1 + alen + 1);
	*p++ = (uint8_t)(op | (anchor ? OP_ANCHOR : 0));
	if (kind != OP_SEQ_END && kind != OP_MAP_END) {
		p = put_varint(p, ev->start_mark.line - tp->line);
		p = put_varint(p, ev->start_mark.column);
		tp->line = ev->start_mark.line;
	}
	if (kind == OP_SCALAR)
		p = put_text(p, ev->data.scalar.value, text);
	else if (kind == OP_ALIAS)
		p = put_text(p, ev->data.alias.anchor, text);
	if (anchor)
		p = put_text(p, anchor, alen);
	tp->tail->len += (size_t)(p - start);
	return (size_t)(p - start);
}

void ytape_read_start(const struct ytape *tp, struct ytape_reader *r)
{
	r->c = tp->head;
	r->off = 0;
	r->line = 0;
}

static const uint8_t *get_text(const uint8_t *p, yaml_char_t **s, size_t *len)
{
	uint64_t n;

	p = get_varint(p, &n);
	*s = (yaml_char_t *)p;
	if (len)
		*len = (size_t)n;
	return p + n + 1;
}

static void set_word(yaml_event_t *ev, const char *w)
{
	ev->type = YAML_SCALAR_EVENT;
	ev->data.scalar.value = (yaml_char_t *)w;
	ev->data.scalar.length = strlen(w);
	ev->data.scalar.style = YAML_PLAIN_SCALAR_STYLE;
}

bool ytape_get(struct ytape_reader *r, yaml_event_t *ev)
{
	const uint8_t *p;
	unsigned op, kind, style;
	yaml_char_t **anchor = NULL;
	uint64_t v;

	while (r->c && r->off == r->c->len) {
		r->c = r->c->next;
		r->off = 0;
	}
	if (!r->c)
		return false;
	p = r->c->data + r->off;
	op = *p++;
	kind = op & 7;
	style = (op >> OP_STYLE_SHIFT) & 7;
	/* what compose_event() reads; anchor and tag lead each of the union's structs */
	ev->data.scalar.anchor = NULL;
	ev->data.scalar.tag = NULL;
	ev->start_mark = (yaml_mark_t){ 0, 0, 0 };
	if (kind != OP_SEQ_END && kind != OP_MAP_END) {
		p = get_varint(p, &v);
		r->line += (size_t)v;
		ev->start_mark.line = r->line;
		p = get_varint(p, &v);
		ev->start_mark.column = (size_t)v;
	}
	ev->end_mark = ev->start_mark;
	switch (kind) {
	case OP_SCALAR:
		ev->type = YAML_SCALAR_EVENT;
		ev->data.scalar.style = (yaml_scalar_style_t)style;
		p = get_text(p, &ev->data.scalar.value, &ev->data.scalar.length);
		anchor = &ev->data.scalar.anchor;
		break;
	case OP_KEY:
		set_word(ev, "key");
		break;
	case OP_VALUE:
		set_word(ev, "value");
		break;
	case OP_SEQ:
		ev->type = YAML_SEQUENCE_START_EVENT;
		ev->data.sequence_start.style = (yaml_sequence_style_t)style;
		anchor = &ev->data.sequence_start.anchor;
		break;
	case OP_MAP:
		ev->type = YAML_MAPPING_START_EVENT;
		ev->data.mapping_start.style = (yaml_mapping_style_t)style;
		anchor = &ev->data.mapping_start.anchor;
		break;
	case OP_SEQ_END:
		ev->type = YAML_SEQUENCE_END_EVENT;
		break;
	case OP_MAP_END:
		ev->type = YAML_MAPPING_END_EVENT;
		break;
	default:
		ev->type = YAML_ALIAS_EVENT;
		p = get_text(p, &ev->data.alias.anchor, NULL);
		break;
	}
	if (anchor && (op & OP_ANCHOR))
		p = get_text(p, anchor, NULL);
	r->off = (size_t)(p - r->c->data);
	return true;
}

void ytape_release(struct ytape *tp, const struct ytape_reader *r)
{
	while (tp->head && tp->head != r->c) {
		struct ytape_chunk *next = tp->head->next;

		free(tp->head);
		tp->head = next;
	}
	if (!tp->head)
		tp->tail = NULL;
}

void ytape_free(struct ytape *tp)
{
	struct ytape_chunk *c, *next;

	for (c = tp->head; c; c = next) {
		next = c->next;
		free(c);
	}
	tp->head = tp->tail = NULL;
}
