/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the manifest loader gives for a file, as text (test code, shared by
 * tests/unit/test_yamllane.c and tests/fuzz/fuzz_lane.c): every node of
 * the tree (kind, marks, style, text, children), the items of every list
 * as ystream_items() plays them, and every message.  Two loads that give
 * the same text gave the same to the parser.
 */
#ifndef BPFAPPLY_TEST_YDUMP_H
#define BPFAPPLY_TEST_YDUMP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/diag.h"
#include "core/yamltree.h"

struct sbuf {
	char *p;
	size_t n, cap;
};

static void __attribute__((format(printf, 2, 3))) sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (b->p && (size_t)n < b->cap - b->n)
			break;
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	b->n += (size_t)n;
}

static void dump_mark(struct sbuf *b, const yaml_mark_t *m)
{
	sb_printf(b, " %zu:%zu", m->line, m->column);
}

static void dump_doc(struct sbuf *b, const yaml_document_t *doc)
{
	const yaml_node_t *n;
	const yaml_node_item_t *it;
	const yaml_node_pair_t *pr;

	for (n = doc->nodes.start; n < doc->nodes.top; n++) {
		sb_printf(b, "[%d]", (int)(n - doc->nodes.start) + 1);
		dump_mark(b, &n->start_mark);
		dump_mark(b, &n->end_mark);
		switch (n->type) {
		case YAML_SCALAR_NODE:
			sb_printf(b, " s%d '%.*s'\n", n->data.scalar.style, (int)n->data.scalar.length,
				  (const char *)n->data.scalar.value);
			break;
		case YAML_SEQUENCE_NODE:
			sb_printf(b, " q%d", n->data.sequence.style);
			for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
				sb_printf(b, " %d", *it);
			sb_printf(b, "\n");
			break;
		case YAML_MAPPING_NODE:
			sb_printf(b, " m%d", n->data.mapping.style);
			for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++)
				sb_printf(b, " %d=%d", pr->key, pr->value);
			sb_printf(b, "\n");
			break;
		default:
			sb_printf(b, " ?\n");
		}
	}
}

static void dump_item(void *arg, struct ytree *it, const yaml_node_t *item, size_t i)
{
	struct sbuf *b = arg;

	sb_printf(b, "  item %zu (node %d)\n", i, (int)(item - it->doc.nodes.start) + 1);
	dump_doc(b, &it->doc);
}

/* Everything the loader gives for path, as text; the lane's item count. */
static size_t load_dump(const char *path, bool lane, struct sbuf *b)
{
	struct diag d = { 0 };
	struct ytree t;
	yaml_node_t *root = ytree_load_lane(&t, path, &d, lane), *n;
	size_t i, lane_items = t.lane_items;

	if (root) {
		dump_doc(b, &t.doc);
		for (n = t.doc.nodes.start; n < t.doc.nodes.top; n++) {
			if (n->type != YAML_SEQUENCE_NODE)
				continue;
			sb_printf(b, "list %d: %zu items, bounded %d\n", (int)(n - t.doc.nodes.start) + 1,
				  ystream_len(&t, n), ystream_bounded(&t, n));
			sb_printf(b, "played %d\n", ystream_items(&t, n, dump_item, b));
		}
	} else {
		sb_printf(b, "no tree\n");
	}
	for (i = 0; i < d.n; i++) {
		char *s = diag_format(&d.msgs[i]);

		sb_printf(b, "%s\n", s);
		free(s);
	}
	sb_printf(b, "lost %zu\n", d.lost);
	ytree_free(&t);
	diag_free(&d);
	return lane_items;
}

#endif
